"""Start Warmth's production stack on this machine: PostgreSQL with the application's own
role, two or more Streamlit replicas on loopback sharing one cookie secret, nginx in front.

    python deploy/stack.py --dir /tmp/warmth-stack --port 8620 --replicas 2 --scale 0.02

Migrations and the demo run first, as the owner role (`warmth init`, `warmth demo`); the
replicas connect as warmth_app, with WARMTH_AUTO_INIT=0, so nothing at run time changes
the schema. Ctrl-C stops everything. The test (tests/test_stack.py) and the load runs
(bench/load.py) use `Stack` from here.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the checkout's packages first
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy.postgres import Postgres, wait_until
from warmth import idkey, readiness

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def http_status(url: str, timeout: float = 3) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310  (loopback)
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


@dataclass
class Stack:
    folder: Path
    port: int  # nginx listens here
    replica_ports: list[int]
    pg_port: int
    scale: float = 0.02
    replica_log_level: str = "warning"
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        self.pg = Postgres(self.folder / "postgres", self.pg_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def replica_url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.replica_ports[i]}"

    # ---- the database -----------------------------------------------------------------

    def prepare_database(self) -> None:
        """Cluster, roles, migrations and the demo (as the owner), grants to the app."""
        self.pg.init()
        if not self.pg.running():
            self.pg.start()
        self.pg.make_roles()
        owner = self.pg.url("warmth_owner")
        # a release runs `warmth init` (the migrations); it bumps the data version, so the
        # replicas build their snapshot again: not on a restart of an up-to-date database
        if not readiness.check(owner).ready:
            self._cli("init", "--db", owner)
        has = self.pg.psql(
            "-tAc", "SELECT count(*) > 0 FROM beneficiaries", role="warmth_owner", database="warmth"
        )
        if has.strip() != "t":
            self._cli("demo", "--scale", str(self.scale), "--db", owner)
        self.pg.grant()

    def _cli(self, *args: str) -> None:
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "warmth.cli", *args], cwd=ROOT, check=True, env=self._env()
        )

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "WARMTH_SNAPSHOT_DIR": str(self.folder / "snapshots"),
            idkey.ENV_VAR: os.environ.get(idkey.ENV_VAR) or self.id_key(),
        }

    def id_key(self) -> str:
        """The key that hides ID numbers at rest, shared by the command line and every
        replica: $WARMTH_ID_KEY when set, else one made once for this stack and kept in its
        folder (owner-only), as a deployment keeps it in its secret store."""
        path = self.folder / "id_key"
        if not path.exists():
            idkey.write_key_file(path, idkey.IdKey.new())
        return path.read_text().strip()

    # ---- the replicas -----------------------------------------------------------------

    def cookie_secret(self) -> str:
        path = self.folder / "cookie_secret"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip()

    def start_replica(self, i: int) -> None:
        env = {
            **self._env(),
            "WARMTH_DATABASE_URL": self.pg.url(),
            "WARMTH_AUTO_INIT": "0",
            # the one secret every replica shares (a flag would show it in the process list)
            "STREAMLIT_SERVER_COOKIE_SECRET": self.cookie_secret(),
        }
        cmd = [
            sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"),
            "--server.port", str(self.replica_ports[i]), "--server.address", "127.0.0.1",
            "--server.headless", "true", "--server.fileWatcherType", "none",
            "--server.enableXsrfProtection", "true",
            "--browser.gatherUsageStats", "false",
            "--logger.level", self.replica_log_level,
        ]  # fmt: skip
        log = open(self.folder / f"replica-{i}.log", "a")  # noqa: SIM115  (the process's)
        self.procs[f"replica-{i}"] = subprocess.Popen(  # noqa: S603
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, i: int, timeout: float = 90) -> None:
        ready, proc = f"{self.replica_url(i)}/_warmth/ready", self.procs[f"replica-{i}"]

        def up() -> bool:
            if proc.poll() is not None:
                log = (self.folder / f"replica-{i}.log").read_text()[-2000:]
                raise RuntimeError(f"replica {i} exited: {log}")
            return http_status(ready) == 200

        wait_until(up, timeout, f"replica {i} ready")

    def kill_replica(self, i: int) -> None:
        proc = self.procs.pop(f"replica-{i}")
        proc.kill()
        proc.wait(timeout=10)

    # ---- nginx ------------------------------------------------------------------------

    @property
    def nginx_dir(self) -> Path:
        return self.folder / f"nginx-{self.port}"

    def nginx_conf(self, *, tls: bool = False) -> str:
        run = self.nginx_dir
        upstreams = "\n".join(
            f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;"
            for p in self.replica_ports
        )
        text = (ROOT / "deploy" / "nginx.conf").read_text()
        hsts = '        add_header Strict-Transport-Security "max-age=31536000" always;'
        values = {
            "@RUN@": str(run),
            "@UPSTREAMS@": upstreams,
            "@LISTEN@": f"127.0.0.1:{self.port}",
            "@SERVER_NAME@": "localhost",
            "@COOKIE_SECURE@": "; Secure" if tls else "",
            "@HSTS@": hsts if tls else "",
        }
        for key, value in values.items():
            text = text.replace(key, value)
        return text

    def start_nginx(self) -> None:
        run = self.nginx_dir
        run.mkdir(parents=True, exist_ok=True)
        conf = run / "nginx.conf"
        conf.write_text(self.nginx_conf())
        cmd = [NGINX, "-p", str(run), "-c", str(conf), "-e", str(run / "error.log"),
               "-g", "daemon off;"]  # fmt: skip
        subprocess.run([*cmd, "-t"], check=True, capture_output=True)  # noqa: S603
        log = open(run / "stdout.log", "a")  # noqa: SIM115  (the process's)
        self.procs["nginx"] = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        wait_until(lambda: http_status(f"{self.url}/_stcore/health") == 200, 30, "nginx up")

    # ---- all of it --------------------------------------------------------------------

    def start(self) -> Stack:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.prepare_database()
        for i in range(len(self.replica_ports)):
            self.start_replica(i)
        for i in range(len(self.replica_ports)):
            self.wait_ready(i)
        self.start_nginx()
        return self

    def stop(self) -> None:
        for name, proc in list(self.procs.items()):
            proc.send_signal(signal.SIGTERM if name != "nginx" else signal.SIGQUIT)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()
        if self.pg.running():
            self.pg.stop()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, required=True, help="cluster, logs, secrets")
    ap.add_argument("--port", type=int, default=8620, help="nginx, on 127.0.0.1")
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--first-replica-port", type=int, default=8622)
    ap.add_argument("--pg-port", type=int, default=8621)
    ap.add_argument("--scale", type=float, default=0.02, help="demo city for an empty database")
    args = ap.parse_args(argv)
    ports = [args.first_replica_port + i for i in range(args.replicas)]
    stack = Stack(args.dir, args.port, ports, args.pg_port, scale=args.scale)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # as Ctrl-C: stop everything
    try:
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C or SIGTERM: the way to stop
            stack.start()
            print(f"Warmth at {stack.url} ({args.replicas} replicas, PostgreSQL :{args.pg_port})")
            signal.pause()
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
