"""Phase quality gates: `python -m quality_gates [--phase P] [--static]`.

Phases run in order: requirements, data_pipeline, model_training, deployment, monitoring,
continuous_training, and experimentation where the project has it. Static checks need only the
standard library, so they run before anything is installed; the other checks need the
project's environment (`make setup`).
"""

from pathlib import Path

PHASES = (
    "requirements",
    "data_pipeline",
    "model_training",
    "deployment",
    "monitoring",
    "continuous_training",
)
# Standard and enterprise projects render experimentation/ and its gate module beside this one.
if (Path(__file__).with_name("experimentation.py")).is_file():
    PHASES = (*PHASES, "experimentation")
