"""Render a card context to Markdown and HTML with the templates beside this module."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = lambda value: "n/a" if value is None else f"{value:.4f}"
    env.filters["pct"] = lambda value: f"{value:+.1%}"
    return env


def render(context: dict[str, Any], shap_plot: str) -> dict[str, str]:
    """{"md": ..., "html": ...} of one version; `shap_plot` is a path relative to the card."""
    env = _environment()
    values = {**context, "shap_plot": shap_plot}
    return {
        "md": env.get_template("card.md.j2").render(values),
        "html": env.get_template("card.html.j2").render(values),
    }
