"""Custom resources checked against their CRD's published schema, kept in the repository.

kubernetes-validate bundles Kubernetes' own schemas only. A custom resource whose CRD schema is
kept in `deployment/crd_schemas/<group>_<version>_<Kind>.json` (the CRD's `openAPIV3Schema`,
e.g. the Spark operator's SparkApplication) is validated with jsonschema, strictly: a field the
schema does not declare is an error, as the API server would prune it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parent / "crd_schemas"


def schema_file(doc: dict[str, Any], folder: Path = SCHEMAS) -> Path:
    group, _, version = str(doc.get("apiVersion", "")).rpartition("/")
    return folder / f"{group}_{version}_{doc.get('kind')}.json"


def has_schema(doc: dict[str, Any], folder: Path = SCHEMAS) -> bool:
    return schema_file(doc, folder).is_file()


@cache
def _strict(path: Path) -> dict[str, Any]:
    return strict(json.loads(path.read_text(encoding="utf-8")))


def strict(node: Any) -> Any:
    """The schema with `additionalProperties: false` wherever it lists properties and does not
    keep unknown fields (a structural CRD schema prunes them; here they are errors)."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: strict(value) for key, value in node.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def errors(doc: dict[str, Any], folder: Path = SCHEMAS) -> list[str]:
    """Every schema violation of `doc`, as `Kind/name: path: message`."""
    import jsonschema

    name = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
    schema = _strict(schema_file(doc, folder))
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{name}: {'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.path)))
    ]
