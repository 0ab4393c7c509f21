"""Run the phase gates, print a table and write the JSON report."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from quality_gates import PHASES
from quality_gates.core import (
    FAIL,
    INCOMPLETE,
    NOT_RUN,
    PASS,
    Check,
    Context,
    PhaseGate,
    ToolMissing,
    counts,
    phase_status,
)

STATUS_MARK = {PASS: "PASS", FAIL: "FAIL", NOT_RUN: "not run", INCOMPLETE: "INCOMPLETE"}
STATIC_REASON = "static mode: needs the installed project (`make setup`, `make pipeline`)"


def _name(fn: Any) -> str:
    return getattr(fn, "__name__", "check").removeprefix("check_").replace("_", " ")


def run_check(fn: Any, ctx: Context) -> list[Check]:
    try:
        out = fn(ctx)
    except ToolMissing as exc:  # the same failure, with the install command, for every tool
        return [Check(_name(fn), FAIL, str(exc))]
    except Exception as exc:  # a crashing check is a failing check, reported with its reason
        return [Check(_name(fn), FAIL, f"{type(exc).__name__}: {exc}")]
    return out if isinstance(out, list) else [out]


def run_phase(phase: str, ctx: Context) -> dict[str, Any]:
    gate: PhaseGate = importlib.import_module(f"quality_gates.{phase}").GATE
    checks = []
    for fn in gate.static_checks:
        checks += run_check(fn, ctx)
    for fn in gate.full_checks:
        if ctx.static:
            checks.append(Check(_name(fn), NOT_RUN, STATIC_REASON))
        else:
            checks += run_check(fn, ctx)
    return {
        "status": phase_status(checks),
        "counts": counts(checks),
        "checks": [c.to_dict() for c in checks],
    }


def run(ctx: Context, phases: list[str] | None = None, echo: Any = print) -> dict[str, Any]:
    selected = phases or list(PHASES)
    report: dict[str, Any] = {}
    for i, phase in enumerate(selected, 1):
        echo(f"[{i}/{len(selected)}] {phase} ...", flush=True)
        report[phase] = run_phase(phase, ctx)
    return report


def totals(report: dict[str, Any]) -> dict[str, int]:
    keys = ("checks", "ran", "passed", "failed", "not_run")
    return {k: sum(r["counts"][k] for r in report.values()) for k in keys}


def summary_line(report: dict[str, Any]) -> str:
    """One line: how many checks ran, passed, failed and did not run, and the verdict."""
    t = totals(report)
    tally = (
        f"{t['ran']} of {t['checks']} checks ran: {t['passed']} passed, {t['failed']} failed; "
        f"{t['not_run']} not run"
    )
    failed = [p for p, r in report.items() if r["status"] == FAIL]
    incomplete = [p for p, r in report.items() if r["status"] == INCOMPLETE]
    if failed:
        verdict = f"FAILED: {', '.join(failed)}"
        if incomplete:
            verdict += f"; INCOMPLETE: {', '.join(incomplete)}"
    elif incomplete:
        verdict = f"INCOMPLETE (not passed): {', '.join(incomplete)}"
    else:
        verdict = "every check ran and passed"
    return f"{verdict}. {tally}."


def write_report(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")


def format_table(report: dict[str, Any]) -> str:
    rows = [("phase", "check", "status", "detail")]
    for phase, result in report.items():
        c = result["counts"]
        rows.append((phase, "", STATUS_MARK[result["status"]], f"{c['ran']}/{c['checks']} ran"))
        for c in result["checks"]:
            detail = c["detail"]
            if c["value"] is not None:
                detail = f"{detail} (value {c['value']}, threshold {c['threshold']})"
            rows.append(("", c["name"], STATUS_MARK[c["status"]], detail))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = []
    for r in rows:
        lines.append("  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3])
    lines.append("")
    lines.append(summary_line(report))
    return "\n".join(lines)
