"""Gate `monitoring`: reports skip until its phase is built."""

from quality_gates.core import PhaseGate

GATE = PhaseGate(not_built="monitoring is not built yet (monitoring issue)")
