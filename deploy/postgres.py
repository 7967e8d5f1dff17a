"""A PostgreSQL cluster of Debian's packages for the stack: made, started and stopped under
one folder, with Warmth's two roles (deploy/roles.sql, deploy/grants.sql).

On a real host the cluster is the distribution's (`pg_createcluster`), and a DBA runs
roles.sql once; this module does the same on loopback for the stack test and the load runs.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
OWNER, APP, DATABASE = "warmth_owner", "warmth_app", "warmth"


def pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: p.parts)
    if not found:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    return found[-1].parent


def _as_postgres(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    """Run a server command; as root, as the postgres user (initdb refuses root)."""
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)  # noqa: S603


@dataclass
class Postgres:
    """A cluster in `folder` listening on 127.0.0.1:`port`, passwords kept in folder/secrets."""

    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "pgdata"

    def _password(self, role: str) -> str:
        path = self.folder / "secrets" / role
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.write_text(secrets.token_urlsafe(18))
            path.chmod(0o600)
        return path.read_text().strip()

    def url(self, role: str = APP, database: str = DATABASE) -> str:
        return (
            f"postgresql+psycopg://{role}:{quote(self._password(role))}"
            f"@127.0.0.1:{self.port}/{database}"
        )

    def init(self) -> None:
        """initdb with password authentication (the superuser's password in secrets)."""
        if (self.data / "PG_VERSION").exists():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        pwfile = self.folder / "secrets" / "postgres"
        self._password("postgres")
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            for path in (pwfile.parent, pwfile):
                shutil.chown(path, "postgres")
        _as_postgres([
            str(pg_bin() / "initdb"), "-D", str(self.data), "-U", "postgres",
            "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", f"--pwfile={pwfile}",
            "-E", "UTF8", "--locale=C.UTF-8",
        ])  # fmt: skip

    def start(self, *, fast: bool = True) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder}"
        if fast:  # a throwaway cluster: no fsync
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        _as_postgres([
            str(pg_bin() / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "pg.log"),
            "-w", "-t", "60", "-o", options, "start",
        ])  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        _as_postgres([str(pg_bin() / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def running(self) -> bool:
        got = subprocess.run(  # noqa: S603
            [str(pg_bin() / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
            capture_output=True,
        )
        return got.returncode == 0

    def psql(self, *args: str, role: str = "postgres", database: str = "postgres") -> str:
        env = {**os.environ, "PGPASSWORD": self._password(role)}
        cmd = [
            str(pg_bin() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
            "-p", str(self.port), "-U", role, "-d", database, *args,
        ]  # fmt: skip
        got = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)  # noqa: S603
        return got.stdout

    def make_roles(self) -> None:
        """deploy/roles.sql, once (the roles and the database owned by warmth_owner)."""
        have = self.psql("-tAc", f"SELECT 1 FROM pg_roles WHERE rolname = '{OWNER}'")
        if have.strip():
            return
        self.psql(
            "-v", f"owner_password={self._password(OWNER)}",
            "-v", f"app_password={self._password(APP)}",
            "-f", str(HERE / "roles.sql"),
        )  # fmt: skip

    def grant(self) -> None:
        """deploy/grants.sql as the owner (after every `warmth init`)."""
        self.psql("-f", str(HERE / "grants.sql"), role=OWNER, database=DATABASE)


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise TimeoutError(f"{what} did not happen within {timeout:.0f} s")
