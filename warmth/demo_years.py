"""The demo across campaigns: this year's city (warmth.demo) and the years before it.

A city's register changes little from one year to the next: an earlier campaign's register
is this year's people (the same seed draws them) less those new this year, plus some who
have gone since (moved away, died, no longer in hardship), with the same ID numbers, names
and categories. Each district's reach and pace differ a little from this year's: reach a
few points either way, other districts behind pace, another New Year push. The records are
drawn afresh for that register, in that campaign's window.

`load_campaigns` loads the campaigns one after the other, oldest first, each in its own
transaction (warmth.demo.load_demo), freeing one before generating the next. Each load
records that it replaced its own campaign only, so the earlier campaigns' snapshot files
are carried to the final data version as they are (warmth.snapshot.store), not built again.
"""

from __future__ import annotations

import gc
from dataclasses import replace

import numpy as np
import sqlalchemy as sa

from warmth import demo, reference, schema
from warmth.demo.load import droppable, unjournaled
from warmth.demo.people import _member, _People, _people
from warmth.demo.rows import SealBook
from warmth.demo.side import SideWriter
from warmth.plan_stats import analyze, without_statistics
from warmth.snapshot import store as snapshot

CAMPAIGNS = ("2004", "2005")
SIDE_TABLES = ("aid_records",)  # a new file's: written by children (warmth.demo.side)
NEW_SHARE = 0.05  # of this year's register: not registered the year before
GONE_SHARE = 0.04  # of this year's register: registered the year before, gone since
REACH_SHIFT = (-0.06, 0.03)  # a district's reach the year before, against this year's


def parse_campaigns(text: str) -> tuple[str, ...]:
    """Campaign codes from "2004,2005" (spaces and empty parts ignored, order kept)."""
    return tuple(dict.fromkeys(c.strip() for c in text.split(",") if c.strip()))


def earlier_city(seed: int, years_before: int, scale: float):
    """The `earlier` hook of demo.load_demo for the campaign `years_before` years before
    this year's: the churned register and a shifted plan (see the module docstring)."""

    def make(ref, people, plan):
        rng = np.random.default_rng([seed, years_before])
        n = len(people.key)
        keep = rng.random(n) >= NEW_SHARE * years_before
        kept = _People(**{k: v[keep] for k, v in vars(people).items()})
        gone = _people(rng, ref, scale * GONE_SHARE * years_before)
        fresh = ~_member(np.sort(people.key), gone.key)  # an ID number never reused
        joined = {
            k: np.concatenate([getattr(kept, k), getattr(gone, k)[fresh]])
            for k in _People.__dataclass_fields__
        }
        order = np.argsort(joined["key"], kind="stable")  # register order, as _people
        city = _People(**{k: v[order] for k, v in joined.items()})
        d = len(plan.reach)
        behind = np.zeros(d, dtype=bool)
        behind[rng.choice(d, int(rng.integers(2, 4)), replace=False)] = True
        shifted = replace(
            plan,
            reach=np.clip(plan.reach + rng.uniform(*REACH_SHIFT, d), 0.6, 0.97),
            behind=behind,
            new_year_push=rng.uniform(0.7, 1.3, d),
        )
        return city, shifted

    return make


def load_campaigns(
    engine: sa.Engine,
    *,
    campaigns: tuple[str, ...] = CAMPAIGNS,
    scale: float = demo.DEFAULT_SCALE,
    seed: int = demo.DEFAULT_SEED,
    progress: demo.Progress | None = None,
    fresh: bool = False,
) -> list[demo.DemoStats]:
    """Fill each campaign with the demo city of its year (the newest is "this year"), the
    oldest first; returns what each load wrote, in the order given. An unknown campaign
    code is a LookupError before anything is written. The loads protect each ID number
    once. fresh: the database is a new SQLite file that is thrown away on failure
    (warmth.demo.fresh): written without a journal, its indexes built once at the end."""
    with engine.connect() as conn:
        c = schema.campaigns
        starts = dict(conn.execute(sa.select(c.c.code, c.c.window_start)).all())
    unknown = [code for code in campaigns if code not in starts]
    if unknown:
        raise LookupError(f"no campaign {unknown[0]!r}")
    by_age = sorted(campaigns, key=lambda code: starts[code])
    newest = by_age[-1]
    got: dict[str, demo.DemoStats] = {}
    seals, deferred = SealBook(), ([] if fresh else None)
    side = None
    if fresh:  # the records written by children, copied in at the end (warmth.demo.side)
        with engine.connect() as conn:
            later = [sql for _, sql in droppable(conn, SIDE_TABLES)]
            side = SideWriter(conn, SIDE_TABLES, later=later)
    try:
        for i, code in enumerate(by_age):
            years_before = starts[newest].year - starts[code].year if code != newest else 0

            def step(stage: str, done: float, i: int = i) -> None:
                if progress is not None:
                    progress(stage, (i + done) / len(by_age))

            seals.keep = i < len(by_age) - 1
            if i:
                snapshot.forget()  # the earlier campaign's snapshot is on disk; free the memory
                gc.collect()
            got[code] = demo.load_demo(
                engine,
                scale=scale,
                seed=seed,
                campaign=code,
                progress=step,
                earlier=earlier_city(seed, max(years_before, 1), scale) if code != newest else None,
                seals=seals,
                deferred=deferred,
                side=side,
            )
        del seals
        if deferred is not None:
            _finish_fresh(engine, deferred, side)
    finally:
        if side is not None:
            side.close()
    for code in by_age[:-1]:  # each load moved the data version: the earlier files carried
        snapshot.forget()
        gc.collect()
        with engine.connect() as conn:
            snapshot.city(conn, reference.campaign_id(conn, code))
    return [got[code] for code in campaigns]


def _finish_fresh(engine: sa.Engine, deferred: list[str], side: SideWriter | None) -> None:
    """A new file's indexes and statistics after its last load: the side's records indexed
    by a child while this process sorts the register's indexes, then copied in (into an
    empty table that has every index: a transfer, warmth.demo.side)."""
    if side is not None and not side.made:  # no load was big enough to write there
        side = None
    on_side = [sql for sql in deferred if sql in side.later] if side is not None else []
    if on_side:
        side.index(on_side)
    with unjournaled(engine) as conn:  # foreign keys off: else the copy is no transfer
        for sql in deferred:  # the side's on the empty table: made at once, filled by the copy
            conn.exec_driver_sql(sql)
        conn.commit()
        if side is not None:
            side.copy_in(conn)
    with engine.connect() as conn:  # after the indexes: statistics of each
        analyze(conn, without_statistics(conn))
        conn.commit()
