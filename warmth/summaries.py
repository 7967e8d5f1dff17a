"""The summary tables: small aggregates of the register and the aid records that the
dashboard reads instead of the base tables (see schema.py, section "Summaries").

Attribution (where a row is counted):
- a registered beneficiary's eligibility, reach, repeats and overlap: their registered
  district and street;
- a record: the beneficiary's district and street when it matches; otherwise the delivering
  district (the record's `district_code`, else the beneficiary's, else the submitter when
  the submitter is a district) and, when that is not the beneficiary's own district, no
  street;
- leakage: each leaking ID number once, under the delivering district of its earliest
  non-matching record (ties by record id), so that district totals add up to the city's;
- an ID number that is not on the register: its leakage district, no street. A record that
  cannot be given any district (unregistered ID, no delivering district, submitted by a
  department) is counted nowhere.

summary_reach_day keeps streets for the slice "all" only (category, department and
programme slices are per district), which keeps it small.

`refresh(conn, campaign_id, districts)` rebuilds the rows of the given districts inside the
caller's transaction. A change to one ID number's registration or records can move rows of
every district that registered it or delivered to it, so callers pass the set of districts
*touched*: the registered district of every ID number whose registration or records changed,
and the delivering district of every record added or removed (`touched_districts` gives the
current ones for a set of ID numbers). None rebuilds every district.

`read_base(...)` computes the same frames straight from the base tables (optionally only
records dated up to `as_of` and of some forms): the queries' exact slow path uses it.
The work is done on integer codes with numpy (a big district is ~500,000 records).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import sqlalchemy as sa

from warmth import metrics, schema

PROFILE_KEYS = [
    "district_code",
    "street_code",
    "eligible",
    "cat_mask",
    "reach_mask",
    "repeat_mask",
    "leak_mask",
]
RECORD_KEYS = ["district_code", "street_code", "programme_code", "cat_mask", "matching", "form"]
DAY_KEYS = ["district_code", "street_code", "slice_kind", "slice_key", "day"]
DAY_VALUES = [
    "newly_reached",
    "newly_repeat",
    "newly_overlap",
    "newly_leakage",
    "records",
    "repeat_records",
    "amount_fen",
]
EPOCH = date(1970, 1, 1).toordinal()
# slice ids inside this module: 0 all, 1000+bit programme, 2000+i department, 3000+bit category
ALL_SLICE, PROG, DEPT, CAT = 0, 1000, 2000, 3000


@dataclass
class Base:
    """Per-record and per-person arrays for a set of districts, straight from base tables.
    Districts and streets are integer codes (-1: none), days are days since 1970-01-01."""

    rec: pd.DataFrame  # pid, rec_id, pbit, bit, serves, dept, amount_fen, form, day, batch_id,
    #                    matching, home, street, cat_mask, att, att_street, rank
    registered: np.ndarray  # by pid
    home: np.ndarray
    street: np.ndarray
    cat_mask: np.ndarray
    reach: np.ndarray
    repeat: np.ndarray
    leak: np.ndarray
    leak_att: np.ndarray
    wanted: np.ndarray | None  # district codes whose rows are wanted (None: all)
    district_codes: list[str]
    street_codes: list[str]
    dept_codes: list[str]
    catalogue: metrics.Catalogue

    def keep(self, district: np.ndarray) -> np.ndarray:
        ok = district >= 0
        if self.wanted is not None:
            ok &= np.isin(district, self.wanted)
        return ok


def _columns(conn: sa.Connection, query, names: list[str]) -> dict[str, np.ndarray]:
    """A query's columns as numpy arrays (integers as int64 where the name ends in _i)."""
    rows = conn.execute(query).all()
    cols = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    out = {}
    for name, values in zip(names, cols, strict=True):
        if name.endswith("_i"):
            out[name] = np.array(values, dtype="int64")
        elif name.endswith("_f"):
            out[name] = np.array(values, dtype="float64")
        else:
            out[name] = np.array(values, dtype=object)
    return out


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _day_number(column, dialect: str):
    """Days since 1970-01-01 as an integer, computed by the database."""
    if dialect == "sqlite":
        return sa.cast(sa.func.julianday(column) - 2440587.5, sa.Integer)
    return column - sa.literal(date(1970, 1, 1), sa.Date)


def _index_of(column, codes: list[str] | dict[str, int]):
    """The position of the column's value in `codes` (or its value in a dict of codes; -1
    when absent or NULL), computed by the database: small integers are cheap to fetch."""
    mapping = codes if isinstance(codes, dict) else {c: i for i, c in enumerate(codes)}
    if not mapping:
        return sa.literal(-1)
    return sa.case({c: int(i) for c, i in mapping.items()}, value=column, else_=-1)


