"""Rollback: restore the previous champion in the registry, make the running API serve it, and
roll the Kubernetes Deployment back, in one logged command (`python -m rollback`)."""
