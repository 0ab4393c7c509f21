"""Run the phase gates, print a table and write the JSON report."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from quality_gates import PHASES
from quality_gates.core import FAIL, SKIP, Check, Context, PhaseGate, phase_status

STATUS_MARK = {"pass": "PASS", "fail": "FAIL", "skip": "skip"}


def _run_check(fn: Any, ctx: Context) -> list[Check]:
    try:
        out = fn(ctx)
    except Exception as exc:  # a crashing check is a failing check, reported with its reason
        name = getattr(fn, "__name__", "check").removeprefix("check_")
        return [Check(name, FAIL, f"{type(exc).__name__}: {exc}")]
    return out if isinstance(out, list) else [out]


def run_phase(phase: str, ctx: Context) -> dict[str, Any]:
    gate: PhaseGate = importlib.import_module(f"quality_gates.{phase}").GATE
    if gate.not_built:
        checks = [Check("phase", SKIP, gate.not_built)]
    else:
        checks = []
        for fn in gate.static_checks:
            checks += _run_check(fn, ctx)
        for fn in gate.full_checks:
            if ctx.static:
                name = fn.__name__.removeprefix("check_")
                checks.append(Check(name, SKIP, "needs the installed project (run `make gates`)"))
            else:
                checks += _run_check(fn, ctx)
    return {"status": phase_status(checks), "checks": [c.to_dict() for c in checks]}


def run(ctx: Context, phases: list[str] | None = None, echo: Any = print) -> dict[str, Any]:
    selected = phases or list(PHASES)
    report: dict[str, Any] = {}
    for i, phase in enumerate(selected, 1):
        echo(f"[{i}/{len(selected)}] {phase} ...", flush=True)
        report[phase] = run_phase(phase, ctx)
    return report


def write_report(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")


def format_table(report: dict[str, Any]) -> str:
    rows = [("phase", "check", "status", "detail")]
    for phase, result in report.items():
        rows.append((phase, "", STATUS_MARK[result["status"]], ""))
        for c in result["checks"]:
            detail = c["detail"]
            if c["value"] is not None:
                detail = f"{detail} (value {c['value']}, threshold {c['threshold']})"
            rows.append(("", c["name"], STATUS_MARK[c["status"]], detail))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = []
    for r in rows:
        lines.append("  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3])
    failed = [p for p, r in report.items() if r["status"] == FAIL]
    lines.append("")
    lines.append(
        f"FAILED: {', '.join(failed)}" if failed else "All gates passed (skipped phases listed)."
    )
    return "\n".join(lines)
