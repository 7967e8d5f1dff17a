"""The matrix benchmark's results and how they are printed (bench/bench_matrix.py): one
Result per call, percentiles of wall and CPU time per figure, group and scope, and the
worst calls."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

SCOPE_NAMES = ("city", "district 310115", "district 310101", "department MZ")
GROUPS = ("none", "single", "single+as_of", "pair", "pair+as_of")


@dataclass
class Result:
    kind: str
    name: str
    scope: str
    combo: tuple[str, ...]
    samples: list[float] = field(default_factory=list)  # wall ms
    cpu: list[float] = field(default_factory=list)  # CPU ms of the worker, same calls
    warmup: float | None = None
    status: str = "ok"  # ok | slow (warm-up only) | timeout | error | skipped
    note: str = ""

    @property
    def group(self) -> str:
        plain = [c for c in self.combo if c != "as_of"]
        dated = "as_of" in self.combo
        if not self.combo:
            return "none"
        if len(plain) <= 1:
            return "single+as_of" if dated and plain else "single"
        return "pair+as_of" if dated else "pair"

    @property
    def label(self) -> str:
        return "+".join(self.combo) or "(none)"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def line(label: str, rs: list[Result], target: float, width: int = 34) -> str:
    samples = [v for r in rs for v in r.samples]
    if not samples:
        return f"  {label:<{width}} {'-':>5}"
    over = sum(1 for r in rs for v in r.samples if v > target)
    bad = sum(1 for r in rs if r.status in ("timeout", "error"))
    cpu = [v for r in rs for v in r.cpu]
    return (
        f"  {label:<{width}} {len(rs):>5} {len(samples):>7} {pct(samples, 0.5):>9.1f}"
        f" {pct(samples, 0.95):>9.1f} {max(samples):>9.1f} {over:>7} {bad:>5}"
        f" {pct(cpu, 0.5):>8.1f} {pct(cpu, 0.95):>8.1f}"
    )


def header(first: str, width: int = 34) -> str:
    return (
        f"  {first:<{width}} {'calls':>5} {'samples':>7} {'p50 ms':>9} {'p95 ms':>9}"
        f" {'max ms':>9} {'>target':>7} {'t/o+e':>5} {'cpu p50':>8} {'cpu p95':>8}"
    )


def worst_first(r: Result) -> tuple[bool, float]:
    return (r.status == "timeout", max(r.samples or [0]))


def describe(r: Result) -> str:
    worst = max(r.samples) if r.samples else float("nan")
    if r.status == "timeout":
        return f"{r.name} | {r.scope} | {r.label}: timeout ({r.note})"
    extra = f" [{r.status}{': ' + r.note if r.note else ''}]" if r.status != "ok" else ""
    cpu = f" (CPU {max(r.cpu):.1f} ms)" if r.cpu else ""
    return f"{r.name} | {r.scope} | {r.label}: {worst:.1f} ms{cpu}{extra}"


def report_figures(results: list[Result], names: list[str], target: float, title: str) -> None:
    for name in names:
        rs = [r for r in results if r.name == name and r.status != "skipped"]
        if not rs:
            continue
        print(f"\n{title} {name}  (samples: repeats of each call; target {target:.0f} ms)")
        print(header("combo group / scope"))
        for g in GROUPS:
            sel = [r for r in rs if r.group == g]
            if sel:
                print(line(f"group {g}", sel, target=target))
        for s in SCOPE_NAMES:
            sel = [r for r in rs if r.scope == s]
            if sel:
                print(line(f"scope {s}", sel, target=target))
        worst = sorted(rs, key=worst_first, reverse=True)[:3]
        for r in worst:
            print(f"    worst: {describe(r)}")


def summary(results: list[Result], target: float, title: str) -> None:
    rs = [r for r in results if r.status != "skipped"]
    samples = [v for r in rs for v in r.samples]
    if not samples:
        print(f"\n{title}: nothing ran")
        return
    over = sum(1 for v in samples if v > target)
    slow = sum(1 for r in rs if r.status == "slow")
    timeouts = [r for r in rs if r.status == "timeout"]
    errors = [r for r in rs if r.status == "error"]
    skipped = sum(1 for r in results if r.status == "skipped")
    worst = max(rs, key=worst_first)
    print(f"\n=== {title}")
    print(
        f"  {len(rs)} calls ({len(samples)} timed samples); p50 {pct(samples, 0.5):.1f} ms,"
        f" p95 {pct(samples, 0.95):.1f} ms over everything"
    )
    cpu = [v for r in rs for v in r.cpu]
    if cpu:
        print(
            f"  CPU of the same samples (the worker's process time): p50 {pct(cpu, 0.5):.1f} ms,"
            f" p95 {pct(cpu, 0.95):.1f} ms"
        )
    print(
        f"  samples over {target:.0f} ms: {over} of {len(samples)}; calls with p95 over"
        f" {target:.0f} ms: {sum(1 for r in rs if pct(r.samples, 0.95) > target)} of {len(rs)}"
    )
    print(
        f"  not repeated (slow warm-up): {slow}; timeouts: {len(timeouts)}; errors:"
        f" {len(errors)}; not run (budget): {skipped}"
    )
    print(f"  worst call: {describe(worst)}")
    print("  worst 10 calls:")
    for r in sorted(rs, key=worst_first, reverse=True)[:10]:
        print(f"    {describe(r)}")
    timed = [r for r in rs if r.cpu]
    if timed:  # CPU compares across loads where wall times do not
        by_cpu = sorted(timed, key=lambda r: pct(r.cpu, 0.95), reverse=True)
        n_over = sum(1 for r in timed if pct(r.cpu, 0.95) > target)
        print(f"  calls with a CPU p95 over {target:.0f} ms: {n_over} of {len(timed)}; worst 10:")
        for r in by_cpu[:10]:
            extra = " [slow: its warm-up is its one sample]" if r.status == "slow" else ""
            print(f"    {r.name} | {r.scope} | {r.label}: CPU p95 {pct(r.cpu, 0.95):.1f} ms{extra}")
    for r in errors[:5]:
        print(f"  error: {r.name} | {r.scope} | {r.label}: {r.note}")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min, {os.cpu_count()} cpus)"
