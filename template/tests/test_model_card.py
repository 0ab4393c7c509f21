"""The model card: rendered from the run, in Markdown and HTML, with the run's real numbers."""

from __future__ import annotations

from html.parser import HTMLParser

from conftest import Trained
from mlflow import MlflowClient

from model_cards.context import weak_slices


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.headings: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs)["src"] or "")
        self._in_heading = tag == "h2"

    def handle_data(self, data: str) -> None:
        if self._in_heading:
            self.headings.append(data.strip())
            self._in_heading = False


def test_card_holds_the_facts_of_the_run(trained: Trained) -> None:
    registration = trained.state["registration"]
    evaluation = trained.state["evaluation"]
    training = trained.state["training"]
    cards = trained.settings.root / "model_cards/cards"
    stem = f"{registration['model_name']}-v{registration['version']}"
    markdown = (cards / f"{stem}.md").read_text()
    metric = evaluation["primary_metric"]

    assert markdown.startswith(f"# Model card: {registration['model_name']} version 1")
    assert training["dataset_hash"] in markdown
    assert f"{evaluation['model'][metric]:.4f}" in markdown
    assert f"{evaluation['baseline'][metric]:.4f}" in markdown
    for family, cv in training["cv"].items():
        assert f"| {family}" in markdown and f"{cv['std']:.4f}" in markdown
    for row in evaluation["slices"]:
        assert f"| {row['value']} | {row['rows']} |" in markdown
    assert "champion: passed the model_training gate" in markdown
    assert f"![SHAP global importance]({stem}-shap.png)" in markdown
    assert (cards / f"{stem}-shap.png").stat().st_size > 0
    for section in ("Intended use", "Data", "Limitations", "Cross-validation spread"):
        assert f"## {section}" in markdown


def test_html_card_has_the_same_sections_and_plot(trained: Trained) -> None:
    cards = trained.settings.root / "model_cards/cards"
    parser = _Collect()
    parser.feed(next(cards.glob("*.html")).read_text())
    assert parser.images and all((cards / src).is_file() for src in parser.images)
    assert {"Intended use", "Data", "Limitations", "Explanations"} <= set(parser.headings)


def test_card_is_logged_with_the_run(trained: Trained) -> None:
    run_id = trained.state["training"]["run_id"]
    # The trained project's own store, named explicitly: other test modules set MLflow's
    # process-wide tracking URI to theirs.
    client = MlflowClient(tracking_uri=f"sqlite:///{trained.settings.root / 'mlflow.db'}")
    logged = {a.path for a in client.list_artifacts(run_id, "model_card")}
    assert any(p.endswith(".md") for p in logged) and any(p.endswith(".html") for p in logged)


def test_weak_slices_become_limitations() -> None:
    evaluation = {
        "primary_metric": "rmse",
        "model": {"rmse": 10.0},
        "slices": [
            {"column": "region", "value": "north", "rows": 80, "metrics": {"rmse": 12.0}},
            {"column": "region", "value": "south", "rows": 90, "metrics": {"rmse": 10.5}},
            {"column": "region", "value": "east", "rows": 40, "metrics": {"rmse": None}},
        ],
    }
    assert weak_slices(evaluation) == [
        "rmse is 12.000 on region=north (80 rows) against 10.000 overall"
    ]
