"""A deterministic, realistic customer dataset for each problem type (vectorised: scales to 1M+).

Rows are customer events: an event id, the customer (entity) id, an event timestamp, numeric
features with skew and nulls, categorical features, and a target with a learnable signal:

- binary_classification: `churned` (0/1), about 25 % positives;
- multiclass_classification: `segment` (budget / mainstream / premium);
- regression: `lifetime_value` (a skewed amount, in thousands).

Customers carry hidden traits (engagement, value) that drive several of their rows' features and
the target, so per-customer aggregates and date parts carry signal too. Same seed, same data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

PLANS = np.array(["basic", "standard", "premium"], dtype=object)
CONTRACTS = np.array(["monthly", "annual", "two_year"], dtype=object)
REGIONS = np.array(["north", "south", "east", "west", "central"], dtype=object)
PAYMENTS = np.array(["card", "bank_transfer", "paypal", "invoice"], dtype=object)
SEGMENTS = np.array(["budget", "mainstream", "premium"], dtype=object)
TARGETS = {
    "binary_classification": "churned",
    "multiclass_classification": "segment",
    "regression": "lifetime_value",
}
START = np.datetime64("2024-01-01T00:00:00", "s")
SPAN_SECONDS = 730 * 24 * 3600
ROWS_PER_CUSTOMER = 4


def generate(problem_type: str, rows: int, seed: int) -> pd.DataFrame:
    """`rows` events for `problem_type`, identical for the same (problem_type, rows, seed)."""
    if problem_type not in TARGETS:
        raise ValueError(f"unknown problem_type {problem_type!r}; expected one of {list(TARGETS)}")
    if rows < 1:
        raise ValueError(f"rows must be at least 1, got {rows}")
    rng = np.random.default_rng(seed)
    n_customers = max(1, rows // ROWS_PER_CUSTOMER)

    # Hidden customer traits, drawn once per customer.
    engagement = rng.normal(size=n_customers)
    value = rng.normal(size=n_customers)
    base_tenure = rng.gamma(2.0, 10.0, size=n_customers)
    plan_of = _pick(rng, value[:, None] * np.array([-1.0, 0.0, 1.0]), PLANS)
    contract_of = _pick(rng, engagement[:, None] * np.array([-1.0, 0.2, 1.0]), CONTRACTS)
    region_of = REGIONS[rng.choice(len(REGIONS), n_customers, p=[0.3, 0.25, 0.2, 0.15, 0.1])]

    customer = rng.integers(0, n_customers, size=rows)
    seconds = np.sort(rng.integers(0, SPAN_SECONDS, size=rows))
    event_time = (START + seconds.astype("timedelta64[s]")).astype("datetime64[ns]")
    z, v = engagement[customer], value[customer]
    plan, contract = plan_of[customer], contract_of[customer]

    tenure = np.clip(np.round(base_tenure[customer] + seconds / (30 * 24 * 3600)), 0, 120)
    plan_price = np.select([plan == "basic", plan == "standard"], [25.0, 55.0], 95.0)
    charges = plan_price * np.exp(0.25 * v + rng.normal(0, 0.35, rows))
    calls = rng.poisson(np.exp(0.3 - 0.6 * z + 0.2 * (plan == "basic"))).astype(float)
    login_days = np.clip(rng.exponential(np.exp(2.3 - 0.8 * z)), 0, 365).round(1)
    payment = PAYMENTS[rng.choice(len(PAYMENTS), rows, p=[0.45, 0.25, 0.2, 0.1])]
    month = pd.DatetimeIndex(event_time).month.to_numpy()

    df = pd.DataFrame(
        {
            "event_id": np.arange(1, rows + 1, dtype=np.int64),
            "customer_id": _customer_ids(customer, n_customers),
            "event_time": event_time,
            "tenure_months": tenure,
            "monthly_charges": charges.round(2),
            "support_calls": calls,
            "days_since_last_login": login_days,
            "plan": plan,
            "contract": contract,
            "region": region_of[customer],
            "payment_method": payment,
        }
    )
    signals = {"z": z, "v": v, "month": month, "rng": rng}
    df[TARGETS[problem_type]] = _TARGET_MAKERS[problem_type](df, signals)

    # Nulls arrive after the target is set: a missing value is a gap in what was recorded.
    for column, rate in (
        ("monthly_charges", 0.03),
        ("days_since_last_login", 0.04),
        ("payment_method", 0.02),
    ):
        df.loc[rng.random(rows) < rate, column] = None
    return df


def _pick(rng: np.random.Generator, scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Sample one label per row with probabilities softmax(scores) (Gumbel-max trick)."""
    gumbel = -np.log(-np.log(rng.random(scores.shape)))
    return labels[np.argmax(scores + gumbel, axis=1)]


def _customer_ids(customer: np.ndarray, n_customers: int) -> np.ndarray:
    width = max(6, len(str(n_customers)))
    labels = np.array([f"C{i:0{width}d}" for i in range(1, n_customers + 1)], dtype=object)
    return labels[customer]


def _churn(df: pd.DataFrame, s: dict[str, Any]) -> np.ndarray:
    score = (
        -1.0 * s["z"]
        + 1.0 * (df["contract"] == "monthly").to_numpy()
        - 0.6 * (df["contract"] == "two_year").to_numpy()
        + 0.3 * df["support_calls"].to_numpy()
        - 0.02 * df["tenure_months"].to_numpy()
        + 0.4 * (df["payment_method"] == "invoice").to_numpy()
        + 0.5 * np.isin(s["month"], (12, 1))
    )
    score = score + _intercept_for_rate(score, 0.25)
    return (s["rng"].random(len(df)) < 1 / (1 + np.exp(-score))).astype(np.int64)


def _segment(df: pd.DataFrame, s: dict[str, Any]) -> np.ndarray:
    tenure = df["tenure_months"].to_numpy()
    scores = np.column_stack(
        [
            -1.4 * s["v"] + 0.5 * (df["contract"] == "monthly").to_numpy(),
            np.full(len(df), 0.3),
            1.4 * s["v"] + 0.6 * s["z"] + 0.01 * (tenure - 24) - 0.4,
        ]
    )
    return _pick(s["rng"], scores * 1.5, SEGMENTS)


def _lifetime_value(df: pd.DataFrame, s: dict[str, Any]) -> np.ndarray:
    months = np.exp(
        2.6
        + 0.35 * s["z"]
        + 0.4 * (df["contract"] == "two_year").to_numpy()
        + 0.2 * (df["contract"] == "annual").to_numpy()
        - 0.08 * df["support_calls"].to_numpy()
        + 0.2 * np.isin(s["month"], (11, 12))
    )
    noise = np.exp(s["rng"].normal(0, 0.15, len(df)))
    # In thousands: a model's error is then on the scale of the gate's thresholds (e.g. CV std).
    return (df["monthly_charges"].to_numpy() * months * noise / 1000).round(4)


def _intercept_for_rate(score: np.ndarray, rate: float) -> float:
    """The intercept b with mean(sigmoid(score + b)) == rate (bisection; the mean is monotone)."""
    sub = score[:: max(1, len(score) // 100_000)]
    lo, hi = -20.0, 20.0
    for _ in range(40):
        mid = (lo + hi) / 2
        if np.mean(1 / (1 + np.exp(-(sub + mid)))) < rate:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


_TARGET_MAKERS = {
    "binary_classification": _churn,
    "multiclass_classification": _segment,
    "regression": _lifetime_value,
}
