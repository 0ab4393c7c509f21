"""SHAP explanations of the trained model: global importance and per-row contributions."""
