"""Training, evaluation and registration: baseline and tuned candidates, tracked in MLflow."""
