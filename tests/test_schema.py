"""The answer schema: validators, presets and compatibility rules."""

import keyword

import pytest
from pydantic import ValidationError

from ml_scaffold import schema


@pytest.mark.parametrize(
    "slug",
    ["churn_model", "clv2", "a"],
)
def test_valid_slugs(slug: str) -> None:
    assert schema.slug_problem(slug) is None


@pytest.mark.parametrize(
    ("slug", "why"),
    [
        ("Churn", "lowercase"),
        ("2fast", "start with a lowercase letter"),
        ("my-model", "lowercase letters, digits and underscores"),
        ("", "start with"),
        ("class", "keyword"),
        ("match", "keyword"),  # soft keyword
        ("json", "standard-library"),
        ("asyncore", "standard-library"),  # removed in 3.12, still in 3.11
        ("pandas", "dependency"),
        ("sklearn", "dependency"),
        ("models", "folder of the generated project"),
        ("quality_gates", "folder of the generated project"),
    ],
)
def test_invalid_slugs_name_the_question(slug: str, why: str) -> None:
    problem = schema.slug_problem(slug)
    assert problem is not None
    assert problem.startswith("project_slug")
    assert why.split()[0] in problem


def test_every_keyword_is_reserved() -> None:
    assert {k for k in keyword.kwlist if k.islower()} <= schema.RESERVED_SLUGS


@pytest.mark.parametrize("email", ["a@b.co", "ml.team+x@corp.example.com"])
def test_valid_email(email: str) -> None:
    assert schema.email_problem(email) is None


@pytest.mark.parametrize("email", ["", "no-at", "a@b", "a b@c.d", "@c.de"])
def test_invalid_email(email: str) -> None:
    assert schema.email_problem(email).startswith("author_email")


def test_slugify_matches_the_default() -> None:
    assert schema.slugify("Churn Predictor 2!") == "churn_predictor_2"
    assert schema.complete({"project_name": "Churn Predictor"})["project_slug"] == "churn_predictor"


def test_defaults_are_valid() -> None:
    answers = schema.Answers(**schema.complete({}))
    assert answers.execution_mode == "standard"


@pytest.mark.parametrize("mode", schema.MODES)
def test_every_preset_names_real_choices_and_breaks_no_rule(mode: str) -> None:
    preset = schema.MODE_PRESETS[mode]
    assert set(preset) == set(schema.STACK_QUESTIONS)
    for question, value in preset.items():
        q = schema.QUESTION_BY_NAME[question]
        assert value in q.offered + q.planned, (question, value)
    assert schema.check_rules({"execution_mode": mode, **preset}) == []
    effective = schema.preset_defaults(mode)
    schema.Answers(**schema.complete({"execution_mode": mode}))
    for question, value in effective.items():
        assert value in schema.QUESTION_BY_NAME[question].offered


@pytest.mark.parametrize("rule", schema.RULES, ids=lambda r: f"{r.when_question}-{r.question}")
def test_each_incompatible_combination_names_both_questions(rule: schema.Rule) -> None:
    answers = {rule.when_question: rule.when_values[0], rule.question: rule.values[0]}
    messages = schema.check_rules(answers)
    assert len(messages) == 1
    assert rule.question in messages[0] and rule.when_question in messages[0]
    assert rule.why in messages[0]


@pytest.mark.parametrize("rule", schema.RULES, ids=lambda r: f"{r.when_question}-{r.question}")
def test_rules_are_enforced_by_the_model_when_offered(rule: schema.Rule) -> None:
    """A rule whose both sides are offered is rejected by Answers; otherwise the planned choice
    itself is rejected, naming its question."""
    given = {rule.when_question: rule.when_values[0], rule.question: rule.values[0]}
    with pytest.raises(ValidationError) as info:
        schema.Answers(**schema.complete(given))
    text = str(info.value)
    offered = all(
        given[q] in schema.QUESTION_BY_NAME[q].offered for q in (rule.question, rule.when_question)
    )
    if offered:
        assert rule.question in text and rule.when_question in text
    else:
        assert "planned but not offered" in text


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_quick_refuses_every_cloud(cloud: str) -> None:
    """quick renders no Kubernetes overlays or infrastructure code, so no cloud is offered."""
    [message] = schema.check_rules({"execution_mode": "quick", "cloud": cloud})
    assert f"cloud={cloud!r}" in message and "choose standard" in message
    assert schema.check_rules({"execution_mode": "standard", "cloud": cloud}) == []


