"""Kubeflow Pipelines v2 definitions (docs/orchestration.md): `python -m kfp_pipelines compile`."""
