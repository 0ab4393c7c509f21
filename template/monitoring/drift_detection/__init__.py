"""Drift detection: PSI and Kolmogorov-Smirnov per feature and for the model's predictions,
against the reference statistics the `validate` step saves (`data/reference/stats.json`)."""
