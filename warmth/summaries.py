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

`refresh(conn, campaign_id, districts)` rebuilds the rows of the given districts inside the
caller's transaction. A change to one ID number's registration or records can move rows of
every district that registered it or delivered to it, so callers pass the set of districts
*touched*: the registered district of every ID number whose registration or records changed,
and the delivering district of every record added or removed (`touched_districts` gives the
current ones for a set of ID numbers). None rebuilds every district.

`base(...)` computes the same frames straight from the base tables (optionally only records
dated up to `as_of` and of some forms): the queries' exact slow path uses it.
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


@dataclass
class Base:
    """Per-record and per-person frames for a set of districts, straight from base tables."""

    records: pd.DataFrame  # one row per aid record, with attribution and rank
    persons: pd.DataFrame  # one row per ID number (index), with masks and attribution
    districts: set[str] | None  # the districts whose rows are wanted (None: all)
    catalogue: metrics.Catalogue


def _frame(conn: sa.Connection, query, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(conn.execute(query).all(), columns=columns)


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
    b, bc, r = schema.beneficiaries, schema.beneficiary_categories, schema.aid_records
    district_codes = set(conn.execute(sa.select(schema.districts.c.code)).scalars())
    wanted = None if districts is None else set(districts)
    ids = None
    if wanted is not None:
        ds = sorted(wanted)
        union = sa.union(
            sa.select(b.c.id_number).where(
                b.c.campaign_id == campaign_id, b.c.district_code.in_(ds)
            ),
            sa.select(r.c.id_number).where(
                r.c.campaign_id == campaign_id,
                sa.or_(
                    r.c.district_code.in_(ds),
                    sa.and_(r.c.district_code.is_(None), r.c.submitter.in_(ds)),
                ),
            ),
        ).subquery()
        ids = sa.select(union.c.id_number)

    bit_of = {code: 1 << int(bit) for code, bit in cat.cat_bit.items()}
    cat_value = sa.case(bit_of, value=bc.c.category_code, else_=0) if bit_of else sa.literal(0)
    people_q = (
        sa.select(
            b.c.id_number,
            b.c.district_code,
            b.c.street_code,
            sa.func.coalesce(sa.func.sum(cat_value), 0),
        )
        .select_from(b.outerjoin(bc, bc.c.beneficiary_id == b.c.id))
        .where(b.c.campaign_id == campaign_id)
        .group_by(b.c.id, b.c.id_number, b.c.district_code, b.c.street_code)
    )
    rec_q = sa.select(
        r.c.id,
        r.c.id_number,
        r.c.programme_code,
        r.c.amount_fen,
        r.c.form,
        sa.cast(r.c.date, sa.String),
        r.c.district_code,
        r.c.submitter,
        r.c.batch_id,
    ).where(r.c.campaign_id == campaign_id)
    if ids is not None:
        people_q = people_q.where(b.c.id_number.in_(ids))
        rec_q = rec_q.where(r.c.id_number.in_(ids))
    if as_of is not None:
        rec_q = rec_q.where(r.c.date <= as_of)
    if forms is not None:
        rec_q = rec_q.where(r.c.form.in_(sorted(set(forms))))
    people = _frame(conn, people_q, ["id_number", "home", "street", "cat_mask"])
    rec = _frame(
        conn,
        rec_q,
        [
            "rec_id",
            "id_number",
            "programme_code",
            "amount_fen",
            "form",
            "day",
            "deliver",
            "submitter",
            "batch_id",
        ],
    )
    rec["day"] = rec["day"].astype(str).str.slice(0, 10)
    people["cat_mask"] = people["cat_mask"].astype("int64")
    rec = rec.merge(people, on="id_number", how="left")
    registered = rec["home"].notna()
    rec["cat_mask"] = rec["cat_mask"].fillna(0).astype("int64")
    rec["pbit"] = rec["programme_code"].map(cat.prog_bit).astype("int64")
    rec["bit"] = np.int64(1) << rec["pbit"].to_numpy(dtype="int64")
    rec["serves"] = rec["pbit"].map(lambda p: cat.serves.get(int(p), 0)).astype("int64")
    rec["matching"] = registered & ((rec["serves"] & rec["cat_mask"]) != 0)
    submitter_district = rec["submitter"].where(rec["submitter"].isin(district_codes))
    deliver = rec["deliver"].fillna(rec["home"]).fillna(submitter_district)
    rec["att"] = rec["home"].where(rec["matching"], deliver)
    rec["att_street"] = rec["street"].where(rec["att"] == rec["home"])
    rec["department"] = rec["programme_code"].map(cat.prog_dept)
    rec["need"] = rec["pbit"].map(cat.bit_need)
    rec = rec.sort_values(["id_number", "day", "rec_id"], kind="stable").reset_index(drop=True)
    rec["rank"] = rec.groupby(["id_number", "pbit"]).cumcount()

    persons = people.set_index("id_number")[["home", "street", "cat_mask"]]
    unregistered = pd.Index(rec.loc[~rec["matching"] & rec["home"].isna(), "id_number"].unique())
    persons = pd.concat(
        [
            persons,
            pd.DataFrame(
                {"home": None, "street": None, "cat_mask": 0},
                index=unregistered.difference(persons.index),
            ),
        ]
    )
    persons["registered"] = persons["home"].notna()
    firsts = rec.loc[rec["matching"]].drop_duplicates(["id_number", "pbit"])
    persons["reach_mask"] = _or_bits(firsts, persons.index)
    persons["repeat_mask"] = _or_bits(rec.loc[rec["rank"] == 1], persons.index)
    leaking = rec.loc[~rec["matching"]]
    persons["leak_mask"] = _or_bits(leaking.drop_duplicates(["id_number", "pbit"]), persons.index)
    persons["leak_att"] = (
        leaking.drop_duplicates("id_number").set_index("id_number")["att"].reindex(persons.index)
    )
    return Base(rec, persons, wanted, cat)


def _or_bits(rows: pd.DataFrame, index: pd.Index) -> pd.Series:
    """OR of the programme bits per ID number (rows hold distinct (ID, programme) pairs)."""
    got = rows.groupby("id_number")["bit"].sum()
    return got.reindex(index, fill_value=0).astype("int64")


def _keep(frame: pd.DataFrame, base: Base, column: str = "district_code") -> pd.DataFrame:
    frame = frame.loc[frame[column].notna()]
    if base.districts is not None:
        frame = frame.loc[frame[column].isin(base.districts)]
    return frame


def profile_frame(base: Base) -> pd.DataFrame:
    """summary_profile rows: distinct profiles with their count `n`."""
    p = base.persons
    reg = p.loc[p["registered"]]
    own = pd.DataFrame(
        {
            "district_code": reg["home"],
            "street_code": reg["street"],
            "eligible": True,
            "cat_mask": reg["cat_mask"],
            "reach_mask": reg["reach_mask"],
            "repeat_mask": reg["repeat_mask"],
            "leak_mask": reg["leak_mask"].where(reg["leak_att"] == reg["home"], 0),
        }
    )
    away = reg.loc[(reg["leak_mask"] != 0) & (reg["leak_att"] != reg["home"])]
    unreg = p.loc[~p["registered"]]
    others = pd.DataFrame(
        {
            "district_code": pd.concat([away["leak_att"], unreg["leak_att"]]),
            "street_code": None,
            "eligible": False,
            "cat_mask": 0,
            "reach_mask": 0,
            "repeat_mask": pd.concat([away["repeat_mask"] * 0, unreg["repeat_mask"]]),
            "leak_mask": pd.concat([away["leak_mask"], unreg["leak_mask"]]),
        }
    )
    rows = _keep(pd.concat([own, others], ignore_index=True), base)
    if rows.empty:
        return pd.DataFrame(columns=[*PROFILE_KEYS, "n"])
    out = rows.groupby(PROFILE_KEYS, dropna=False).size().reset_index(name="n")
    for c in ("cat_mask", "reach_mask", "repeat_mask", "leak_mask", "n"):
        out[c] = out[c].astype("int64")
    out["eligible"] = out["eligible"].astype(bool)
    return out


def records_frame(base: Base) -> pd.DataFrame:
    """summary_records rows."""
    rec = base.records.rename(columns={"att": "district_code", "att_street": "street_code"})
    rec = _keep(rec, base)
    cols = [*RECORD_KEYS, "records", "repeat_records", "amount_fen"]
    if rec.empty:
        return pd.DataFrame(columns=cols)
    rec = rec.assign(records=1, repeat_records=(rec["rank"] >= 1).astype("int64"))
    out = (
        rec.groupby(RECORD_KEYS, dropna=False)[["records", "repeat_records", "amount_fen"]]
        .sum()
        .reset_index()
    )
    out["matching"] = out["matching"].astype(bool)
    return out[cols]


def _category_rows(rows: pd.DataFrame, masks: np.ndarray, cat: metrics.Catalogue) -> pd.DataFrame:
    """Repeat rows once per category bit set in `masks`, keyed by the category code."""
    parts = []
    for code, bit in cat.cat_bit.items():
        hit = (masks >> int(bit)) & 1 == 1
        if hit.any():
            parts.append(rows.loc[hit].assign(slice_key=code))
    if not parts:
        return rows.iloc[0:0].assign(slice_key=pd.Series(dtype=str))
    return pd.concat(parts, ignore_index=True)


def _slices(events: pd.DataFrame, cat: metrics.Catalogue, cat_masks: np.ndarray) -> pd.DataFrame:
    """First day per (ID, slice) of events given per (ID, programme): columns id_number,
    programme_code, department, day -> id_number, slice_kind, slice_key, day."""
    cols = ["id_number", "slice_kind", "slice_key", "day"]
    if events.empty:
        return pd.DataFrame(columns=cols)
    everyone = (
        events.groupby("id_number", as_index=False)["day"]
        .min()
        .assign(slice_kind="all", slice_key="all")
    )
    prog = events.assign(slice_kind="programme", slice_key=events["programme_code"])
    prog = prog.groupby(["id_number", "slice_key"], as_index=False)["day"].min()
    prog["slice_kind"] = "programme"
    dept = events.groupby(["id_number", "department"], as_index=False)["day"].min()
    dept = dept.rename(columns={"department": "slice_key"}).assign(slice_kind="department")
    cats = _category_rows(events[["id_number", "day"]], cat_masks, cat)
    cats = cats.groupby(["id_number", "slice_key"], as_index=False)["day"].min()
    cats["slice_kind"] = "category"
    return pd.concat([everyone[cols], prog[cols], dept[cols], cats[cols]], ignore_index=True)


def day_frame(base: Base) -> pd.DataFrame:
    """summary_reach_day rows: per day and slice, people newly reached / repeated /
    overlapping / leaking, and the day's records, repeat records and amount."""
    rec, p, cat = base.records, base.persons, base.catalogue
    home_d = p["home"].where(p["registered"], p["leak_att"])
    home_s = p["street"].where(p["registered"])
    leak_s = p["street"].where(p["leak_att"] == p["home"])

    firsts = rec.loc[rec["matching"]].drop_duplicates(["id_number", "pbit"])
    reach = _slices(firsts, cat, (firsts["serves"] & firsts["cat_mask"]).to_numpy(dtype="int64"))
    seconds = rec.loc[rec["rank"] == 1]
    repeat = _slices(
        seconds, cat, (seconds["serves"] & seconds["cat_mask"]).to_numpy(dtype="int64")
    )
    leaks = rec.loc[~rec["matching"]].drop_duplicates(["id_number", "pbit"])
    leak = _slices(leaks, cat, leaks["serves"].to_numpy(dtype="int64"))
    pair_cols = ["id_number", "need", "programme_code", "department", "day", "serves", "cat_mask"]
    pairs = firsts[pair_cols].merge(
        firsts[pair_cols], on=["id_number", "need"], suffixes=("", "_b")
    )
    pairs = pairs.loc[pairs["department"] != pairs["department_b"]]
    pairs = pairs.assign(day=pairs["day"].where(pairs["day"] >= pairs["day_b"], pairs["day_b"]))
    overlap = _slices(
        pairs,
        cat,
        (pairs["serves"] & pairs["serves_b"] & pairs["cat_mask"]).to_numpy(dtype="int64"),
    )

    parts = []
    for name, events, district, street in (
        ("newly_reached", reach, home_d, home_s),
        ("newly_repeat", repeat, home_d, home_s),
        ("newly_overlap", overlap, home_d, home_s),
        ("newly_leakage", leak, p["leak_att"], leak_s),
    ):
        if events.empty:
            continue
        ev = events.assign(
            district_code=events["id_number"].map(district),
            street_code=events["id_number"].map(street),
        )
        ev = _keep(ev, base)
        parts.append(ev.groupby(DAY_KEYS, dropna=False).size().rename(name))

    r = rec.rename(columns={"att": "district_code", "att_street": "street_code"})
    r = _keep(r, base)
    if not r.empty:
        r = r.assign(records=1, repeat_records=(r["rank"] >= 1).astype("int64"))
        cols = ["district_code", "street_code", "day", "records", "repeat_records", "amount_fen"]
        framed = []
        framed.append(r[cols].assign(slice_kind="all", slice_key="all"))
        framed.append(r[cols].assign(slice_kind="programme", slice_key=r["programme_code"]))
        framed.append(r[cols].assign(slice_kind="department", slice_key=r["department"]))
        m = r.loc[r["matching"]]
        framed.append(
            _category_rows(
                m[cols], (m["serves"] & m["cat_mask"]).to_numpy(dtype="int64"), cat
            ).assign(slice_kind="category")
        )
        allrec = pd.concat(framed, ignore_index=True)
        parts.append(
            allrec.groupby(DAY_KEYS, dropna=False)[
                ["records", "repeat_records", "amount_fen"]
            ].sum()
        )
    if not parts:
        return pd.DataFrame(columns=[*DAY_KEYS, *DAY_VALUES])
    out = pd.concat(parts, axis=1).fillna(0).reset_index()
    for c in DAY_VALUES:
        if c not in out:
            out[c] = 0
        out[c] = out[c].astype("int64")
    return out[[*DAY_KEYS, *DAY_VALUES]]


def reporting_frame(base: Base, submitted: dict[int, str]) -> pd.DataFrame:
    """summary_reporting rows: per attribution district and department."""
    r = base.records.rename(columns={"att": "district_code", "department": "department_code"})
    r = _keep(r, base)
    cols = [
        "district_code",
        "department_code",
        "records",
        "amount_fen",
        "last_date",
        "last_submitted",
    ]
    if r.empty:
        return pd.DataFrame(columns=cols)
    r = r.assign(records=1, submitted=r["batch_id"].map(submitted))
    out = r.groupby(["district_code", "department_code"]).agg(
        records=("records", "sum"),
        amount_fen=("amount_fen", "sum"),
        last_date=("day", "max"),
        last_submitted=("submitted", "max"),
    )
    return out.reset_index()[cols]


def _submitted(conn: sa.Connection, campaign_id: int) -> dict[int, str]:
    ib = schema.import_batches
    rows = conn.execute(
        sa.select(ib.c.id, ib.c.submitted_at).where(ib.c.campaign_id == campaign_id)
    ).all()
    return {i: at.date().isoformat() for i, at in rows if at is not None}


def _to_rows(frame: pd.DataFrame, campaign_id: int, dates: tuple[str, ...] = ()) -> list[dict]:
    if frame.empty:
        return []
    out = frame.astype(object).where(frame.notna(), None)
    rows = out.to_dict("records")
    for row in rows:
        row["campaign_id"] = campaign_id
        for k, v in row.items():
            if isinstance(v, np.integer):
                row[k] = int(v)
            elif isinstance(v, np.bool_):
                row[k] = bool(v)
        for k in dates:
            if row[k] is not None:
                row[k] = date.fromisoformat(row[k])
    return rows


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
    schema.summary_reach_day,
    schema.summary_reporting,
)


CHUNK_PEOPLE = 400_000  # registered beneficiaries read at once (bounds memory)


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
        for table, frame, dates in (
            (schema.summary_profile, profile_frame(base), ()),
            (schema.summary_records, records_frame(base), ()),
            (schema.summary_reach_day, day_frame(base), ("day",)),
            (
                schema.summary_reporting,
                reporting_frame(base, submitted),
                ("last_date", "last_submitted"),
            ),
        ):
            rows = _to_rows(frame, campaign_id, dates)
            if rows:
                conn.execute(table.insert(), rows)
