"""Prefect 3 flows of the pipelines and their deployments (docs/orchestration.md):
`python -m prefect_flows run data_pipeline`, `... serve`, `... deploy --work-pool NAME`."""
