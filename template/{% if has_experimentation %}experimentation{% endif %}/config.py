"""configs/experiment_design.yaml, validated: a wrong value is an error naming its field."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from experimentation.srm import SRM_P_VALUE

DEFAULT_PATH = Path("configs/experiment_design.yaml")
CORRECTIONS = {"holm": "holm", "benjamini-hochberg": "fdr_bh"}


class ConfigError(ValueError):
    """The design config is invalid; the message names the file, the field and the value."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Metric(_Strict):
    name: str
    # proportion: a unit converts or not (0/1); mean: a continuous value per unit.
    kind: Literal["proportion", "mean"]
    # Where the per-unit value comes from: outcome events of this metric name, or the API's own
    # prediction events (latency_ms, error).
    source: Literal["outcome", "prediction"] = "outcome"
    baseline: float = Field(description="control conversion rate (proportion) or mean (mean)")
    std: float | None = Field(None, gt=0, description="control standard deviation (mean only)")
    # Minimum detectable effect, relative to the baseline (0.05 = 5 %).
    mde_relative: float = Field(gt=0)
    higher_is_better: bool = True
    # A covariate from the pre-period (outcome events with period "pre") for CUPED.
    pre_period_covariate: bool = False

    @model_validator(mode="after")
    def _kind_fields(self) -> Metric:
        if self.kind == "proportion" and not 0 < self.baseline < 1:
            raise ValueError(f"baseline {self.baseline} of a proportion must be in (0, 1)")
        if self.kind == "mean" and self.std is None:
            raise ValueError("a mean metric needs `std` (the control's standard deviation)")
        return self

    @property
    def mde_absolute(self) -> float:
        return abs(self.baseline) * self.mde_relative


class Traffic(_Strict):
    # Units (users, sessions) reaching the experiment's entry point per day.
    daily_units: int = Field(gt=0)
    # Share of those units enrolled in the experiment (the rest see the control, unlogged).
    enrolled_percent: float = Field(100.0, gt=0, le=100)
    max_runtime_days: int = Field(gt=0)


class Sequential(_Strict):
    method: Literal["msprt"] = "msprt"
    # Mixing variance of the mSPRT prior on the effect, as a multiple of the squared absolute
    # MDE: 1 puts the prior's spread at the effect the design is powered for.
    tau_mde_multiple: float = Field(1.0, gt=0)


class Rollout(_Strict):
    steps: list[float] = Field(default_factory=lambda: [1, 5, 25, 50, 100])
    max_error_rate: float = Field(0.001, ge=0, lt=1)
    # The treatment's p95 latency may exceed the control's by at most this fraction.
    p95_latency_margin: float = Field(0.10, ge=0)
    min_requests_per_step: int = Field(200, gt=0)

    @field_validator("steps")
    @classmethod
    def _increasing(cls, steps: list[float]) -> list[float]:
        if not steps or any(not 0 < s <= 100 for s in steps) or steps != sorted(set(steps)):
            raise ValueError(f"steps {steps} must increase strictly within (0, 100]")
        return steps


class Simulation(_Strict):
    """Traffic of `make experiment-simulate`: a known effect to recover."""

    units: int = Field(20000, gt=0)
    days: int = Field(14, gt=0)
    # The true relative lift of the treatment on each metric (missing: none).
    true_lift: dict[str, float] = Field(default_factory=dict)
    # The treatment's share actually observed (None: as designed); 0.52 injects an SRM.
    observed_treatment_share: float | None = Field(None, gt=0, lt=1)
    runs: int = Field(1000, gt=0, description="seeded runs of the calibration study")
    seed: int = 7


class Design(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    hypothesis: str = Field(min_length=10)
    # Per-experiment salt of the assignment hash: a new salt reshuffles every unit.
    salt: str = Field(min_length=1)
    layer: str = "default"
    # Share of the layer's buckets this experiment owns (mutually exclusive experiments in one
    # layer own disjoint ranges).
    layer_range: tuple[float, float] = (0.0, 100.0)
    # Variant name -> allocation percent, summing to 100.
    variants: dict[str, float]
    # The variant the others are compared with (in a model test: the champion).
    control: str
    alpha: float
    power: float
    correction: Literal["holm", "benjamini-hochberg"] = "holm"
    srm_p_value: float = Field(SRM_P_VALUE, gt=0, lt=1)
    primary_metrics: list[Metric] = Field(min_length=1)
    guardrail_metrics: list[Metric] = Field(default_factory=list)
    segment_attribute: str | None = None
    traffic: Traffic
    sequential: Sequential = Sequential()
    rollout: Rollout = Rollout()
    simulation: Simulation = Simulation()

    @field_validator("alpha", "power")
    @classmethod
    def _open_unit_interval(cls, value: float, info: object) -> float:
        if not 0 < value < 1:
            name = getattr(info, "field_name", "value")
            raise ValueError(f"{name} must be strictly between 0 and 1, got {value}")
        return value

    @model_validator(mode="after")
    def _variants(self) -> Design:
        if len(self.variants) < 2:
            raise ValueError("`variants` needs a control and at least one treatment")
        if any(p <= 0 for p in self.variants.values()):
            raise ValueError(f"every variant needs a positive allocation, got {self.variants}")
        if abs(sum(self.variants.values()) - 100) > 1e-9:
            raise ValueError(f"variant allocations must sum to 100, got {self.variants}")
        if self.control not in self.variants:
            raise ValueError(
                f"control {self.control!r} is not one of the variants {list(self.variants)}"
            )
        lo, hi = self.layer_range
        if not 0 <= lo < hi <= 100:
            raise ValueError(f"layer_range {self.layer_range} must satisfy 0 <= low < high <= 100")
        return self

    @property
    def treatments(self) -> list[str]:
        return [v for v in self.variants if v != self.control]

    @property
    def correction_method(self) -> str:
        """The method name statsmodels' multipletests knows."""
        return CORRECTIONS[self.correction]

    def metric(self, name: str) -> Metric:
        for metric in [*self.primary_metrics, *self.guardrail_metrics]:
            if metric.name == name:
                return metric
        raise KeyError(name)


def load(path: Path = DEFAULT_PATH) -> Design:
    """Read and validate the design config; ConfigError names the file, field and value."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found (copy configs/experiment_design.yaml)") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    return parse(raw, str(path))


def parse(raw: object, source: str = "experiment design") -> Design:
    try:
        return Design.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "(top level)"
            value = err.get("input")
            shown = "" if isinstance(value, dict) else f" (value {value!r})"
            problems.append(f"{field}: {err['msg']}{shown}")
        raise ConfigError(f"{source}: " + "; ".join(problems)) from None
