"""`python -m experimentation design|simulate|analyze [--config PATH] [--events DIR]`.

design    sample size, power and runtime: reports/experiments/<name>_design.{md,json};
          exits 1 when the design does not reach its power within the maximum runtime.
simulate  simulated traffic with the configured true lift into the event log, and the
          calibration study (A/A false positives, CI coverage, SRM detection):
          reports/experiments/simulation.json; exits 1 when a rate leaves its band.
analyze   the analysis of the event log: reports/experiments/<name>.{html,json} and MLflow.
flags     write the flag file the API reads (configs/flags.flagd.json) from the design;
          --kill-switch off serves every unit the control, on resumes the experiment.
rollout   the gradual rollout of the treatment (experimentation/rollout.py), on the project
          where the API runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from experimentation import config

REPORTS = Path("reports/experiments")
SIMULATED_EVENTS = Path("data/experiments/simulated")
API_EVENTS = Path("data/experiments/events")  # deployment/api/config.py EXPERIMENT_EVENTS_DIR


def _dump(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")


def cmd_design(design: config.Design, args: argparse.Namespace) -> int:
    from experimentation.design import plan, to_markdown

    result = plan(design)
    out = args.reports / f"{design.name}_design"
    _dump(out.with_suffix(".json"), result.to_dict())
    text = to_markdown(design, result)
    out.with_suffix(".md").write_text(text, encoding="utf-8")
    print(text)
    print(f"written: {out.with_suffix('.md')}")
    return 1 if result.underpowered else 0


def cmd_simulate(design: config.Design, args: argparse.Namespace) -> int:
    from experimentation.simulate import calibrate, simulate_events

    shutil.rmtree(args.events, ignore_errors=True)  # a fresh simulated log each time
    simulated = simulate_events(design, args.events)
    print(f"simulated {simulated['units']} units into {args.events}: {simulated['assigned']}")
    rates = calibrate(design, runs=args.runs)
    for r in rates:
        mark = "ok  " if r.passed else "FAIL"
        print(f"{mark} {r.name}: {r.value:.4f} in [{r.low:.4f}, {r.high:.4f}] ({r.detail})")
    _dump(
        args.reports / "simulation.json",
        {"events": simulated, "calibration": [r.to_dict() for r in rates]},
    )
    return 0 if all(r.passed for r in rates) else 1


def cmd_analyze(design: config.Design, args: argparse.Namespace) -> int:
    from experimentation import report, units
    from experimentation.analysis import analyse

    try:
        frame = units.load(design, args.events)
    except units.NoExposuresError as exc:
        print(exc, file=sys.stderr)
        return 2
    result = analyse(design, frame)
    html_path, json_path = report.write(result, args.reports)
    if not args.no_mlflow:
        from experimentation.tracking import log_analysis

        log_analysis(result, html_path, json_path)
    print(f"decision: {result.decision}")
    for reason in result.reasons:
        print(f"  - {reason}")
    print(f"report: {html_path}\nnumbers: {json_path}")
    return 0


def cmd_flags(design: config.Design, args: argparse.Namespace) -> int:
    from experimentation import flags

    if args.kill_switch is not None and args.flag_file.is_file():
        flags.set_kill_switch(args.flag_file, args.kill_switch == "on")
    else:
        flags.write(args.flag_file, flags.build(design, enabled=args.kill_switch != "off"))
    problems = flags.check_file(args.flag_file, design)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"written: {args.flag_file}")
    return 1 if problems else 0


def cmd_rollout(design: config.Design, args: argparse.Namespace) -> int:
    from deployment.project import Settings
    from experimentation.rollout import EventSource, rollout

    source = EventSource(design, args.events, interval=args.interval)
    result = rollout(Settings(), design, args.flag_file, source, args.reports / "rollout.json")
    print(
        f"rollout {result.status} at {result.weight:g} %"
        + (f": {result.reason}" if result.reason else "")
    )
    return 0 if result.status == "promoted" else 1


COMMANDS = {
    "design": cmd_design,
    "simulate": cmd_simulate,
    "analyze": cmd_analyze,
    "flags": cmd_flags,
}
# The rollout needs the API (rendered with deployment/api: real-time and hybrid projects).
if importlib.util.find_spec("experimentation.rollout") is not None:
    COMMANDS["rollout"] = cmd_rollout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m experimentation",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=COMMANDS)
    parser.add_argument("--config", type=Path, default=config.DEFAULT_PATH)
    parser.add_argument(
        "--events", type=Path, default=None, help="event log directory (default: the simulated one)"
    )
    parser.add_argument("--reports", type=Path, default=REPORTS)
    parser.add_argument("--runs", type=int, default=None, help="calibration runs (simulate)")
    parser.add_argument("--no-mlflow", action="store_true", help="analyze without MLflow")
    parser.add_argument("--flag-file", type=Path, default=Path("configs/flags.flagd.json"))
    parser.add_argument(
        "--kill-switch",
        choices=["on", "off"],
        default=None,
        help="flags: turn the experiment on or off (off: everyone gets the control)",
    )
    args = parser.parse_args(argv)
    if args.events is None:  # the rollout watches the API's events; the others the simulation's
        args.events = API_EVENTS if args.command == "rollout" else SIMULATED_EVENTS
    try:
        design = config.load(args.config)
    except config.ConfigError as exc:
        print(f"invalid experiment design: {exc}", file=sys.stderr)
        return 2
    return COMMANDS[args.command](design, args)


if __name__ == "__main__":
    sys.exit(main())
