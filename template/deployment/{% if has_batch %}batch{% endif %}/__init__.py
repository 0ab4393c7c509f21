"""Batch scoring: `make batch` or `python -m deployment.batch` (also the Kubernetes CronJob)."""
