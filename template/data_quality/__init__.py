"""Data quality: the schema from configs/data.yaml, quarantine, profile and reference stats."""
