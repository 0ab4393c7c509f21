"""Tell a running API to reload its model (POST /admin/reload with the admin token)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any


def reload_api(base_url: str, token: str, timeout: float = 30.0) -> dict[str, Any]:
    request = urllib.request.Request(
        base_url.rstrip("/") + "/admin/reload",
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        data=b"{}",
    )
    if not request.full_url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {base_url}")
    with urllib.request.urlopen(request, timeout=timeout) as response:  # nosec B310 (http/https checked above)
        return json.loads(response.read().decode("utf-8"))
