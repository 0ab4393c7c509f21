"""Gate `continuous_training`: reports skip until its phase is built."""

from quality_gates.core import PhaseGate

GATE = PhaseGate(not_built="continuous training is not built yet (monitoring issue)")
