"""Phase quality gates: `python -m quality_gates [--phase P] [--static]`.

Phases run in order: requirements, data_pipeline, model_training, deployment, monitoring,
continuous_training. Static checks need only the standard library, so they run before anything
is installed; the other checks need the project's environment (`make setup`).
"""

PHASES = (
    "requirements",
    "data_pipeline",
    "model_training",
    "deployment",
    "monitoring",
    "continuous_training",
)