def read_base(
    conn: sa.Connection,
    campaign_id: int,
    districts: Iterable[str] | None = None,
    *,
    as_of: date | None = None,
    forms: Iterable[str] | None = None,
    catalogue: metrics.Catalogue | None = None,
) -> Base:
    """Everything needed for the rows of `districts`: their registered beneficiaries, every
    ID number delivered to there, and all records of those ID numbers (up to `as_of`, of
    `forms` when given)."""
    cat = catalogue or metrics.load_catalogue(conn)
    dialect = conn.dialect.name
    if dialect == "sqlite":  # reading a district's records is random access: map the file
        conn.exec_driver_sql("PRAGMA mmap_size=4000000000")
    b, bc, r = schema.beneficiaries, schema.beneficiary_categories, schema.aid_records
    district_codes = sorted(conn.execute(sa.select(schema.districts.c.code)).scalars())
    street_codes = sorted(conn.execute(sa.select(schema.streets.c.code)).scalars())
    bit_of = {code: 1 << int(bit) for code, bit in cat.cat_bit.items()}
    cat_value = sa.case(bit_of, value=bc.c.category_code, else_=0) if bit_of else sa.literal(0)
    people_q = (
        sa.select(
            b.c.id_number,
            _index_of(b.c.district_code, district_codes),
            b.c.street_code,
            sa.func.coalesce(sa.func.sum(cat_value), 0),
        )
        .select_from(b.outerjoin(bc, bc.c.beneficiary_id == b.c.id))
        .where(b.c.campaign_id == campaign_id)
        .group_by(b.c.id, b.c.id_number, b.c.district_code, b.c.street_code)
    )
    rec_cols = [
        r.c.id,
        r.c.id_number,
        _index_of(r.c.programme_code, cat.prog_bit),
        r.c.amount_fen,
        r.c.form,
        _day_number(r.c.date, dialect),
        _index_of(r.c.district_code, district_codes),
        _index_of(r.c.submitter, district_codes),
        sa.func.coalesce(r.c.batch_id, -1),
    ]
    rec_where = [r.c.campaign_id == campaign_id]
    if as_of is not None:
        rec_where.append(r.c.date <= as_of)
    if forms is not None:
        rec_where.append(r.c.form.in_(sorted(set(forms))))
    people_names = ["id_number", "home_i", "street", "cat_mask_i"]
    rec_names = ["rec_id_i", "id_number", "pbit_i", "amount_fen_i", "form", "day_i"]
    rec_names += ["deliver_i", "submitter_i", "batch_id_i"]
    wanted = None if districts is None else sorted(set(districts))
    if wanted is None:
        people = _columns(conn, people_q, people_names)
        rec = _columns(conn, sa.select(*rec_cols).where(*rec_where), rec_names)
    else:
        # registered here, with all their records; then ID numbers delivered to here that
        # are registered elsewhere or nowhere, with all of theirs
        people = _columns(conn, people_q.where(b.c.district_code.in_(wanted)), people_names)
        here = (
            sa.select(b.c.id_number)
            .where(b.c.campaign_id == campaign_id, b.c.district_code.in_(wanted))
            .scalar_subquery()
        )
        rec = _columns(
            conn, sa.select(*rec_cols).where(r.c.id_number.in_(here), *rec_where), rec_names
        )
        delivered = []
        for cond in (
            r.c.district_code.in_(wanted),
            sa.and_(r.c.district_code.is_(None), r.c.submitter.in_(wanted)),
        ):
            query = sa.select(r.c.id_number).where(r.c.campaign_id == campaign_id, cond)
            delivered.append(_columns(conn, query, ["id_number"])["id_number"])
        outsiders = sorted(
            pd.Index(np.concatenate(delivered)).unique().difference(pd.Index(people["id_number"]))
        )
        more_people, more_rec = [people], [rec]
        for i in range(0, len(outsiders), 900):
            chunk = outsiders[i : i + 900]
            more_people.append(
                _columns(conn, people_q.where(b.c.id_number.in_(chunk)), people_names)
            )
            more_rec.append(
                _columns(
                    conn,
                    sa.select(*rec_cols).where(r.c.id_number.in_(chunk), *rec_where),
                    rec_names,
                )
            )
        people, rec = _concat(more_people), _concat(more_rec)
    return _build(people, rec, wanted, district_codes, street_codes, cat)


