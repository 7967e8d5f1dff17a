"""Where things are: the database URL and the project's folders."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'warmth.db'}"
ENV_VAR = "WARMTH_DATABASE_URL"


def database_url(explicit: str | None = None) -> str:
    """The one setting that picks the database: an explicit URL, else $WARMTH_DATABASE_URL,
    else the embedded SQLite file under data/."""
    return explicit or os.environ.get(ENV_VAR) or DEFAULT_DATABASE_URL


SNAPSHOT_ENV_VAR = "WARMTH_SNAPSHOT_DIR"


def snapshot_dir(url: str) -> Path:
    """Where the columnar snapshots of a database are kept: $WARMTH_SNAPSHOT_DIR, else beside
    a SQLite file (`warmth.db.snapshots/`), else data/snapshots/<host>-<database>/."""
    from sqlalchemy.engine import make_url

    target = make_url(url)
    if os.environ.get(SNAPSHOT_ENV_VAR):  # one folder for many databases: one inside per URL
        # by database, not by role: the owner's demo and the application's views share files
        name = target._replace(username=None, password=None).render_as_string()
        return Path(os.environ[SNAPSHOT_ENV_VAR]) / hashlib.sha256(name.encode()).hexdigest()[:16]
    if target.get_backend_name() == "sqlite":
        if target.database and target.database != ":memory:":
            path = Path(target.database)
            return path.with_name(path.name + ".snapshots")
        return Path(tempfile.gettempdir()) / f"warmth-snapshots-{os.getpid()}"
    name = f"{target.host or 'local'}-{target.port or ''}-{target.database or ''}"
    return DATA_DIR / "snapshots" / "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


AUTO_INIT_ENV_VAR = "WARMTH_AUTO_INIT"


def auto_init() -> bool:
    """May the dashboard create or upgrade the schema (and load the demo into an empty
    database) on its first run? Yes by default, for the quick start. A deployment whose
    application role may not change the schema sets WARMTH_AUTO_INIT=0 and runs
    `warmth init` as the owner role before starting the servers."""
    return os.environ.get(AUTO_INIT_ENV_VAR, "1").strip().lower() not in ("0", "false", "no")
