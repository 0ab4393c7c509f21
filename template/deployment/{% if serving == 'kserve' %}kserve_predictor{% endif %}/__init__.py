"""The KServe custom predictor: `make serve` or `python -m deployment.kserve_predictor`.

`ChampionModel` (a `kserve.Model`) serves the champion through the code the batch job shares
(deployment/inference: input schema, model loading, predictor) on kserve's ModelServer, over the
V1 (`/v1/models/<name>:predict`) and V2 (`/v2/models/<name>/infer`) inference protocols. In
Kubernetes it runs as the custom predictor container of an InferenceService (deployment/k8s).
"""
