"""The project's pipeline package: step functions shared by `make pipeline` and the orchestrator."""

__version__ = "0.1.0"