def _build(people, rec, wanted, district_codes, street_codes, cat) -> Base:
    dlookup = {c: i for i, c in enumerate(district_codes)}
    codes, ids = pd.factorize(np.concatenate([people["id_number"], rec["id_number"]]))
    n = len(ids)
    ppid, pid = codes[: len(people["id_number"])], codes[len(people["id_number"]) :]
    registered = np.zeros(n, dtype=bool)
    home = np.full(n, -1, dtype="int64")
    street = np.full(n, -1, dtype="int64")
    cat_mask = np.zeros(n, dtype="int64")
    registered[ppid] = True
    home[ppid] = people["home_i"]
    scodes, suniq = pd.factorize(people["street"])
    slookup = {c: i for i, c in enumerate(street_codes)}
    street[ppid] = (
        np.array([slookup.get(s, -1) for s in suniq], dtype="int64")[scodes]
        if len(scodes)
        else np.zeros(0, dtype="int64")
    )
    cat_mask[ppid] = people["cat_mask_i"]

    serves_by_bit = np.zeros(64, dtype="int64")
    for bit, mask in cat.serves.items():
        serves_by_bit[bit] = mask
    dept_codes = sorted(cat.departments["code"])
    dept_of_bit = np.full(64, -1, dtype="int64")
    for bit, d in cat.bit_dept.items():
        dept_of_bit[int(bit)] = dept_codes.index(d)

    pbit = rec["pbit_i"]
    deliver, submitter = rec["deliver_i"], rec["submitter_i"]
    r_home = home[pid]
    r_cat = cat_mask[pid]
    serves = serves_by_bit[pbit]
    matching = registered[pid] & ((serves & r_cat) != 0)
    delivered = np.where(deliver >= 0, deliver, np.where(r_home >= 0, r_home, submitter))
    att = np.where(matching, r_home, delivered)
    att_street = np.where((att == r_home) & (r_home >= 0), street[pid], -1)
    order = np.lexsort((rec["rec_id_i"], rec["day_i"], pid))
    frame = pd.DataFrame(
        {
            "pid": pid[order],
            "rec_id": rec["rec_id_i"][order],
            "pbit": pbit[order],
            "bit": np.left_shift(np.int64(1), pbit)[order],
            "serves": serves[order],
            "dept": dept_of_bit[pbit][order],
            "amount_fen": rec["amount_fen_i"][order],
            "form": rec["form"][order],
            "day": rec["day_i"][order],
            "batch_id": rec["batch_id_i"][order],
            "matching": matching[order],
            "home": r_home[order],
            "street": street[pid][order],
            "cat_mask": r_cat[order],
            "att": att[order],
            "att_street": att_street[order],
        }
    )
    frame["rank"] = frame.groupby(["pid", "pbit"], sort=False).cumcount().to_numpy()

    p, bits, m = frame["pid"].to_numpy(), frame["bit"].to_numpy(), frame["matching"].to_numpy()
    reach = np.zeros(n, dtype="int64")
    repeat = np.zeros(n, dtype="int64")
    leak = np.zeros(n, dtype="int64")
    np.bitwise_or.at(reach, p[m], bits[m])
    second = frame["rank"].to_numpy() == 1
    np.bitwise_or.at(repeat, p[second], bits[second])
    np.bitwise_or.at(leak, p[~m], bits[~m])
    leak_att = np.full(n, -1, dtype="int64")
    nm_pid = p[~m]
    if len(nm_pid):
        first_pid, first_at = np.unique(nm_pid, return_index=True)
        leak_att[first_pid] = frame["att"].to_numpy()[~m][first_at]
    return Base(
        rec=frame,
        registered=registered,
        home=home,
        street=street,
        cat_mask=cat_mask,
        reach=reach,
        repeat=repeat,
        leak=leak,
        leak_att=leak_att,
        wanted=None
        if wanted is None
        else np.array([dlookup[d] for d in wanted if d in dlookup], dtype="int64"),
        district_codes=district_codes,
        street_codes=street_codes,
        dept_codes=dept_codes,
        catalogue=cat,
    )


def _decode(codes: np.ndarray, names: list[str]) -> np.ndarray:
    table = np.array([*names, None], dtype=object)
    return table[np.where(codes >= 0, codes, len(names))]


