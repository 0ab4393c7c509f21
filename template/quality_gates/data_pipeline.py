"""Gate `data_pipeline`: reports skip until its phase is built."""

from quality_gates.core import PhaseGate

GATE = PhaseGate(not_built="the data pipeline is not built yet (data-to-model issue)")
