"""ml-scaffold: a Copier template and CLI for complete, running ML-pipeline repositories."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ml-scaffold")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

# Where `ml-scaffold new` renders from by default: the canonical repository at the tag of this
# package's version, so generated projects record a released tag and stay updatable.
CANONICAL_TEMPLATE = "gh:org/ml-scaffold"