def profile_frame(base: Base) -> pd.DataFrame:
    """summary_profile rows: distinct profiles with their count `n`."""
    reg = base.registered
    own_leak = np.where(base.leak_att == base.home, base.leak, 0)
    away = reg & (base.leak != 0) & (base.leak_att != base.home)
    unreg = ~reg
    parts = {
        "district_code": np.concatenate(
            [base.home[reg], base.leak_att[away], base.leak_att[unreg]]
        ),
        "street_code": np.concatenate(
            [base.street[reg], np.full(away.sum() + unreg.sum(), -1, dtype="int64")]
        ),
        "eligible": np.concatenate(
            [np.ones(reg.sum(), bool), np.zeros(away.sum() + unreg.sum(), bool)]
        ),
        "cat_mask": np.concatenate(
            [base.cat_mask[reg], np.zeros(away.sum() + unreg.sum(), dtype="int64")]
        ),
        "reach_mask": np.concatenate(
            [base.reach[reg], np.zeros(away.sum() + unreg.sum(), dtype="int64")]
        ),
        "repeat_mask": np.concatenate(
            [base.repeat[reg], np.zeros(away.sum(), dtype="int64"), base.repeat[unreg]]
        ),
        "leak_mask": np.concatenate([own_leak[reg], base.leak[away], base.leak[unreg]]),
    }
    rows = pd.DataFrame(parts)
    rows = rows.loc[base.keep(rows["district_code"].to_numpy())]
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in [*PROFILE_KEYS, "n"]})
    out = rows.groupby(PROFILE_KEYS, sort=False).size().reset_index(name="n")
    out["district_code"] = _decode(out["district_code"].to_numpy(), base.district_codes)
    out["street_code"] = _decode(out["street_code"].to_numpy(), base.street_codes)
    out["eligible"] = out["eligible"].astype(bool)
    for c in ("cat_mask", "reach_mask", "repeat_mask", "leak_mask", "n"):
        out[c] = out[c].astype("int64")
    return out[[*PROFILE_KEYS, "n"]]


def records_frame(base: Base) -> pd.DataFrame:
    """summary_records rows."""
    rec = base.rec
    rec = rec.loc[base.keep(rec["att"].to_numpy())]
    cols = [*RECORD_KEYS, "records", "repeat_records", "amount_fen"]
    if rec.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    keys = ["att", "att_street", "pbit", "cat_mask", "matching", "form"]
    rec = rec.assign(records=1, repeat_records=(rec["rank"].to_numpy() >= 1).astype("int64"))
    out = (
        rec.groupby(keys, sort=False)[["records", "repeat_records", "amount_fen"]]
        .sum()
        .reset_index()
    )
    codes = dict(zip(base.catalogue.programmes.bit, base.catalogue.programmes.code, strict=True))
    out["district_code"] = _decode(out["att"].to_numpy(), base.district_codes)
    out["street_code"] = _decode(out["att_street"].to_numpy(), base.street_codes)
    out["programme_code"] = out["pbit"].map(codes)
    out["matching"] = out["matching"].astype(bool)
    return out[cols]


