"""Where things are: the database URL and the project's folders."""

from __future__ import annotations

import os
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
