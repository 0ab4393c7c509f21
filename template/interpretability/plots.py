"""The global-importance plot saved as PNG."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display needed

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def importance_plot(importance: pd.Series, path: Path, title: str, top: int) -> Path:
    """A horizontal bar chart of the `top` features by mean |SHAP value|."""
    shown = importance.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(shown) + 1.5))
    ax.barh(shown.index, shown.to_numpy(), color="#1f77b4")
    ax.set_xlabel("mean |SHAP value| (impact on model output)")
    ax.set_title(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
