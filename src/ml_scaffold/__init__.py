"""ml-scaffold: a Copier template and CLI for complete, running ML-pipeline repositories."""

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

try:
    __version__ = version("ml-scaffold")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

# Where an installed release of `ml-scaffold new` renders from by default: the canonical
# repository at the tag of this package's version, so generated projects record a released tag
# and stay updatable. From a clone, the clone itself is the default (see `checkout_root`).
CANONICAL_TEMPLATE = "gh:org/ml-scaffold"


def checkout_root() -> Path | None:
    """The git checkout this package runs from, or None when it is an installed release.

    A clone runs the package from `src/ml_scaffold` beside `copier.yml` and `template/`; a
    release is installed into site-packages with neither next to it.
    """
    root = Path(__file__).resolve().parents[2]
    if (
        (root / "copier.yml").is_file()
        and (root / "template").is_dir()
        and (root / ".git").exists()
    ):
        return root
    return None
