"""A drift report a person can read: one self-contained HTML page (no scripts, no downloads)
with the verdict, a table of every column and a bar chart of reference vs current shares."""

from __future__ import annotations

from html import escape

from monitoring.drift_detection.detector import ColumnDrift, DriftReport

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:70rem}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem}
th{background:#f4f4f4}.drift{background:#fde2e1}.ok{background:#e3f6e5}
.verdict{font-size:1.3rem;padding:.6rem 1rem;display:inline-block;border-radius:.3rem}
figure{display:inline-block;margin:.5rem 1.5rem .5rem 0}figcaption{font-weight:600}
.ref{fill:#8aa9d6}.cur{fill:#e08a3c}
"""
BAR_WIDTH, CHART_HEIGHT = 14, 90


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _chart(column: ColumnDrift) -> str:
    """Reference (blue) and current (orange) share per bin, as inline SVG."""
    top = max([*column.reference_fractions, *column.current_fractions, 1e-9])
    width = len(column.bins) * (2 * BAR_WIDTH + 6) + 10
    bars = []
    for i, (label, ref, cur) in enumerate(
        zip(column.bins, column.reference_fractions, column.current_fractions, strict=True)
    ):
        x = 5 + i * (2 * BAR_WIDTH + 6)
        for offset, share, css in ((0, ref, "ref"), (BAR_WIDTH, cur, "cur")):
            h = CHART_HEIGHT * share / top
            bars.append(
                f'<rect class="{css}" x="{x + offset}" y="{CHART_HEIGHT - h:.1f}" '
                f'width="{BAR_WIDTH - 1}" height="{h:.1f}"><title>{escape(label)}: '
                f"{css} {share:.1%}</title></rect>"
            )
    return (
        f'<figure><figcaption>{escape(column.name)}</figcaption><svg width="{width}" '
        f'height="{CHART_HEIGHT}" role="img">{"".join(bars)}</svg></figure>'
    )


def _rows(columns: list[ColumnDrift]) -> str:
    rows = []
    for c in columns:
        css = "drift" if c.drifted else "ok"
        rows.append(
            f'<tr class="{css}"><td>{escape(c.name)}</td><td>{c.type}</td>'
            f"<td>{_fmt(c.psi)}</td><td>{_fmt(c.ks_statistic)}</td>"
            f"<td>{'–' if c.ks_p_value is None else f'{c.ks_p_value:.2g}'}</td>"
            f"<td>{c.null_fraction_reference:.1%} → {c.null_fraction_current:.1%}</td>"
            f"<td>{'DRIFT' if c.drifted else 'ok'}</td>"
            f"<td>{escape('; '.join(c.reasons))}</td></tr>"
        )
    return "".join(rows)


def _table(title: str, columns: list[ColumnDrift]) -> str:
    if not columns:
        return ""
    head = (
        "<tr><th>column</th><th>type</th><th>PSI</th><th>KS</th><th>KS p-value</th>"
        "<th>nulls (ref → cur)</th><th>verdict</th><th>why</th></tr>"
    )
    charts = "".join(_chart(c) for c in columns)
    return f"<h2>{escape(title)}</h2><table>{head}{_rows(columns)}</table><div>{charts}</div>"


def render(report: DriftReport, title: str = "Drift report") -> str:
    verdict = {
        "drift": ("drift", "DRIFT DETECTED"),
        "ok": ("ok", "No drift"),
        "insufficient_data": ("drift", "Not enough rows to judge"),
    }[report.status]
    t = report.thresholds
    context = "".join(
        f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>"
        for k, v in report.context.items()
    )
    summary = (
        f"<p>{report.rows} current rows compared with {report.reference_rows} reference rows. "
        f"{len(report.drifted_features)} of {len(report.features)} features drifted "
        f"({report.drift_share:.0%}; dataset drift from {t.dataset_drift_share:.0%}). "
        f"Thresholds: PSI &gt; {t.psi}, KS &gt; {t.ks_statistic} with p &lt; {t.ks_p_value}, "
        f"prediction PSI &gt; {t.prediction_psi}. Blue: reference share per bin; orange: "
        "current.</p>"
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>'
        f"{escape(title)}</title><style>{STYLE}</style></head><body><h1>{escape(title)}</h1>"
        f'<p class="verdict {verdict[0]}">{verdict[1]}</p>{summary}<table>{context}</table>'
        f"{_table('Model outputs', report.predictions)}{_table('Features', report.features)}"
        "</body></html>\n"
    )
