"""The brute-force oracle: a seeded random register and aid file, and every coverage figure
counted from them person by person, straight from DEFINITIONS.md (no snapshot, no SQL), with
`compare` to check what warmth.queries gives against it."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from tests import fixtures_small as fx
from warmth import queries, schema, versions
from warmth.scope import Filters

WINDOW = (date(2004, 12, 18), date(2005, 2, 23))
DISTRICTS = ["310101", "310104", "310105"]


@dataclass
class World:
    people: dict  # id -> (district, street, set of categories)
    records: list  # dicts: rec_id, id, programme, fen, form, day, district, submitter
    progs: dict  # code -> (department, need, set of categories, form)
    streets: dict  # district -> list of streets


def random_world(conn, seed: int) -> World:
    rng = np.random.default_rng(seed)
    progs = {
        code: (dept, need, set(cats.split(";")), form)
        for code, dept, need, cats, form in queries.reference(conn, "programmes")[
            ["code", "department_code", "need", "categories", "form"]
        ].itertuples(index=False)
    }
    streets_all = queries.reference(conn, "streets")
    streets = {
        d: list(streets_all.loc[streets_all["district_code"] == d, "code"][:2]) for d in DISTRICTS
    }
    cats = ["DBU", "CJR", "YLJZ", "LTX", "PKXS", "TKZG", "TKJT", "KNQN", "DBR"]
    people = {}
    for i in range(90):
        d = DISTRICTS[rng.integers(3)]
        k = 1 + int(rng.random() < 0.35)
        people[f"P{i:05d}"] = (
            d,
            streets[d][rng.integers(2)],
            set(rng.choice(cats, size=k, replace=False)),
        )
    unregistered = [f"U{i:05d}" for i in range(12)]
    codes = sorted(progs)
    records = []
    ids = list(people)
    for _ in range(260):
        if rng.random() < 0.12:
            who = unregistered[rng.integers(len(unregistered))]
            prog = codes[rng.integers(len(codes))]
        else:
            who = ids[rng.integers(len(ids))]
            mine = [c for c in codes if progs[c][2] & people[who][2]]
            prog = (
                mine[rng.integers(len(mine))]
                if mine and rng.random() < 0.8
                else codes[rng.integers(len(codes))]
            )
        day = WINDOW[0] + timedelta(days=int(rng.integers(0, 68)))
        district = DISTRICTS[rng.integers(3)] if rng.random() < 0.3 else None
        form = (
            progs[prog][3]
            if rng.random() < 0.8
            else ["cash", "in_kind", "medical"][rng.integers(3)]
        )
        records.append(
            {
                "id": who,
                "programme": prog,
                "fen": int(rng.integers(0, 50)) * 1000,
                "form": form,
                "day": day,
                "district": district,
                "submitter": DISTRICTS[rng.integers(3)],
            }
        )
        if rng.random() < 0.1:  # the same programme again for the same person
            records.append(dict(records[-1], day=day + timedelta(days=int(rng.integers(0, 5)))))
    return World(people, records, progs, streets)


def load_world(conn, world: World, code: str = "2005", shift: int = 0) -> int:
    """The world as campaign `code`, its days moved by `shift` days (records numbered on
    from those already there)."""
    cid = fx.campaign_id(conn, code)
    first = conn.execute(sa.select(sa.func.count()).select_from(schema.aid_records)).scalar()
    for pid, (d, s, cs) in world.people.items():
        fx.add_person(conn, cid, pid, d, s, sorted(cs))
    for n, r in enumerate(world.records):
        conn.execute(
            schema.aid_records.insert().values(
                campaign_id=cid,
                submitter=r["submitter"],
                record_no=f"W{first + n:06d}",
                **fx.protected(conn, r["id"]),
                programme_code=r["programme"],
                amount_fen=r["fen"],
                form=r["form"],
                date=min(r["day"], WINDOW[1]) + timedelta(days=shift),
                district_code=r["district"],
            )
        )
        r["rec_id"] = first + n + 1
        r["day"] = min(r["day"], WINDOW[1]) + timedelta(days=shift)
    return cid


def universe_of(world: World, f: Filters) -> set[str]:
    """The programmes that count: of the chosen departments, then the chosen programmes."""
    depts = {v[0] for v in world.progs.values()}
    if f.departments:
        depts &= set(f.departments)
    return {
        p
        for p, v in world.progs.items()
        if v[0] in depts and (not f.programmes or p in f.programmes)
    }


def oracle(world: World, by: str, f: Filters, scope_districts: set[str]) -> dict[str, tuple]:
    """Every figure of every row, counted person by person from the definitions."""
    dd = scope_districts & set(f.districts) if f.districts else set(scope_districts)
    everyone = {v[0] for v in world.progs.values()}
    depts = everyone & set(f.departments) if f.departments else everyone
    universe = universe_of(world, f)
    chosen = set(f.categories) if f.categories else None
    serves = {p: v[2] for p, v in world.progs.items()}
    recs = [r for r in world.records if f.as_of is None or r["day"] <= f.as_of]
    recs.sort(key=lambda r: (r["day"], r["rec_id"]))
    people = world.people
    for r in recs:
        p = people.get(r["id"])
        r["matching"] = bool(p and serves[r["programme"]] & p[2])
        home = p[0] if p else None
        deliver = r["district"] or home or r["submitter"]
        r["att"] = home if r["matching"] else deliver
        r["att_street"] = p[1] if p and r["att"] == home else None
    seen = defaultdict(int)
    for r in recs:
        seen[(r["id"], r["programme"])] += 1
        r["nth"] = seen[(r["id"], r["programme"])]
    leak_att = {}
    for r in recs:
        if not r["matching"] and r["id"] not in leak_att:
            leak_att[r["id"]] = r["att"]
    by_id = defaultdict(list)
    for r in recs:
        by_id[r["id"]].append(r)
    ids = set(people) | set(by_id)

    def geo_ok(d, s, key):
        if d not in dd or (f.streets and s not in f.streets):
            return False
        if by == "district":
            return d == key
        if by == "street":
            return s == key
        return True

    def figures(key, s_set, k_set):
        kf = (
            k_set & chosen
            if k_set is not None and chosen is not None
            else (k_set if k_set is not None else chosen)
        )

        def counts(cats_of_p):
            return kf is None or bool(cats_of_p & kf)

        served = set().union(*(serves[p] for p in s_set)) if s_set else set()
        elig = reached = rep = over = leak = 0
        for i in ids:
            p = people.get(i)
            rs = by_id.get(i, [])
            if p:
                d, s, cs = p
                if geo_ok(d, s, key) and cs & served and counts(cs & served):
                    elig += 1
                    if any(
                        r["matching"]
                        and r["programme"] in s_set
                        and counts(serves[r["programme"]] & cs)
                        for r in rs
                    ):
                        reached += 1
                home_geo = geo_ok(d, s, key)
                if home_geo:
                    m_set = {
                        r["programme"]
                        for r in rs
                        if r["matching"] and counts(serves[r["programme"]] & cs)
                    }
                    o_set = {
                        a
                        for a in m_set
                        for b in m_set
                        if world.progs[a][1] == world.progs[b][1]
                        and world.progs[a][0] != world.progs[b][0]
                    }
                    if o_set & s_set:
                        over += 1
            else:
                home_geo = i in leak_att and geo_ok(leak_att[i], None, key)
            twice = {r["programme"] for r in rs if r["nth"] == 2 and r["programme"] in s_set}
            if kf is not None:
                twice = {q for q in twice if p and serves[q] & p[2] & kf}
            if twice and home_geo:
                rep += 1
            bad = {
                r["programme"]
                for r in rs
                if not r["matching"]
                and r["programme"] in s_set
                and (kf is None or serves[r["programme"]] & kf)
            }
            if bad:
                street = p[1] if p and leak_att[i] == p[0] else None
                if geo_ok(leak_att[i], street, key):
                    leak += 1
        nrec = nrep = fen = 0
        for r in recs:
            if f.forms and r["form"] not in f.forms:  # forms touch records only
                continue
            if (
                r["programme"] not in s_set
                or r["att"] is None
                or not geo_ok(r["att"], r["att_street"], key)
            ):
                continue
            if kf is not None:
                p = people.get(r["id"])
                if not (r["matching"] and serves[r["programme"]] & p[2] & kf):
                    continue
            nrec += 1
            nrep += r["nth"] >= 2
            fen += r["fen"]
        return (elig, reached, elig - reached, nrec, fen / 100, rep, nrep, over, leak)

    out = {}
    if by in ("city", "district", "street"):
        keys = {
            "city": ["city"],
            "district": sorted(dd),
            "street": sorted(
                s for d in dd for s in world.streets[d] if not f.streets or s in f.streets
            ),
        }[by]
        for key in keys:
            out[key] = figures(key, universe, None)
    elif by == "category":
        cats = sorted({c for v in world.progs.values() for c in v[2]})
        for c in cats:
            if chosen is None or c in chosen:
                out[c] = figures(c, {p for p in universe if c in serves[p]}, {c})
    elif by == "programme":
        for p in sorted(universe):
            out[p] = figures(p, {p}, None)
    else:
        for d in sorted(depts):
            out[d] = figures(d, {p for p in universe if world.progs[p][0] == d}, None)
    return out


# Every count and sum of a coverage row (coverage itself is their ratio).
COLUMNS = [c for c in queries.COVERAGE_COLUMNS[3:] if c != "coverage"]


def compare(conn, world, by, f, scope):
    got = queries.coverage(conn, scope, f, by)
    want = oracle(world, by, f, set(scope.districts) & set(DISTRICTS))
    if by == "street":  # streets outside the random world's two per district: all zero
        got = got.loc[got["key"].isin(want.keys()) | (got["eligible"] + got["records"] > 0)]
    assert sorted(got["key"]) == sorted(want), (by, f)
    for row in got.itertuples(index=False):
        mine = tuple(getattr(row, c) for c in COLUMNS)
        assert mine == pytest.approx(want[row.key]), (by, f, row.key)
        e, r = want[row.key][0], want[row.key][1]
        assert (math.isnan(row.coverage) and e == 0) or row.coverage == pytest.approx(r / e)


def seeded_world(engine, seed: int) -> World:
    """A random world drawn with `seed` and loaded into the (fresh) database."""
    with engine.begin() as conn:
        world = random_world(conn, seed=seed)
        load_world(conn, world)
        versions.bump(conn)
    return world


def world_on(engine, seed: int):
    """For a fixture: a seeded world loaded into the (fresh) database, and a connection."""
    world = seeded_world(engine, seed)
    with engine.connect() as conn:
        yield conn, world


def random_filters(rng: np.random.Generator, world: World) -> Filters:
    """Any combination the sidebar and the URL allow, each filter present or not."""
    chosen: dict = {}

    def some(values, most):
        values = sorted(values)
        k = int(rng.integers(1, min(most, len(values)) + 1))
        return tuple(str(v) for v in rng.choice(values, size=k, replace=False))

    if rng.random() < 0.5:
        chosen["as_of"] = WINDOW[0] + timedelta(days=int(rng.integers(-3, 70)))
    if rng.random() < 0.25:
        chosen["districts"] = some(DISTRICTS, 2)
    if rng.random() < 0.2:
        chosen["streets"] = some(world.streets[str(rng.choice(DISTRICTS))], 2)
    if rng.random() < 0.3:
        chosen["departments"] = some({v[0] for v in world.progs.values()}, 3)
    if rng.random() < 0.25:
        chosen["programmes"] = some(world.progs, 4)
    if rng.random() < 0.35:
        chosen["categories"] = some({c for v in world.progs.values() for c in v[2]}, 3)
    if rng.random() < 0.3:
        chosen["forms"] = some({v[3] for v in world.progs.values()}, 2)
    return Filters(**chosen)
