"""`python -m kfp_pipelines compile [--out DIR] | run PIPELINE --host URL | schedule --host URL`

compile: write each pipeline as KFP IR YAML (default build/kfp/<pipeline>.yaml).
run: compile and start one run on a Kubeflow Pipelines endpoint.
schedule: create the recurring runs of configs/orchestration.yaml on that endpoint.
"""

import argparse
import sys
from pathlib import Path

from kfp_pipelines.pipelines import CONFIG, KUBEFLOW, PIPELINES, recurring_run_options


def compile_all(out: Path) -> list[Path]:
    from kfp import compiler

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, pipeline in PIPELINES.items():
        path = out / f"{name}.yaml"
        compiler.Compiler().compile(pipeline, package_path=str(path))
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kfp_pipelines", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    compile_ = commands.add_parser("compile", help="compile every pipeline to YAML")
    compile_.add_argument("--out", type=Path, default=Path("build/kfp"))
    run = commands.add_parser("run", help="start one run on a KFP endpoint")
    run.add_argument("pipeline", choices=sorted(PIPELINES))
    schedule = commands.add_parser("schedule", help="create the recurring runs")
    for command in (run, schedule):
        command.add_argument(
            "--host", required=True, help="the KFP API, e.g. http://localhost:8080"
        )
        command.add_argument("--out", type=Path, default=Path("build/kfp"))
    args = parser.parse_args(argv)

    paths = {path.stem: path for path in compile_all(args.out)}
    if args.command == "compile":
        print("\n".join(str(p) for p in paths.values()))
        return 0

    import kfp

    client = kfp.Client(host=args.host)
    experiment = client.create_experiment(name=KUBEFLOW["experiment"])
    if args.command == "run":
        run_info = client.create_run_from_pipeline_package(
            str(paths[args.pipeline]),
            experiment_name=KUBEFLOW["experiment"],
            enable_caching=False,
        )
        print(f"started run {run_info.run_id}")
        return 0
    for name in PIPELINES:
        options = recurring_run_options(CONFIG, name)
        if options is None:
            print(f"{name}: no schedule (manual runs only)")
            continue
        client.create_recurring_run(
            experiment.experiment_id, pipeline_package_path=str(paths[name]), **options
        )
        print(f"{name}: scheduled {options['cron_expression']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
