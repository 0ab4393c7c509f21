"""A local PostgreSQL server from the machine's binaries (`initdb`, `pg_ctl`), for development
and the tests: `make db-start`, `make db-load-sample`, `make db-stop`.

The cluster lives in `.local/pg/` (git-ignored), listens on 127.0.0.1 on a free port, and asks
for a password (scram-sha-256). The password is generated once and kept only in
`.local/pg/pgpass` (mode 0600, libpq's passfile format); `.local/pg/server.json` holds the rest.
PostgreSQL refuses to run as root: as root the cluster is owned by the `postgres` user and kept
in a folder that user can reach (under the system's temp dir), with `.local/pg/server.json`
pointing at it.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

LOCAL_DIR = Path(".local/pg")
DB_USER = "ml"
DB_NAME = "ml"
# Extra folders where distributions install the server binaries (Debian/Ubuntu's apt package).
BIN_GLOBS = ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/opt/homebrew/opt/postgresql*/bin")


class LocalServerError(RuntimeError):
    """The local server cannot be created, started or stopped."""


@dataclass(frozen=True)
class Server:
    data_dir: str
    port: int
    host: str = "127.0.0.1"
    user: str = DB_USER
    dbname: str = DB_NAME
    passfile: str = ""

    def conninfo(self) -> str:
        """A libpq DSN without the password (libpq reads it from the passfile)."""
        return (
            f"host={self.host} port={self.port} user={self.user} dbname={self.dbname} "
            f"passfile={self.passfile} sslmode=disable"
        )


def state_dir(root: Path) -> Path:
    return Path(root) / LOCAL_DIR


def load(root: Path) -> Server | None:
    path = state_dir(root) / "server.json"
    if not path.is_file():
        return None
    return Server(**json.loads(path.read_text(encoding="utf-8")))


def conninfo(root: Path) -> str | None:
    """The local server's DSN when it runs, else None."""
    server = load(root)
    return server.conninfo() if server and is_running(server) else None


def binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for pattern in BIN_GLOBS:
        for folder in sorted(Path("/").glob(pattern.lstrip("/")), reverse=True):
            if (folder / name).is_file():
                return str(folder / name)
    raise LocalServerError(
        f"`{name}` not found: install the PostgreSQL server (Debian/Ubuntu: apt-get install "
        "postgresql; macOS: brew install postgresql) or point DATABASE_URL at your own server"
    )


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _run(args: list[str], what: str) -> str:
    if _as_root():  # initdb and postgres refuse to run as root
        args = ["runuser", "-u", "postgres", "--", *args]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if done.returncode:
        output = (done.stderr.strip() or done.stdout.strip()).splitlines()[-3:]
        raise LocalServerError(f"{what} failed: {' '.join(output)}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cluster_dir(root: Path) -> Path:
    if not _as_root():
        return (state_dir(root) / "data").resolve()
    # The postgres user cannot enter root's folders: keep the cluster where it can.
    key = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"ml-pg-{key}" / "data"


def is_running(server: Server) -> bool:
    if not Path(server.data_dir, "postmaster.pid").is_file():
        return False
    args = [binary("pg_ctl"), "-D", server.data_dir, "status"]
    if _as_root():
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, capture_output=True, text=True, timeout=30).returncode == 0


def start(root: Path, port: int | None = None) -> Server:
    """Create the cluster on first use, start it, and return where it listens."""
    folder = state_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    server = load(root)
    if server and is_running(server):
        return server
    data_dir = Path(server.data_dir) if server else _cluster_dir(root)
    passfile = (folder / "pgpass").resolve()
    if not (data_dir / "PG_VERSION").is_file():
        password = _init_cluster(data_dir)
        _write_passfile(passfile, password)
    if not passfile.is_file():
        raise LocalServerError(
            f"{passfile} is missing, so the password of the cluster in {data_dir} is unknown: "
            "run `make db-destroy` then `make db-start` to create a new one"
        )
    wanted = port or (server.port if server else None)
    server = Server(data_dir=str(data_dir), port=_usable(wanted), passfile=str(passfile))
    options = f"-p {server.port} -k {data_dir} -c listen_addresses={server.host}"
    _run(
        [
            binary("pg_ctl"),
            "-D",
            str(data_dir),
            "-o",
            options,
            "-l",
            str(data_dir / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        ],
        f"starting PostgreSQL in {data_dir}",
    )
    (folder / "server.json").write_text(json.dumps(asdict(server), indent=2) + "\n")
    _write_passfile(passfile, _password_of(passfile), server.port)
    _create_database(server)
    return server


def stop(root: Path) -> bool:
    """Stop the local server; True when one was running."""
    server = load(root)
    if not server or not is_running(server):
        return False
    _run(
        [binary("pg_ctl"), "-D", server.data_dir, "-m", "fast", "-w", "stop"], "stopping PostgreSQL"
    )
    return True


def destroy(root: Path) -> None:
    """Stop the server and delete the cluster and its password."""
    server = load(root)
    stop(root)
    if server:
        shutil.rmtree(Path(server.data_dir).parent if _as_root() else server.data_dir, True)
    shutil.rmtree(state_dir(root), ignore_errors=True)


def _usable(port: int | None) -> int:
    """The configured port when nothing listens on it, else any free port."""
    return port if port and _is_free(port) else _free_port()


def _is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:  # taken: the caller picks another
            return False
    return True


def _init_cluster(data_dir: Path) -> str:
    password = secrets.token_urlsafe(24)
    data_dir.mkdir(parents=True, exist_ok=True)
    pwfile = data_dir.parent / ".initdb-password"
    pwfile.write_text(password + "\n")
    pwfile.chmod(0o600)
    if _as_root():
        shutil.chown(data_dir.parent, "postgres")
        shutil.chown(data_dir, "postgres")
        shutil.chown(pwfile, "postgres")
    data_dir.chmod(0o700)
    try:
        _run(
            [
                binary("initdb"),
                "-D",
                str(data_dir),
                "-U",
                DB_USER,
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--no-sync",
                "--locale=C",
            ],
            f"initdb in {data_dir}",
        )
    finally:
        pwfile.unlink(missing_ok=True)
    return password


def _write_passfile(path: Path, password: str, port: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    line = f"127.0.0.1:{port or '*'}:*:{DB_USER}:{password}\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(line)
    path.chmod(0o600)


def _password_of(passfile: Path) -> str:
    return passfile.read_text(encoding="utf-8").strip().split(":", 4)[4]


def _create_database(server: Server) -> None:
    import psycopg

    admin = server.conninfo().replace(f"dbname={server.dbname}", "dbname=postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (server.dbname,)
        ).fetchone()
        if not exists:
            from psycopg import sql

            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(server.dbname)))


def info(root: Path) -> dict[str, Any]:
    """What `make db-status` prints: where the server is and whether it runs (no password)."""
    server = load(root)
    if not server:
        return {"running": False, "hint": "no local server yet: `make db-start`"}
    return {
        "running": is_running(server),
        "dsn": f"postgresql://{server.user}@{server.host}:{server.port}/{server.dbname}",
        "data_dir": server.data_dir,
        "passfile": server.passfile,
    }


def password(server: Server) -> str:
    """The generated password of a local server (for tests that must show it never leaks)."""
    return _password_of(Path(server.passfile))
