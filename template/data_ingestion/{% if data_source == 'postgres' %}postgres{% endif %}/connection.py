"""Where the PostgreSQL source is, named without its password, and which errors are transient.

The connection comes from the environment only, in this order:

1. the variable named by `source.dsn_env` (default `DATABASE_URL`): a libpq URI or key=value DSN;
2. libpq's own `PG*` variables (`PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD` or
   `PGPASSFILE`, `PGSERVICE`), when `PGHOST` or `PGSERVICE` is set;
3. the local server of `make db-start` (`.local/pg/server.json`, its password in a 0600 passfile).

No password is ever written to `configs/`, a log line or a report: errors and summaries name the
server as `postgresql://user@host:port/dbname`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

DEFAULT_DSN_ENV = "DATABASE_URL"
# Connection failures that a retry cannot fix (libpq reports them without a SQLSTATE).
PERMANENT_CONNECT_ERRORS = (
    "password authentication failed",
    "no password supplied",
    "authentication failed",
    "does not exist",  # database or role
    "permission denied",
    "invalid connection option",
    "invalid URI",
    "pg_hba.conf",
)
# SQLSTATE classes that a retry cannot fix: authorization, catalog names, syntax and access.
PERMANENT_SQLSTATE_CLASSES = ("28", "3D", "42", "22", "0A")


class SourceConnectionError(RuntimeError):
    """The PostgreSQL source cannot be reached or refuses the credentials."""


def conninfo(source: Mapping[str, Any], root: Path) -> str:
    """The DSN to connect with (may be empty: libpq then reads the PG* variables)."""
    env_name = str(source.get("dsn_env") or DEFAULT_DSN_ENV)
    dsn = os.environ.get(env_name, "").strip()
    if dsn:
        return dsn
    if os.environ.get("PGHOST") or os.environ.get("PGSERVICE"):
        return ""
    from data_ingestion.postgres import local_server

    return local_server.conninfo(root) or ""


def where(source: Mapping[str, Any], root: Path) -> str:
    """How the source's settings were found, for an error message (never a secret)."""
    env_name = str(source.get("dsn_env") or DEFAULT_DSN_ENV)
    if os.environ.get(env_name, "").strip():
        return f"from ${env_name}"
    if os.environ.get("PGHOST") or os.environ.get("PGSERVICE"):
        return "from the PG* environment variables"
    from data_ingestion.postgres import local_server

    if local_server.conninfo(root):
        return "the local server of `make db-start`"
    return (
        f"neither ${env_name} nor PGHOST is set and no local server runs (`make db-start`), "
        "so libpq's defaults were used"
    )


def describe(dsn: str) -> str:
    """`postgresql://user@host:port/dbname` of a DSN, with the PG* defaults, never a password."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "postgresql://<a DSN libpq cannot parse>"
    host = parts.get("host") or os.environ.get("PGHOST") or "localhost"
    port = parts.get("port") or os.environ.get("PGPORT") or "5432"
    user = parts.get("user") or os.environ.get("PGUSER") or ""
    dbname = parts.get("dbname") or os.environ.get("PGDATABASE") or user or ""
    return f"postgresql://{user + '@' if user else ''}{host}:{port}/{dbname}"


def identity(dsn: str) -> dict[str, str]:
    """Host, port and database of a DSN: part of the source's fingerprint (no credentials)."""
    name = describe(dsn).removeprefix("postgresql://").split("@")[-1]
    host_port, _, dbname = name.partition("/")
    return {"server": host_port, "dbname": dbname}


def connect(dsn: str, *, connect_timeout: int = 10) -> psycopg.Connection[Any]:
    """A connection whose session runs in UTC (naive watermarks are UTC)."""
    try:
        return psycopg.connect(
            dsn, connect_timeout=connect_timeout, options="-c TimeZone=UTC", autocommit=False
        )
    except psycopg.OperationalError as exc:
        if is_transient(exc):
            raise
        raise SourceConnectionError(
            f"cannot connect to PostgreSQL {describe(dsn)}: {_first_line(exc)}; check the "
            f"credentials and database in ${DEFAULT_DSN_ENV} (or PGUSER/PGPASSWORD/PGDATABASE)"
        ) from None


def is_transient(exc: BaseException) -> bool:
    """A dropped or refused connection, a server restarting: worth a retry with backoff."""
    if isinstance(exc, SourceConnectionError):
        return False
    if isinstance(exc, OSError):
        return not isinstance(exc, FileNotFoundError | PermissionError)
    if not isinstance(exc, psycopg.OperationalError):
        return False
    sqlstate = getattr(exc, "sqlstate", None) or ""
    if sqlstate[:2] in PERMANENT_SQLSTATE_CLASSES:
        return False
    message = str(exc)
    return not any(marker in message for marker in PERMANENT_CONNECT_ERRORS)


def unreachable(dsn: str, exc: BaseException) -> SourceConnectionError:
    """The error after the last retry: names the server, never the password."""
    return SourceConnectionError(
        f"PostgreSQL {describe(dsn)} is unreachable: {_first_line(exc)}; start it (locally: "
        f"`make db-start`) or point ${DEFAULT_DSN_ENV} at your server"
    )


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split("\n")[:2]).strip()
    return text.replace("connection failed: ", "")
