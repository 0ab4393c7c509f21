"""Data ingestion: read the source into the raw layer, incrementally."""
