"""Continuous training: triggers, a retraining run through the pipeline's own steps, a
champion/challenger decision on the same holdout, promotion, and an append-only audit log."""