def _first(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """First row per key (frames are sorted by person, day, record)."""
    return frame.drop_duplicates(keys, keep="first")


def _slice_events(events: pd.DataFrame, cat_bits: np.ndarray, n_cats: int) -> pd.DataFrame:
    """First day per (person, slice) from events per (person, programme) sorted by person
    and day: columns pid, slice, day."""
    out = []
    if events.empty:
        return pd.DataFrame({"pid": [], "slice": [], "day": []}, dtype="int64")
    e = events[["pid", "pbit", "dept", "day"]]
    allp = _first(e, ["pid"])
    out.append(pd.DataFrame({"pid": allp["pid"], "slice": ALL_SLICE, "day": allp["day"]}))
    progs = _first(e, ["pid", "pbit"])
    out.append(
        pd.DataFrame({"pid": progs["pid"], "slice": PROG + progs["pbit"], "day": progs["day"]})
    )
    depts = _first(e, ["pid", "dept"])
    out.append(
        pd.DataFrame({"pid": depts["pid"], "slice": DEPT + depts["dept"], "day": depts["day"]})
    )
    for c in range(n_cats):
        hit = (cat_bits >> c) & 1 == 1
        if hit.any():
            sub = _first(e.loc[hit], ["pid"])
            out.append(pd.DataFrame({"pid": sub["pid"], "slice": CAT + c, "day": sub["day"]}))
    return pd.concat(out, ignore_index=True)


def _slice_names(base: Base, slice_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cat = base.catalogue
    prog = dict(zip(cat.programmes.bit, cat.programmes.code, strict=True))
    cats = dict(zip(cat.categories.bit, cat.categories.code, strict=True))
    kinds, keys = {}, {}
    for s in np.unique(slice_ids):
        s = int(s)
        if s == ALL_SLICE:
            kinds[s], keys[s] = "all", "all"
        elif s >= CAT:
            kinds[s], keys[s] = "category", cats[s - CAT]
        elif s >= DEPT:
            kinds[s], keys[s] = "department", base.dept_codes[s - DEPT]
        else:
            kinds[s], keys[s] = "programme", prog[s - PROG]
    series = pd.Series(slice_ids)
    return series.map(kinds).to_numpy(dtype=object), series.map(keys).to_numpy(dtype=object)


def day_frame(base: Base) -> pd.DataFrame:
    """summary_reach_day rows: per day and slice, people newly reached / repeated /
    overlapping / leaking, and the day's records, repeat records and amount."""
    rec = base.rec
    n_cats = (
        int(base.catalogue.categories["bit"].max()) + 1 if len(base.catalogue.categories) else 0
    )
    need_of_bit = np.full(64, -1, dtype="int64")
    needs = sorted(set(base.catalogue.bit_need.values()))
    for bit, need in base.catalogue.bit_need.items():
        need_of_bit[int(bit)] = needs.index(need)

    m = rec["matching"].to_numpy()
    rank = rec["rank"].to_numpy()
    firsts = rec.loc[m & (rank == 0)]
    seconds = rec.loc[rank == 1]
    leaks = _first(rec.loc[~m], ["pid", "pbit"])
    reach = _slice_events(firsts, (firsts["serves"] & firsts["cat_mask"]).to_numpy(), n_cats)
    repeat = _slice_events(seconds, (seconds["serves"] & seconds["cat_mask"]).to_numpy(), n_cats)
    leak = _slice_events(leaks, leaks["serves"].to_numpy(), n_cats)

    f = firsts[["pid", "pbit", "dept", "day", "serves", "cat_mask"]].assign(
        need=need_of_bit[firsts["pbit"].to_numpy()]
    )
    pairs = f.merge(
        f[["pid", "need", "dept", "day", "serves"]], on=["pid", "need"], suffixes=("", "_b")
    )
    pairs = pairs.loc[pairs["dept"].to_numpy() != pairs["dept_b"].to_numpy()]
    pairs = pairs.assign(day=np.maximum(pairs["day"].to_numpy(), pairs["day_b"].to_numpy()))
    pairs = pairs.sort_values(["pid", "day"], kind="stable")
    overlap = _slice_events(
        pairs, (pairs["serves"] & pairs["serves_b"] & pairs["cat_mask"]).to_numpy(), n_cats
    )

    person_d = np.where(base.registered, base.home, base.leak_att)
    person_s = np.where(base.registered, base.street, -1)
    leak_s = np.where(base.leak_att == base.home, base.street, -1)
    parts = []
    for name, events, districts, streets in (
        ("newly_reached", reach, person_d, person_s),
        ("newly_repeat", repeat, person_d, person_s),
        ("newly_overlap", overlap, person_d, person_s),
        ("newly_leakage", leak, base.leak_att, leak_s),
    ):
        if events.empty:
            continue
        pid = events["pid"].to_numpy(dtype="int64")
        sl = events["slice"].to_numpy(dtype="int64")
        g = pd.DataFrame(
            {
                "d": districts[pid],
                "s": np.where(sl == ALL_SLICE, streets[pid], -1),
                "slice": sl,
                "day": events["day"].to_numpy(dtype="int64"),
            }
        )
        g = g.loc[base.keep(g["d"].to_numpy())]
        parts.append(g.groupby(["d", "s", "slice", "day"], sort=False).size().rename(name))

    r = rec.loc[base.keep(rec["att"].to_numpy())]
    if not r.empty:
        cols = {
            "d": r["att"].to_numpy(),
            "day": r["day"].to_numpy(),
            "records": np.ones(len(r), dtype="int64"),
            "repeat_records": (r["rank"].to_numpy() >= 1).astype("int64"),
            "amount_fen": r["amount_fen"].to_numpy(),
        }
        framed = [
            pd.DataFrame({**cols, "s": r["att_street"].to_numpy(), "slice": ALL_SLICE}),
            pd.DataFrame({**cols, "s": -1, "slice": PROG + r["pbit"].to_numpy()}),
            pd.DataFrame({**cols, "s": -1, "slice": DEPT + r["dept"].to_numpy()}),
        ]
        cb = np.where(r["matching"].to_numpy(), (r["serves"] & r["cat_mask"]).to_numpy(), 0)
        for c in range(n_cats):
            hit = (cb >> c) & 1 == 1
            if hit.any():
                framed.append(
                    pd.DataFrame({k: v[hit] for k, v in cols.items()}).assign(s=-1, slice=CAT + c)
                )
        allrec = pd.concat(framed, ignore_index=True)
        parts.append(
            allrec.groupby(["d", "s", "slice", "day"], sort=False)[
                ["records", "repeat_records", "amount_fen"]
            ].sum()
        )
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in [*DAY_KEYS, *DAY_VALUES]})
    out = pd.concat(parts, axis=1).fillna(0).reset_index()
    for c in DAY_VALUES:
        if c not in out:
            out[c] = 0
        out[c] = out[c].astype("int64")
    kinds, keys = _slice_names(base, out["slice"].to_numpy())
    out["district_code"] = _decode(out["d"].to_numpy(), base.district_codes)
    out["street_code"] = _decode(out["s"].to_numpy(), base.street_codes)
    out["slice_kind"] = kinds
    out["slice_key"] = keys
    out["day"] = (out["day"].to_numpy() + EPOCH).astype(object)
    out["day"] = [date.fromordinal(int(d)) for d in out["day"]]
    return out[[*DAY_KEYS, *DAY_VALUES]]


