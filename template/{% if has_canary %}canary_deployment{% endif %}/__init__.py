"""Canary deployment: a new model version gets 5 -> 25 -> 50 -> 100 % of the traffic, with an
analysis between steps (error rate, latency, prediction drift against the champion) and an
automatic abort. `controller` runs the steps anywhere; `k8s/` is the Kubernetes version (Argo
Rollouts, or the InferenceService's canaryTrafficPercent when KServe serves)."""