def test_unknown_choice_is_rejected_with_the_question_name() -> None:
    with pytest.raises(ValidationError, match="problem_type='clustering' is not a choice"):
        schema.Answers(**schema.complete({"problem_type": "clustering"}))


def test_unknown_question_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown question"):
        schema.complete({"colour": "blue"})


def test_deployment_mode_is_not_asked_for_kserve() -> None:
    assert not schema.is_asked("deployment_mode", {"serving": "kserve"})
    assert schema.default_for("deployment_mode", {"serving": "kserve"}) == "realtime"
    assert schema.is_asked("deployment_mode", {"serving": "fastapi"})


def test_options_lists_every_question_mode_and_rule() -> None:
    data = schema.options()
    assert [q["name"] for q in data["questions"]] == [q.name for q in schema.QUESTIONS]
    assert set(data["modes"]) == set(schema.MODES)
    assert len(data["rules"]) == len(schema.RULES)
    assert all(q["help"] for q in data["questions"])


def test_the_model_defaults_are_the_questionnaire_defaults() -> None:
    """Answers() fills what is not given exactly as the questionnaire does (one source)."""
    assert list(schema.Answers.model_fields) == [q.name for q in schema.QUESTIONS]
    assert schema.Answers().model_dump() == schema.complete({})
    assert schema.Answers().deployment_mode == "hybrid"
    for mode in schema.MODES:
        given = {"execution_mode": mode}
        assert schema.Answers(**given).model_dump() == schema.complete(given)
    kserve = schema.Answers(serving="kserve")
    assert kserve.deployment_mode == "realtime"  # the value it has when not asked


def test_computed_variables_read_earlier_answers_only() -> None:
    names = [q.name for q in schema.QUESTIONS]
    for item in schema.COMPUTED:
        assert item.help and item.name not in names
        names.append(item.name)
    answers = schema.complete({"execution_mode": "quick", "deployment_mode": "batch"})
    assert schema.computed_values(answers) == {
        "has_api": False,
        "has_batch": True,
        "has_app_server": False,
        "has_kubernetes": False,
        "has_volumes": False,  # a batch job, but no Kubernetes manifests in quick
        "has_continuous_training": False,
        "has_canary": False,
        "has_experimentation": False,
    }
    standard = schema.computed_values(schema.complete({"execution_mode": "standard"}))
    assert standard["has_kubernetes"] and standard["has_continuous_training"]
    assert standard["has_volumes"]  # hybrid: the batch job's volume
    realtime = {"execution_mode": "standard", "deployment_mode": "realtime"}
    assert not schema.computed_values(schema.complete(realtime))["has_volumes"]
    ingest = schema.complete({**realtime, "data_source": "postgres"})
    assert schema.computed_values(ingest)["has_volumes"]


@pytest.mark.parametrize(
    ("slug", "orchestrator"),
    [("prefect_flows", "prefect"), ("dagster_defs", "dagster"), ("kfp_pipelines", "kubeflow")],
)
def test_a_slug_naming_a_folder_of_some_stack_is_refused(slug: str, orchestrator: str) -> None:
    with pytest.raises(ValidationError) as info:
        schema.Answers(project_slug=slug, orchestrator=orchestrator)
    assert f"project_slug '{slug}'" in str(info.value)
    assert "top-level folder or module the template renders" in str(info.value)
