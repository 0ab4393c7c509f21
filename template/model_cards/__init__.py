"""Model cards: one per registered model version, as Markdown and HTML, rendered from its run."""
