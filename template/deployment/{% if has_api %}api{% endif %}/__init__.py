"""The real-time prediction API: `make serve` or `python -m deployment.api`."""
