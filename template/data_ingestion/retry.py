"""Retries with exponential backoff for transient source errors."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

# OSErrors that retrying cannot fix: the file is not there or may not be read.
PERMANENT = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and not isinstance(exc, PERMANENT)


def with_retries(
    fn: Callable[[], T],
    *,
    attempts: int = 3,
    backoff_seconds: float = 0.5,
    max_backoff_seconds: float = 8.0,
    sleep: Callable[[float], None] = time.sleep,
    what: str = "read",
    transient: Callable[[BaseException], bool] = is_transient,
) -> T:
    """Call `fn`; on a transient error wait backoff, 2x backoff, ... (capped) and try again.

    After `attempts` failures the last error is raised. Permanent errors (those `transient`
    does not accept) are raised at once.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    attempt = 1
    while True:
        try:
            return fn()
        except Exception as exc:
            if not transient(exc) or attempt >= attempts:
                raise
            delay = min(backoff_seconds * 2 ** (attempt - 1), max_backoff_seconds)
            log.warning(
                "%s failed (%s), attempt %d/%d; retry in %.2fs", what, exc, attempt, attempts, delay
            )
            sleep(delay)
            attempt += 1
