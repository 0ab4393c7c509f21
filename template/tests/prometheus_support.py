"""Prometheus' relabelling replayed in Python: which targets a scrape job keeps and with which
labels. Tests run it on the pods kustomize renders (promtool cannot check this offline)."""

from __future__ import annotations

import re
from typing import Any


def _replacement(text: str) -> str:
    """Go's `$1` / `${1}` as Python's `\\g<1>`."""
    return re.sub(r"\$\{?(\w+)\}?", r"\\g<\1>", text)


def relabel(target: dict[str, str], rules: list[dict[str, Any]]) -> dict[str, str] | None:
    """Prometheus' relabelling of one target (None: dropped), then its final labels."""
    labels = dict(target)
    for rule in rules:
        action = rule.get("action", "replace")
        regex = re.compile(f"^(?:{rule.get('regex', '(.*)')})$")
        value = rule.get("separator", ";").join(
            labels.get(s, "") for s in rule.get("source_labels", [])
        )
        match = regex.match(value)
        if action == "keep" and not match or action == "drop" and match:
            return None
        if action == "replace" and match:
            result = match.expand(_replacement(str(rule.get("replacement", "$1"))))
            if result:
                labels[rule["target_label"]] = result
            else:
                labels.pop(rule["target_label"], None)
        elif action == "labelmap":
            for key, val in list(labels.items()):
                if found := regex.match(key):
                    labels[found.expand(_replacement(str(rule.get("replacement", "$1"))))] = val
        elif action in ("labeldrop", "labelkeep"):
            drop = action == "labeldrop"
            labels = {k: v for k, v in labels.items() if bool(regex.match(k)) != drop}
        elif action not in ("keep", "drop", "replace"):
            raise AssertionError(f"relabel action {action!r} is not replayed by this test")
    labels.setdefault("instance", labels["__address__"])
    return labels
