"""The experiment report: one self-contained HTML page (plots embedded) and the same numbers in
JSON. Plots: the CI forest plot of relative lifts, the cumulative lift over time with the
always-valid p-value, and the posterior densities of each arm."""

from __future__ import annotations

import base64
import html
import io
import json
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; no display on servers and CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

from experimentation.analysis import GO, NO_GO, Analysis  # noqa: E402

COLOURS = {GO: "#1b7f3b", NO_GO: "#b3261e", "keep-running": "#8a6d00"}


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def forest_plot(analysis: Analysis) -> str:
    rows = [("", r) for r in analysis.primary] + [("guardrail ", r) for r in analysis.guardrails]
    rows += [(f"{s['segment']}: ", s) for s in analysis.segments]
    rows = [(p, r) for p, r in rows if math.isfinite(r["relative_lift"])]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(rows) + 1.2))
    for i, (prefix, r) in enumerate(reversed(rows)):
        lift, low, high = (100 * r[k] for k in ("relative_lift", "lift_ci_low", "lift_ci_high"))
        ax.errorbar(
            lift,
            i,
            xerr=[[lift - low], [high - lift]],
            fmt="o",
            capsize=3,
            color="#1f4e9c" if prefix == "" else "#666666",
        )
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{p}{r['metric']} ({r['treatment']})" for p, r in reversed(rows)])
    ax.set_xlabel("relative lift vs control, % (95 % CI, delta method)")
    ax.set_title("Effects with confidence intervals")
    return _png(fig)


def cumulative_plot(analysis: Analysis) -> str:
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for line in analysis.timeline:
        days = [d["day"] for d in line["days"]]
        label = f"{line['metric']} ({line['treatment']})"
        lift = np.array([100 * d["lift"] for d in line["days"]])
        low = np.array([100 * d["lift_ci_low"] for d in line["days"]])
        high = np.array([100 * d["lift_ci_high"] for d in line["days"]])
        axes[0].plot(days, lift, marker="o", markersize=3, label=label)
        axes[0].fill_between(days, low, high, alpha=0.2)
        axes[1].plot(
            days, [d["always_valid_p"] for d in line["days"]], marker="o", markersize=3, label=label
        )
    axes[0].axhline(0, color="black", linewidth=0.8)
    axes[0].set(xlabel="day", ylabel="cumulative relative lift, %", title="Cumulative lift")
    alpha = analysis.design.get("alpha", 0.05)
    axes[1].axhline(alpha, color="#b3261e", linestyle="--", label=f"alpha {alpha}")
    axes[1].set(xlabel="day", ylabel="p", yscale="log", title="Always-valid p-value (mSPRT)")
    for ax in axes:
        ax.legend(fontsize=8)
    return _png(fig)


def posterior_plot(analysis: Analysis) -> str:
    posts = analysis.posteriors
    cols = min(3, max(1, len(posts)))
    rows = math.ceil(len(posts) / cols) or 1
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax in axes.flat[len(posts) :]:
        ax.axis("off")
    for ax, p in zip(axes.flat, posts, strict=False):
        arms = [("control", p["control_params"]), (p["treatment"], p["treatment_params"])]
        if p["model"] == "Beta-Binomial":
            dists = [(n, stats.beta(*params)) for n, params in arms]
        else:
            dists = [(n, stats.norm(*params)) for n, params in arms]
        lo = min(d.ppf(0.0005) for _, d in dists)
        hi = max(d.ppf(0.9995) for _, d in dists)
        x = np.linspace(lo, hi, 400)
        for name, d in dists:
            ax.plot(x, d.pdf(x), label=name)
            ax.fill_between(x, d.pdf(x), alpha=0.15)
        better = p["prob_treatment_better"]
        ax.set_title(f"{p['metric']}: P(treatment better) = {better:.3f}", fontsize=10)
        ax.legend(fontsize=8)
    fig.suptitle("Posterior densities per arm")
    return _png(fig)


