"""Cloud projects' infra/terraform, rendered for every mode and database choice: the expected
files, clean and parseable; `terraform fmt -check`; an HCL parse; the security properties on the
parsed resources; checkov with zero unexplained failures.

Cloud projects are rendered with the in-process model (tests/template_model.py), held to Copier's
output by tests/test_render.py's matrix, which covers every offered cloud too.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from test_render import MODEL, content_problem, expected_files

from ml_scaffold import schema

CLOUDS = ("aws", "gcp", "azure")
TERRAFORM = Path("infra/terraform")
TF_ENV = {**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "CHECKPOINT_DISABLE": "1"}
TERRAFORM_MISSING = (
    "not run: terraform not installed (on the machine image; else "
    "https://developer.hashicorp.com/terraform/install)"
)


def cloud_answers(cloud: str, **given: str) -> dict[str, Any]:
    # The mode's preset fills the rest.
    return schema.complete({"project_slug": "demo_proj", "cloud": cloud, **given})


def write_project(dst: Path, answers: dict[str, Any]) -> Path:
    for rel, text in MODEL.project(answers):
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        (dst / rel).write_text(text, encoding="utf-8")
    recorded = {k: v for k, v in answers.items() if schema.is_asked(k, answers)}
    (dst / ".copier-answers.yml").write_text(yaml.safe_dump(recorded), encoding="utf-8")
    return dst


def infra_checks(project: Path) -> ModuleType:
    """The project's own deployment/infra_checks.py, imported from the rendered file."""
    path = project / "deployment/infra_checks.py"
    spec = importlib.util.spec_from_file_location(f"infra_checks_{id(project)}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cloud_modes(cloud: str) -> list[str]:
    """The execution modes that may target `cloud` (quick renders no infrastructure code)."""
    offered = schema.QUESTION_BY_NAME["execution_mode"].offered
    return [m for m in offered if not schema.check_rules({"execution_mode": m, "cloud": cloud})]


VARIANTS = [
    {"cloud": cloud, "execution_mode": mode, "data_source": source}
    for cloud in CLOUDS
    for mode in cloud_modes(cloud)
    for source in ("sample", "postgres", "object_store")
]


@pytest.fixture(scope="module", params=VARIANTS, ids=lambda v: "-".join(v.values()))
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    answers = cloud_answers(**request.param)
    return write_project(tmp_path_factory.mktemp("cloud"), answers)


def _answers(project: Path) -> dict[str, Any]:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def test_files_are_the_expected_set_clean_and_parseable(project: Path) -> None:
    answers = cloud_answers(**{k: _answers(project)[k] for k in VARIANTS[0]})
    files = {rel for rel, _ in MODEL.paths(answers)} | {".copier-answers.yml"}
    assert files == expected_files(answers)
    envs = {Path(f).name.removesuffix(".tfvars") for f in files if f.endswith(".tfvars")}
    overlays = {f.split("/")[3] for f in files if f.startswith("deployment/k8s/overlays/")}
    assert envs == overlays
    assert "infra/terraform/modules/database/main.tf" in files
    for rel, text in MODEL.project(answers):
        assert content_problem(rel, text) is None, content_problem(rel, text)
    reader = "data_ingestion/object_store.py"
    assert (reader in files) == (answers["data_source"] == "object_store")
    main = (project / TERRAFORM / "main.tf").read_text()
    assert ('module "database"' in main) == (answers["data_source"] == "postgres")


def test_terraform_is_formatted(project: Path) -> None:
    if shutil.which("terraform") is None:
        pytest.skip(TERRAFORM_MISSING)
    result = subprocess.run(
        ["terraform", "fmt", "-check", "-recursive", "-diff", str(project / TERRAFORM)],
        capture_output=True,
        text=True,
        env=TF_ENV,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hcl_parses_and_security_properties_hold(project: Path) -> None:
    infra = infra_checks(project)
    parsed = infra.parse_all(project)
    assert {"main.tf", "outputs.tf", "envs/dev.tfvars"} <= set(parsed)
    answers = _answers(project)
    app = answers["project_slug"].replace("_", "-")
    namespaces = {"dev": f"{app}-dev", "staging": f"{app}-staging", "prod": app}
    namespaces = {env: ns for env, ns in namespaces.items() if env in infra.environments(project)}
    # The ServiceAccount and namespaces the manifests use, read from the rendered YAML.
    sa = yaml.safe_load((project / "deployment/k8s/base/serviceaccount.yaml").read_text())
    for env, namespace in namespaces.items():
        overlay = project / "deployment/k8s/overlays" / env / "kustomization.yaml"
        assert yaml.safe_load(overlay.read_text())["namespace"] == namespace
    name = sa["metadata"]["name"]
    assert infra.security_findings(answers["cloud"], parsed, name, namespaces) == []
    assert infra.security_findings(answers["cloud"], parsed, "someone-else", namespaces)


@pytest.mark.slow
@pytest.mark.parametrize("cloud", CLOUDS)
def test_checkov_finds_no_unexplained_failure(tmp_path: Path, cloud: str) -> None:
    """The richest variant (enterprise, PostgreSQL): every resource kind is rendered."""
    project = write_project(
        tmp_path, cloud_answers(cloud, execution_mode="enterprise", data_source="postgres")
    )
    if shutil.which("uv") is None:
        pytest.skip("not run: uv not installed (checkov runs through `uv tool run`)")
    failed = infra_checks(project).checkov_terraform(project)
    assert failed == []
    # Every suppression carries its reason.
    for path in (project / TERRAFORM).rglob("*.tf"):
        for line in path.read_text().splitlines():
            if "checkov:skip=" in line:
                assert len(line.split("checkov:skip=")[1].split(":", 1)[1].strip()) > 20, line


ENV_ORDER = ("dev", "staging", "prod")
# Per cloud: the step that federates the job's OIDC token, the registry login, the long-lived
# credential that must never appear, and GitLab's hidden job with its ID token audience.
# Long-lived credential names beyond the one above that must never appear.
LONG_LIVED = {"azure": ("AZURE_CLIENT_SECRET", "client-secret", "ARM_CLIENT_SECRET")}
FEDERATION = {
    "aws": {
        "github_step": "aws-actions/configure-aws-credentials",
        "login": "aws ecr get-login-password",
        "static_key": "AWS_SECRET_ACCESS_KEY",
        "gitlab_job": ".aws",
        "gitlab_token": ("AWS_ID_TOKEN", "sts.amazonaws.com"),
    },
    "gcp": {
        "github_step": "google-github-actions/auth",
        "login": "gcloud auth configure-docker",
        "static_key": "credentials_json",
        "gitlab_job": ".gcp",
        "gitlab_token": ("GCP_ID_TOKEN", "$CI_SERVER_URL"),
    },
    "azure": {
        "github_step": "azure/login",
        "login": "az acr login",
        "static_key": "AZURE_CLIENT_SECRET",
        "gitlab_job": ".azure",
        "gitlab_token": ("AZURE_ID_TOKEN", "api://AzureADTokenExchange"),
    },
}


@pytest.mark.parametrize(
    ("cloud", "mode"), [(cloud, mode) for cloud in CLOUDS for mode in cloud_modes(cloud)]
)
def test_github_deploy_workflow_lints_orders_jobs_and_scopes_permissions(
    tmp_path: Path, cloud: str, mode: str
) -> None:
    project = write_project(tmp_path, cloud_answers(cloud, execution_mode=mode))
    workflow = ".github/workflows/deploy.yml"
    bin_dir = Path(sys.executable).parent
    for cmd in (
        [
            str(bin_dir / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            workflow,
        ],
        [str(bin_dir / "actionlint"), workflow],
    ):
        result = subprocess.run(cmd, cwd=project, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    doc = yaml.safe_load((project / workflow).read_text())
    jobs = doc["jobs"]
    assert doc["permissions"] == {"contents": "read"}  # nothing more unless a job asks
    envs = [e for e in ENV_ORDER if (project / TERRAFORM / "envs" / f"{e}.tfvars").is_file()]
    assert jobs["plan"]["strategy"]["matrix"]["env"] == envs
    assert "pull_request" in jobs["plan"]["if"]
    previous = "image"
    for env in envs:
        job = jobs[f"deploy-{env}"]
        assert job["needs"] == [previous]  # the image first, then one environment at a time
        assert job["environment"] == env  # the environment's approval rules gate it
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        steps = " ".join(str(s.get("run", "")) + str(s.get("uses", "")) for s in job["steps"])
        assert FEDERATION[cloud]["github_step"] in steps
        order = ["$TF apply -auto-approve", "docker push", "kubectl apply -k", "build/deploy/$ENV"]
        assert FEDERATION[cloud]["login"] in steps
        assert all(step in steps for step in order)
        assert steps.index("-auto-approve") < steps.index("docker push")
        assert steps.index("docker push") < steps.index("kubectl apply -k")
        previous = f"deploy-{env}"
    assert "id-token" not in jobs["image"].get("permissions", {})
    assert set(jobs) == {"plan", "image"} | {f"deploy-{env}" for env in envs}
    # No long-lived keys anywhere: OIDC federation only.
    assert FEDERATION[cloud]["static_key"] not in (project / workflow).read_text()
    # Every Terraform output the deploy jobs read is one outputs.tf declares.
    declared = {
        name
        for block in infra_checks(project).parse(project / TERRAFORM / "outputs.tf")["output"]
        for name in block
    }
    read = set(re.findall(r"jq -r \.(\w+)\.value", (project / workflow).read_text()))
    assert read and read <= declared, read - declared
    text = (project / workflow).read_text()
    assert [key for key in LONG_LIVED.get(cloud, ()) if key in text] == []


@pytest.mark.parametrize("cloud", CLOUDS)
def test_gitlab_deploy_stages_validate_and_order_jobs(tmp_path: Path, cloud: str) -> None:
    project = write_project(
        tmp_path, cloud_answers(cloud, execution_mode="enterprise", ci_provider="gitlab")
    )
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [
            str(bin_dir / "check-jsonschema"),
            "--builtin-schema",
            "vendor.gitlab-ci",
            ".gitlab-ci.yml",
        ],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    doc = yaml.safe_load((project / ".gitlab-ci.yml").read_text())
    assert doc["stages"] == ["test", "image", "deploy"]
    assert doc["build-image"]["needs"] == ["test"]
    previous = "build-image"
    for env in ENV_ORDER:
        job = doc[f"deploy-{env}"]
        assert job["needs"] == [previous] and job["environment"]["name"] == env
        assert job["extends"] == FEDERATION[cloud]["gitlab_job"]
        previous = f"deploy-{env}"
    token, audience = FEDERATION[cloud]["gitlab_token"]
    assert doc[FEDERATION[cloud]["gitlab_job"]]["id_tokens"][token]["aud"] == audience
    # Only the short-lived credentials the token is exchanged for: no key stored in the project.
    assert "CI_JOB_JWT" not in (project / ".gitlab-ci.yml").read_text()
    if cloud == "azure":  # (AWS exports the session keys STS returns under the key names)
        text = (project / ".gitlab-ci.yml").read_text()
        assert [key for key in LONG_LIVED[cloud] if key in text] == []


@pytest.mark.slow
def test_an_azure_object_store_project_installs_and_passes_its_emulator_and_infra_tests(
    tmp_path: Path,
) -> None:
    """Azure is not an installed project of the covering set (tests/test_generated_project.py):
    one is rendered by Copier, installed with `make setup`, and runs its own object-store tests
    against Azurite (started and stopped by them) and its offline infra checks. checkov, slow,
    is left to test_checkov_finds_no_unexplained_failure above."""
    from conftest import render

    for tool in ("uv", "make", "terraform", "kubectl", "azurite-blob"):
        if shutil.which(tool) is None:
            pytest.skip(f"not run: {tool} is not installed (.ci/run installs azurite with npm)")
    project = render(
        tmp_path / "azure-proj",
        project_slug="blob_demo",
        cloud="azure",
        data_source="object_store",
        deployment_mode="realtime",
        post_generation_gates="none",
    )
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"} | {
        "UV_PYTHON_DOWNLOADS": "never",
        "MLFLOW_DISABLE_TELEMETRY": "true",
    }
    tests = ["tests/test_object_store.py", "tests/test_infra.py", "tests/test_cloud_overlays.py"]
    for cmd in (["make", "setup"], ["uv", "run", "pytest", "-q", "-rs", "-m", "not slow", *tests]):
        result = subprocess.run(
            cmd, cwd=project, env=env, capture_output=True, text=True, timeout=900
        )
        assert result.returncode == 0, f"{cmd}:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    # Nothing reported "not run" (no emulator, no terraform): every check ran.
    assert "not run" not in result.stdout, result.stdout[-2000:]


if __name__ == "__main__":  # render one cloud project for a look: python tests/test_infra.py DST
    write_project(Path(sys.argv[1]), cloud_answers(*sys.argv[2:3] or ["aws"]))
