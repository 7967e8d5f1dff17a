"""Server CPU and wall time of every page's script run: the same script as bench_pages.py.

python bench/bench_runs.py sqlite:////tmp/full.db [--repeat 5] [--pages overview,gaps]
"""

from __future__ import annotations

import runpy
from pathlib import Path

if __name__ == "__main__":
    runpy.run_path(str(Path(__file__).with_name("bench_pages.py")), run_name="__main__")