def reporting_frame(base: Base, submitted: dict[int, date]) -> pd.DataFrame:
    """summary_reporting rows: per attribution district and department."""
    r = base.rec
    r = r.loc[base.keep(r["att"].to_numpy())]
    cols = ["district_code", "department_code", "records", "amount_fen", "last_date"]
    cols.append("last_submitted")
    if r.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    sub_days = {k: v.toordinal() - EPOCH for k, v in submitted.items()}
    r = r.assign(
        records=1,
        submitted=r["batch_id"].map(sub_days).fillna(-1).to_numpy(dtype="int64"),
    )
    out = (
        r.groupby(["att", "dept"], sort=False)
        .agg(
            records=("records", "sum"),
            amount_fen=("amount_fen", "sum"),
            last_date=("day", "max"),
            last_submitted=("submitted", "max"),
        )
        .reset_index()
    )
    out["district_code"] = _decode(out["att"].to_numpy(), base.district_codes)
    out["department_code"] = [base.dept_codes[int(i)] for i in out["dept"]]
    out["last_date"] = [date.fromordinal(int(d) + EPOCH) for d in out["last_date"]]
    out["last_submitted"] = [
        date.fromordinal(int(d) + EPOCH) if d >= 0 else None for d in out["last_submitted"]
    ]
    return out[cols]


def profile_district_frame(profile: pd.DataFrame) -> pd.DataFrame:
    """summary_profile_district rows: summary_profile without streets."""
    keys = [k for k in PROFILE_KEYS if k != "street_code"]
    if profile.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in [*keys, "n"]})
    return profile.groupby(keys, sort=False)["n"].sum().reset_index()


def records_district_frame(records: pd.DataFrame) -> pd.DataFrame:
    """summary_records_district rows: summary_records without streets."""
    keys = [k for k in RECORD_KEYS if k != "street_code"]
    cols = ["records", "repeat_records", "amount_fen"]
    if records.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in [*keys, *cols]})
    return records.groupby(keys, sort=False)[cols].sum().reset_index()


TOTAL_VALUES = [
    "eligible",
    "reached",
    "repeat_beneficiaries",
    "overlap_beneficiaries",
    "leakage_beneficiaries",
    "records",
    "repeat_records",
    "amount_fen",
]