def _table(rows: list[dict[str, Any]], columns: list[tuple[str, str, str]]) -> str:
    head = "".join(f"<th>{html.escape(title)}</th>" for _, title, _ in columns)
    body = []
    for r in rows:
        cells = []
        for key, _, fmt in columns:
            value = r.get(key)
            text = format(value, fmt) if isinstance(value, float) and fmt else str(value)
            cells.append(f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


COMPARISON_COLUMNS = [
    ("metric", "metric", ""),
    ("treatment", "treatment", ""),
    ("test", "test", ""),
    ("control_mean", "control", ".4g"),
    ("treatment_mean", "treatment", ".4g"),
    ("relative_lift", "lift", "+.2%"),
    ("lift_ci_low", "lift CI low", "+.2%"),
    ("lift_ci_high", "lift CI high", "+.2%"),
    ("p_value", "p", ".3g"),
    ("p_value_adjusted", "p adjusted", ".3g"),
    ("always_valid_p", "always-valid p", ".3g"),
    ("cuped_variance_reduction", "CUPED variance cut", ".1%"),
]
POSTERIOR_COLUMNS = [
    ("metric", "metric", ""),
    ("treatment", "treatment", ""),
    ("model", "model", ""),
    ("prob_treatment_better", "P(T > C)", ".4f"),
    ("expected_loss", "expected loss", ".4g"),
    ("difference_ci_low", "95 % credible low", ".4g"),
    ("difference_ci_high", "95 % credible high", ".4g"),
]
GUARDRAIL_COLUMNS = [*COMPARISON_COLUMNS[:9], ("harm", "harm", "")]
SEGMENT_COLUMNS = [("segment", "segment", ""), *COMPARISON_COLUMNS[:10]]


def render_html(analysis: Analysis) -> str:
    colour = COLOURS.get(analysis.decision, "#333")
    reasons = "".join(f"<li>{html.escape(r)}</li>" for r in analysis.reasons)
    srm_ = analysis.srm
    expected = ", ".join(f"{k}: {v:.0f}" for k, v in srm_["expected"].items())
    srm_text = (
        f"observed {srm_['observed']}, expected ({expected}), "
        f"chi-square p = {srm_['p_value']:.3g} (alert below {srm_['threshold']})"
    )
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Experiment {html.escape(analysis.experiment)}</title><style>",
        "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}",
        "table{border-collapse:collapse;font-size:13px;margin:1em 0}",
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}",
        ".decision{font-size:1.6em;font-weight:bold;color:#fff;padding:.4em .8em;",
        f"display:inline-block;background:{colour}}}</style></head><body>",
        f"<h1>Experiment {html.escape(analysis.experiment)}</h1>",
        f"<p>Generated {analysis.generated_at}. {analysis.units} units, day "
        f"{analysis.days_observed} of {analysis.planned_days} planned.</p>",
        f"<div class='decision'>{html.escape(analysis.decision.upper())}</div>",
        f"<ul>{reasons}</ul>",
        f"<h2>Sample ratio</h2><p>{'MISMATCH: ' if srm_['mismatch'] else 'OK: '}"
        f"{html.escape(srm_text)}</p>",
        "<h2>Effects</h2>",
        f"<img alt='forest plot' src='data:image/png;base64,{forest_plot(analysis)}'>",
        _table(analysis.primary, COMPARISON_COLUMNS),
        "<h2>Over time</h2>",
        f"<img alt='cumulative lift' src='data:image/png;base64,{cumulative_plot(analysis)}'>",
        "<h2>Bayesian view</h2>",
        f"<img alt='posteriors' src='data:image/png;base64,{posterior_plot(analysis)}'>",
        _table(analysis.posteriors, POSTERIOR_COLUMNS),
        "<h2>Guardrails</h2>",
        _table(analysis.guardrails, GUARDRAIL_COLUMNS) if analysis.guardrails else "<p>none</p>",
        "<h2>Segments</h2>",
        _table(analysis.segments, SEGMENT_COLUMNS) if analysis.segments else "<p>none</p>",
        "</body></html>",
    ]
    return "\n".join(parts)


def write(analysis: Analysis, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / f"{analysis.experiment}.html"
    json_path = out_dir / f"{analysis.experiment}.json"
    html_path.write_text(render_html(analysis), encoding="utf-8")
    json_path.write_text(json.dumps(analysis.to_dict(), indent=2, default=str) + "\n")
    return html_path, json_path
