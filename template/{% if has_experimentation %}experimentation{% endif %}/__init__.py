"""Experimentation: design (power, sample size, runtime), assignment, analytics events, feature
flags, gradual rollout with guardrails, and the frequentist + Bayesian analysis of A/B tests.

`make experiment-design`, `make experiment-simulate`, `make experiment-analyze`;
docs/experimentation-guide.md explains the methods and the choices behind them.
"""