def totals_frame(
    profile: pd.DataFrame, records: pd.DataFrame, cat: metrics.Catalogue
) -> pd.DataFrame:
    """summary_totals rows: the unfiltered figures (warmth.metrics) of the slice "all" per
    district and street, and of every category, department and programme per district."""
    cols = ["district_code", "street_code", "slice_kind", "slice_key", *TOTAL_VALUES]
    if profile.empty and records.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    slices = [("all", "all", metrics.Slice(cat.all_programmes))]
    for code, bit in sorted(cat.cat_bit.items()):
        mask = 1 << int(bit)
        slices.append(("category", code, metrics.Slice(cat.serving(mask), mask)))
    for d in sorted(cat.departments["code"]):
        slices.append(("department", d, metrics.Slice(cat.department_mask([d]))))
    for code, bit in sorted(cat.prog_bit.items()):
        slices.append(("programme", code, metrics.Slice(1 << int(bit))))
    # groups: (district, street) for "all", district for the others; sums by bincount
    p_geo = pd.MultiIndex.from_arrays(
        [profile["district_code"].astype(object), profile["street_code"].astype(object)]
    )
    r_geo = pd.MultiIndex.from_arrays(
        [records["district_code"].astype(object), records["street_code"].astype(object)]
    )
    geo = p_geo.append(r_geo).unique()
    p_code, r_code = geo.get_indexer(p_geo), geo.get_indexer(r_geo)
    districts = pd.Index(geo.get_level_values(0).unique())
    gd = districts.get_indexer(geo.get_level_values(0))
    n = profile["n"].to_numpy(dtype="int64")
    rec_values = {
        c: records[c].to_numpy(dtype="int64") for c in ("records", "repeat_records", "amount_fen")
    }
    out = []
    for kind, key, sl in slices:
        sums = {}
        for name, figure in metrics.PERSON_FIGURES.items():
            hit = figure(profile, sl, cat) if len(profile) else np.zeros(0, dtype=bool)
            sums[name] = np.bincount(p_code, weights=np.where(hit, n, 0), minlength=len(geo))
        ok = metrics.records_in(records, sl, cat)
        for c, v in rec_values.items():
            sums[c] = np.bincount(r_code, weights=np.where(ok, v, 0), minlength=len(geo))
        frame = pd.DataFrame(sums)
        if kind == "all":
            frame["district_code"] = geo.get_level_values(0)
            frame["street_code"] = geo.get_level_values(1)
        else:
            frame = frame.groupby(gd).sum()
            frame["district_code"] = districts[frame.index]
            frame["street_code"] = None
        out.append(frame.assign(slice_kind=kind, slice_key=key))
    got = pd.concat(out, ignore_index=True)
    for c in TOTAL_VALUES:
        got[c] = got[c].round().astype("int64")
    got = got.loc[got["district_code"].notna()]
    return got[cols].reset_index(drop=True)


def reach_days(
    base: Base, slices: list[tuple[str, metrics.Slice]], streets=None, forms=None
) -> pd.DataFrame:
    """The exact slow path for time series: per slice key, district and day, people first
    reached that day inside the slice, and the day's records and amount of the slice (of
    `forms` only, when given: forms touch records, not reach).
    Columns: key, district_code, day, newly_reached, records, amount_fen."""
    rec, cat = base.rec, base.catalogue
    street_ok = None
    if streets is not None:
        lookup = {c: i for i, c in enumerate(base.street_codes)}
        street_ok = np.array([lookup[s] for s in streets if s in lookup], dtype="int64")
    m = rec["matching"].to_numpy()
    firsts = rec.loc[m & (rec["rank"].to_numpy() == 0)]
    firsts = firsts.loc[base.keep(firsts["home"].to_numpy())]
    recs = rec.loc[base.keep(rec["att"].to_numpy())]
    if street_ok is not None:
        firsts = firsts.loc[np.isin(firsts["street"].to_numpy(), street_ok)]
        recs = recs.loc[np.isin(recs["att_street"].to_numpy(), street_ok)]
    out = []
    for key, sl in slices:
        kc = metrics.ALL if sl.categories is None else sl.categories
        allowed = metrics._map(firsts["cat_mask"] & kc, cat.allowed)
        f = firsts.loc[(firsts["bit"].to_numpy() & sl.programmes & allowed) != 0]
        f = _first(f, ["pid"])
        reached = f.groupby(["home", "day"]).size().rename("newly_reached")
        reached.index.names = ["d", "day"]
        ok = (recs["bit"].to_numpy() & sl.programmes) != 0
        if forms is not None:
            ok &= recs["form"].isin(sorted(forms)).to_numpy(dtype=bool)
        if sl.categories is not None:
            ok &= recs["matching"].to_numpy() & (
                (recs["serves"] & recs["cat_mask"] & sl.categories).to_numpy() != 0
            )
        r = pd.DataFrame(
            {
                "d": recs["att"].to_numpy()[ok],
                "day": recs["day"].to_numpy()[ok],
                "records": 1,
                "amount_fen": recs["amount_fen"].to_numpy()[ok],
            }
        )
        recsum = r.groupby(["d", "day"])[["records", "amount_fen"]].sum()
        both = pd.concat([reached, recsum], axis=1).fillna(0).reset_index()
        out.append(both.assign(key=key))
    cols = ["key", "district_code", "day", "newly_reached", "records", "amount_fen"]
    if not out:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    got = pd.concat(out, ignore_index=True)
    for c in ("newly_reached", "records", "amount_fen"):
        if c not in got:
            got[c] = 0
        got[c] = got[c].astype("int64")
    got["district_code"] = _decode(got["d"].to_numpy(dtype="int64"), base.district_codes)
    got["day"] = [date.fromordinal(int(d) + EPOCH) for d in got["day"]]
    return got[cols]


