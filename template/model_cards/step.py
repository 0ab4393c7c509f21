"""Step `card`: the model card of the registered version, as Markdown and HTML."""

from __future__ import annotations

import shutil
from typing import Any

import mlflow
from mlflow import MlflowClient

from model_cards.context import card_context
from model_cards.render import render

CARDS_DIR = "model_cards/cards"


def run(settings: Any, state: dict[str, Any]) -> dict[str, Any]:
    mlflow.set_tracking_uri(settings.tracking_uri)
    context = card_context(settings, MlflowClient())
    out_dir = settings.root / CARDS_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{context['model_name']}-v{context['version']}"
    plot = out_dir / f"{stem}-shap.png"
    shutil.copyfile(settings.reports_dir / "interpretability" / "shap_summary.png", plot)
    written = []
    for ext, text in render(context, plot.name).items():
        path = out_dir / f"{stem}.{ext}"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    with mlflow.start_run(run_id=context["run_id"]):
        for path in (*written, plot):
            mlflow.log_artifact(str(path), artifact_path="model_card")
    state["card"] = [str(p) for p in written]
    return {
        "card": str(written[0].relative_to(settings.root)),
        "html": str(written[1].relative_to(settings.root)),
        "champion": context["promoted"],
    }
