"""Serving and deployment: model loading and input schema shared by the API and the batch job,
the Dockerfile and the Kubernetes manifests (see docs/deployment-guide.md)."""