def _submitted(conn: sa.Connection, campaign_id: int) -> dict[int, date]:
    ib = schema.import_batches
    rows = conn.execute(
        sa.select(ib.c.id, ib.c.submitted_at).where(ib.c.campaign_id == campaign_id)
    ).all()
    return {i: at.date() for i, at in rows if at is not None}


def _to_rows(frame: pd.DataFrame, campaign_id: int) -> list[dict]:
    if frame.empty:
        return []
    cols = list(frame.columns)
    values = []
    for c in cols:
        v = frame[c]
        if pd.api.types.is_bool_dtype(v.dtype):
            values.append([bool(x) for x in v.to_numpy()])
        elif pd.api.types.is_integer_dtype(v.dtype):
            values.append(v.tolist())
        else:
            values.append([None if x is None or x != x else x for x in v.astype(object).tolist()])
    return [
        {"campaign_id": campaign_id, **dict(zip(cols, row, strict=True))}
        for row in zip(*values, strict=True)
    ]


def touched_districts(conn: sa.Connection, campaign_id: int, id_numbers: Iterable[str]) -> set[str]:
    """The registered and delivering districts of these ID numbers now: pass them (with the
    delivering districts of any records removed) to `refresh` after a change."""
    wanted = sorted(set(id_numbers))
    b, r = schema.beneficiaries, schema.aid_records
    out: set[str] = set()
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        out |= set(
            conn.execute(
                sa.select(b.c.district_code).where(
                    b.c.campaign_id == campaign_id, b.c.id_number.in_(chunk)
                )
            ).scalars()
        )
        out |= {
            d
            for d in conn.execute(
                sa.select(r.c.district_code).where(
                    r.c.campaign_id == campaign_id, r.c.id_number.in_(chunk)
                )
            ).scalars()
            if d
        }
    return out


SUMMARY_TABLES = (
    schema.summary_profile,
    schema.summary_records,
    schema.summary_profile_district,
    schema.summary_records_district,
    schema.summary_totals,
    schema.summary_reach_day,
    schema.summary_reporting,
)
CHUNK_PEOPLE = 600_000  # registered beneficiaries read at once (bounds memory)


def _chunks(conn: sa.Connection, campaign_id: int, chosen: list[str]) -> list[list[str]]:
    """Districts grouped so that each group holds about CHUNK_PEOPLE beneficiaries."""
    b = schema.beneficiaries
    sizes = dict(
        conn.execute(
            sa.select(b.c.district_code, sa.func.count())
            .where(b.c.campaign_id == campaign_id, b.c.district_code.in_(chosen))
            .group_by(b.c.district_code)
        ).all()
    )
    chunks: list[list[str]] = [[]]
    held = 0
    for d in chosen:
        size = sizes.get(d, 0)
        if chunks[-1] and held + size > CHUNK_PEOPLE:
            chunks.append([])
            held = 0
        chunks[-1].append(d)
        held += size
    return chunks


def refresh(conn: sa.Connection, campaign_id: int, districts: Iterable[str] | None = None) -> None:
    """Rebuild the summary rows of `districts` (None: every district) of one campaign, inside
    the caller's transaction. Pass every district touched by the change (module docstring)."""
    cat = metrics.load_catalogue(conn)
    all_districts = sorted(conn.execute(sa.select(schema.districts.c.code)).scalars())
    chosen = all_districts if districts is None else sorted(set(districts))
    for table in SUMMARY_TABLES:
        stmt = sa.delete(table).where(table.c.campaign_id == campaign_id)
        if districts is not None:
            stmt = stmt.where(table.c.district_code.in_(chosen))
        conn.execute(stmt)
    submitted = _submitted(conn, campaign_id)
    for chunk in _chunks(conn, campaign_id, chosen):
        whole = districts is None and len(chunk) == len(all_districts)
        base = read_base(conn, campaign_id, None if whole else chunk, catalogue=cat)
        profile, records = profile_frame(base), records_frame(base)
        for table, frame in (
            (schema.summary_profile, profile),
            (schema.summary_records, records),
            (schema.summary_profile_district, profile_district_frame(profile)),
            (schema.summary_records_district, records_district_frame(records)),
            (schema.summary_totals, totals_frame(profile, records, cat)),
            (schema.summary_reach_day, day_frame(base)),
            (schema.summary_reporting, reporting_frame(base, submitted)),
        ):
            rows = _to_rows(frame, campaign_id)
            if rows:
                conn.execute(table.insert(), rows)
