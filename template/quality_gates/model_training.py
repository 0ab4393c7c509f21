"""Gate `model_training`: reports skip until its phase is built."""

from quality_gates.core import PhaseGate

GATE = PhaseGate(not_built="model training is not built yet (data-to-model issue)")
