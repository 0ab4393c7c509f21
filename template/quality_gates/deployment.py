"""Gate `deployment`: reports skip until its phase is built."""

from quality_gates.core import PhaseGate

GATE = PhaseGate(not_built="serving and deployment are not built yet (serving issue)")
