"""Every figure the dashboard shows, defined once (see DEFINITIONS.md in the domain folder).

The figures are computed on *profiles*: one row per distinct combination of a person's
district, street, categories (cat_mask) and programme bit sets (reach_mask, repeat_mask,
leak_mask), with `n` ID numbers sharing it. The same functions run on profiles read from the
summary tables and on profiles computed straight from the base tables, so both paths agree.

A figure is asked for a *slice*: the programmes that count (`programmes`, a bit mask: the
viewer's departments and programmes, narrowed to one programme, one department's or the
programmes serving one category) and, when the slice is a category or the viewer picked
categories, the categories that count (`categories`, a bit mask; None = no restriction).

Units: a person-unit category counts persons and a household-unit category counts
households; one register row (one ID number) is one beneficiary either way, so every count
below is "beneficiaries", each in the unit of their category (`Definition.unit`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import sqlalchemy as sa

from warmth import schema
from warmth.definition import QUALITY, STANDARD, Definition

ALL = (1 << 62) - 1  # every bit: "no restriction"


DEFINITIONS: dict[str, Definition] = (
    {
        d.key: d
        for d in (
            Definition(
                "eligible",
                "应帮对象",
                "Eligible",
                "切片内登记在册的不重复对象数（按户或按人，依对象类别）。",
                "Distinct registered beneficiaries in the slice (households or persons, per category).",
                "beneficiary",
            ),
            Definition(
                "reached",
                "已帮对象",
                "Reached",
                "应帮对象中至少有一条相符记录（项目服务其所属类别）的人数；设定截止日期时只计该日及以前的记录。",
                "Eligible beneficiaries with at least one matching record (a programme that "
                "serves one of their categories), dated up to the cut-off date if one is set.",
                "beneficiary",
            ),
            Definition(
                "coverage",
                "覆盖率",
                "Coverage",
                "已帮对象 ÷ 应帮对象；应帮对象为 0 时无定义（显示“—”，不是 0%）。",
                "Reached ÷ eligible; undefined (shown as “—”, never 0 %) when eligible is 0.",
                "share",
            ),
            Definition(
                "omitted",
                "遗漏对象",
                "Omitted",
                "应帮对象 − 已帮对象：没有被任何对口项目帮到的登记对象。",
                "Eligible − reached: registered beneficiaries no programme meant for them has reached.",
                "beneficiary",
            ),
            Definition(
                "records",
                "发放记录",
                "Records",
                "切片内的全部发放记录（相符与否）。不相符的记录计入发放区县。",
                "All aid records in the slice, matching or not. Non-matching records count "
                "under the delivering district.",
                "record",
            ),
            Definition(
                "amount_yuan",
                "发放金额（元）",
                "Amount (yuan)",
                "切片内全部发放记录金额之和，单位：元。",
                "Sum of the amounts of all records in the slice, in yuan.",
                "yuan",
            ),
            Definition(
                "repeat_beneficiaries",
                "重复发放对象",
                "Repeat beneficiaries",
                "同一项目有两条及以上记录的不重复身份证号数（多为重复录入或重复发放，需核查）。",
                "Distinct ID numbers with two or more records of the same programme (usually "
                "double entry or double payment: check).",
                "beneficiary",
            ),
            Definition(
                "repeat_records",
                "重复记录",
                "Repeat records",
                "每个（对象，项目）第一条以外的记录数。",
                "Records beyond the first per (beneficiary, programme).",
                "record",
            ),
            Definition(
                "overlap_beneficiaries",
                "多头帮扶对象",
                "Overlap beneficiaries",
                "同一需要由两个及以上不同部门的项目相符帮扶的不重复对象数（常属合理衔接，供核查）。",
                "Distinct beneficiaries with matching records from programmes of two or more "
                "departments serving the same need (often legitimate: for review).",
                "beneficiary",
            ),
            Definition(
                "leakage_beneficiaries",
                "错保对象",
                "Leakage",
                "至少有一条不相符记录（未登记，或项目不服务其任何类别）的不重复身份证号数，计入发放区县。",
                "Distinct ID numbers with at least one non-matching record (not on the register, "
                "or the programme serves none of their categories); counted under the "
                "delivering district.",
                "beneficiary",
            ),
            Definition(
                "pacing",
                "进度",
                "Pacing",
                "覆盖率对比时间进度：第 d 天应完成 (d − 开始) ÷ (春节 − 开始)；覆盖率低于应完成减 10 个百分点为落后。",
                "Coverage against time elapsed: expected on day d = (d − start) ÷ (Spring "
                "Festival − start); behind when coverage < expected − 10 points.",
                "share",
            ),
        )
    }
    | STANDARD
    | QUALITY
)  # the standard indicators and the scorecard (warmth.definition)

BAND_COLOURS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828", None: "#9e9e9e"}


def coverage(reached: float, eligible: float) -> float | None:
    """Coverage = reached / eligible (a fraction, 0–1); None when eligible is 0 (never 0)."""
    if eligible is None or reached is None:
        return None
    if isinstance(eligible, float) and math.isnan(eligible):
        return None
    if eligible == 0:
        return None
    return reached / eligible


def coverage_series(reached: pd.Series, eligible: pd.Series) -> pd.Series:
    """Coverage per row as floats, NaN where eligible is 0."""
    e = eligible.astype("float64")
    return (reached.astype("float64") / e.where(e > 0)).astype("float64")


def omitted(eligible: int, reached: int) -> int:
    """Omitted = eligible − reached: eligible beneficiaries that no programme meant for them
    reached (no denominator; unit: beneficiaries, households or persons per category)."""
    return eligible - reached


def amount_yuan(fen: int) -> float:
    """Amount in yuan from integer fen (1 yuan = 100 fen): the sum of all records' amounts
    in the slice, matching or not (no denominator; unit: yuan)."""
    return fen / 100


def band(value: float | None) -> str | None:
    """Colour band of a coverage: >= 0.80 green, 0.50–0.7999 amber, < 0.50 red, None if undefined."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value >= 0.80:
        return "green"
    if value >= 0.50:
        return "amber"
    return "red"


def expected_share(day: date, start: date, end: date) -> float:
    """Share of the campaign window elapsed on `day`: (day − start) / (end − start), in 0–1."""
    span = (end - start).days
    if span <= 0:
        return 1.0
    return min(1.0, max(0.0, (day - start).days / span))


def pacing_status(value: float | None, expected: float | None) -> str | None:
    """ "behind" when coverage < expected − 0.10, "on_track" otherwise, None when undefined."""
    if value is None or expected is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return "behind" if value < expected - 0.10 else "on_track"


# --- the catalogue: which programme serves which categories, department and need -----------


@dataclass
class Catalogue:
    """Reference data as bit masks (read once per query from the small reference tables)."""

    categories: pd.DataFrame  # code, name_zh, name_en, unit, bit
    programmes: pd.DataFrame  # code, department_code, name_zh, name_en, form, need, bit
    departments: pd.DataFrame  # code, name_zh, name_en, sort_order
    serves: dict[int, int] = field(default_factory=dict)  # programme bit -> category mask
    _allowed: dict[int, int] = field(default_factory=dict)
    _overlap: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cat_bit = dict(zip(self.categories.code, self.categories.bit, strict=True))
        self.prog_bit = dict(zip(self.programmes.code, self.programmes.bit, strict=True))
        self.prog_dept = dict(
            zip(self.programmes.code, self.programmes.department_code, strict=True)
        )
        self.bit_dept = dict(zip(self.programmes.bit, self.programmes.department_code, strict=True))
        self.bit_need = dict(zip(self.programmes.bit, self.programmes.need, strict=True))
        self.all_programmes = sum(1 << int(b) for b in self.programmes.bit)
        self.all_categories = sum(1 << int(b) for b in self.categories.bit)
        self.need_mask: dict[str, int] = {}
        for b, need in self.bit_need.items():
            self.need_mask[need] = self.need_mask.get(need, 0) | (1 << int(b))

    def serves_array(self) -> np.ndarray:
        """Category mask served, indexed by programme bit."""
        out = np.zeros(64, dtype="int64")
        for b, cats in self.serves.items():
            out[b] = cats
        return out

    def category_mask(self, codes) -> int:
        return sum(1 << int(self.cat_bit[c]) for c in set(codes) if c in self.cat_bit)

    def programme_mask(self, codes) -> int:
        return sum(1 << int(self.prog_bit[c]) for c in set(codes) if c in self.prog_bit)

    def department_mask(self, departments) -> int:
        wanted = set(departments)
        return self.programme_mask(c for c, d in self.prog_dept.items() if d in wanted)

    def served_categories(self, programme_mask: int) -> int:
        """Categories served by any programme of the mask."""
        out = 0
        for b, cats in self.serves.items():
            if programme_mask >> b & 1:
                out |= cats
        return out

    def serving(self, category_mask: int) -> int:
        """Programmes serving any category of the mask."""
        return sum(1 << b for b, cats in self.serves.items() if cats & category_mask)

    def allowed(self, category_mask: int) -> int:
        """Programmes whose records match a person of these categories (cached)."""
        got = self._allowed.get(category_mask)
        if got is None:
            got = self._allowed[category_mask] = self.serving(category_mask)
        return got

    def overlapping(self, reach: int) -> int:
        """The programmes of `reach` that meet a need also met by another department's
        programme in `reach` (cached)."""
        got = self._overlap.get(reach)
        if got is None:
            got = 0
            for mask in self.need_mask.values():
                m = reach & mask
                if m and len({self.bit_dept[b] for b in _bits(m)}) >= 2:
                    got |= m
            self._overlap[reach] = got
        return got


def _bits(mask: int) -> list[int]:
    return [b for b in range(mask.bit_length()) if mask >> b & 1]


_HELD = "warmth.metrics.catalogue"  # the key of a held Catalogue in a connection's info


@contextmanager
def catalogue_held(conn: sa.Connection) -> Iterator[Catalogue]:
    """Within the block, load_catalogue(conn) returns one Catalogue, read at its start: for a
    reader that asks many figures of one request in one go (a briefing asks a dozen), where
    the reference tables are not written meanwhile. Nested blocks share the outer one's."""
    if _HELD in conn.info:
        yield conn.info[_HELD]
        return
    conn.info[_HELD] = held = load_catalogue(conn)
    try:
        yield held
    finally:
        conn.info.pop(_HELD, None)


def load_catalogue(conn: sa.Connection) -> Catalogue:
    """The reference tables as a Catalogue (the held one inside catalogue_held)."""
    if _HELD in conn.info:
        return conn.info[_HELD]
    cats = pd.DataFrame(
        conn.execute(
            sa.select(
                schema.categories.c.code,
                schema.categories.c.name_zh,
                schema.categories.c.name_en,
                schema.categories.c.unit,
                schema.categories.c.bit,
            ).order_by(schema.categories.c.code)
        ).all(),
        columns=["code", "name_zh", "name_en", "unit", "bit"],
    )
    p = schema.programmes
    progs = pd.DataFrame(
        conn.execute(
            sa.select(
                p.c.code, p.c.department_code, p.c.name_zh, p.c.name_en, p.c.form, p.c.need, p.c.bit
            ).order_by(p.c.code)
        ).all(),
        columns=["code", "department_code", "name_zh", "name_en", "form", "need", "bit"],
    )
    d = schema.departments
    depts = pd.DataFrame(
        conn.execute(
            sa.select(d.c.code, d.c.name_zh, d.c.name_en, d.c.sort_order).order_by(d.c.code)
        ).all(),
        columns=["code", "name_zh", "name_en", "sort_order"],
    )
    links = conn.execute(
        sa.select(schema.programme_categories.c.programme_code, schema.categories.c.bit).join(
            schema.categories,
            schema.categories.c.code == schema.programme_categories.c.category_code,
        )
    ).all()
    cat = Catalogue(cats, progs, depts)
    for code, cbit in links:
        b = int(cat.prog_bit[code])
        cat.serves[b] = cat.serves.get(b, 0) | (1 << int(cbit))
    return cat


# --- the figures --------------------------------------------------------------------------


@dataclass(frozen=True)
class Slice:
    """What counts in one cell of a table: programmes (bit mask, already narrowed to the
    viewer's departments and programme filter) and categories (mask, None = unrestricted)."""

    programmes: int
    categories: int | None = None
    forms: frozenset[str] | None = None  # records only: the forms that count (None: all)


def _map(values: pd.Series, fn) -> np.ndarray:
    """fn applied to each distinct int of a column (masks repeat a lot)."""
    arr = values.to_numpy(dtype="int64")
    uniq, inverse = np.unique(arr, return_inverse=True)
    mapped = np.array([fn(int(u)) for u in uniq], dtype="int64")
    return mapped[inverse] if len(arr) else np.zeros(0, dtype="int64")


def _person_categories(profile: pd.DataFrame, sl: Slice) -> np.ndarray:
    cat = profile["cat_mask"].to_numpy(dtype="int64")
    return cat & (ALL if sl.categories is None else sl.categories)


def _allowed(profile: pd.DataFrame, sl: Slice, cat: Catalogue) -> np.ndarray:
    """Per row: the programmes whose records would match this person inside the slice."""
    pc = pd.Series(_person_categories(profile, sl))
    return _map(pc, cat.allowed)


def eligible(profile: pd.DataFrame, sl: Slice, cat: Catalogue) -> np.ndarray:
    """Eligible (boolean per profile row; the count is the sum of `n` where true).

    The denominator of coverage: distinct registered beneficiaries of the slice —
    on the register (their own row, `eligible`), in a category that the slice's programmes
    serve and, when the slice restricts categories, in one of those categories.
    Unit: beneficiaries (households or persons, per category `unit`)."""
    served = cat.served_categories(sl.programmes)
    return profile["eligible"].to_numpy(dtype=bool) & (
        (_person_categories(profile, sl) & served) != 0
    )


def reached(profile: pd.DataFrame, sl: Slice, cat: Catalogue) -> np.ndarray:
    """Reached (boolean per row): eligible beneficiaries with at least one matching record
    of a programme of the slice that serves one of their categories that count.
    Numerator of coverage. Unit: beneficiaries."""
    reach = profile["reach_mask"].to_numpy(dtype="int64")
    return eligible(profile, sl, cat) & ((reach & sl.programmes & _allowed(profile, sl, cat)) != 0)


def repeat_beneficiaries(profile: pd.DataFrame, sl: Slice, cat: Catalogue) -> np.ndarray:
    """Repeat beneficiaries (boolean per row): distinct ID numbers (registered or not) with
    two or more records of one programme of the slice. When the slice restricts categories,
    only registered beneficiaries in those categories and programmes serving them count.
    Unit: beneficiaries (ID numbers)."""
    rep = profile["repeat_mask"].to_numpy(dtype="int64") & sl.programmes
    if sl.categories is None:
        return rep != 0
    return profile["eligible"].to_numpy(dtype=bool) & ((rep & _allowed(profile, sl, cat)) != 0)


def overlap_beneficiaries(profile: pd.DataFrame, sl: Slice, cat: Catalogue) -> np.ndarray:
    """Overlap beneficiaries (boolean per row): eligible beneficiaries reached by a programme
    of the slice that meets a need also met for them by a programme of another department
    (partners may be outside the viewer's programme filter; inside a category restriction
    both programmes must serve a category that counts). Unit: beneficiaries."""
    reach = profile["reach_mask"].to_numpy(dtype="int64") & _allowed(profile, sl, cat)
    over = _map(pd.Series(reach), cat.overlapping)
    return profile["eligible"].to_numpy(dtype=bool) & ((over & sl.programmes) != 0)


def leakage_beneficiaries(profile: pd.DataFrame, sl: Slice, cat: Catalogue) -> np.ndarray:
    """Leakage (boolean per row): distinct ID numbers with a non-matching record of a
    programme of the slice (inside a category restriction: of a programme serving a category
    that counts), each counted once, under its attribution district (the delivering district
    of its earliest non-matching record). Unit: ID numbers."""
    progs = sl.programmes
    if sl.categories is not None:
        progs &= cat.serving(sl.categories)
    return (profile["leak_mask"].to_numpy(dtype="int64") & progs) != 0


def records_in(records: pd.DataFrame, sl: Slice, cat: Catalogue) -> np.ndarray:
    """Records (boolean per row of a records frame): all records of the slice's programmes,
    matching or not; inside a category restriction, only matching records whose programme
    serves, and whose beneficiary is in, a category that counts; with `forms`, only records
    of those forms (a form filter touches records, not people). Sum `records` for the
    count (unit: records), `amount_fen` / 100 for the amount (unit: yuan) and
    `repeat_records` for records beyond the first per (beneficiary, programme)."""
    if records.empty:
        return np.zeros(0, dtype=bool)
    if "programme_bit" in records:  # with_programme_bits: read once for many slices
        pbit = records["programme_bit"].to_numpy(dtype="int64")
    else:
        pbit = records["programme_code"].map(cat.prog_bit).to_numpy(dtype="int64")
    ok = ((np.int64(1) << pbit) & sl.programmes) != 0
    if sl.categories is not None:
        pc = records["cat_mask"].to_numpy(dtype="int64") & sl.categories
        serves = cat.serves_array()[pbit]
        ok &= records["matching"].to_numpy(dtype=bool) & ((serves & pc) != 0)
    if sl.forms is not None:
        ok &= records["form"].isin(sorted(sl.forms)).to_numpy(dtype=bool)
    return ok


def with_programme_bits(records: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """The records frame with each row's programme bit beside its code (`programme_bit`),
    so that records_in for many slices maps the codes once."""
    return records.assign(programme_bit=records["programme_code"].map(cat.prog_bit))


PERSON_FIGURES = {
    "eligible": eligible,
    "reached": reached,
    "repeat_beneficiaries": repeat_beneficiaries,
    "overlap_beneficiaries": overlap_beneficiaries,
    "leakage_beneficiaries": leakage_beneficiaries,
}


def person_counts(
    profile: pd.DataFrame, sl: Slice, cat: Catalogue, by: list[str] | None = None
) -> pd.DataFrame | dict[str, int]:
    """The person figures of one slice: summed `n`, per group of `by` columns or in total.
    Omitted = eligible − reached (unit: beneficiaries)."""
    n = profile["n"].to_numpy(dtype="int64")
    cols = {k: np.where(f(profile, sl, cat), n, 0) for k, f in PERSON_FIGURES.items()}
    if not by:
        out = {k: int(v.sum()) for k, v in cols.items()}
        out["omitted"] = omitted(out["eligible"], out["reached"])
        return out
    frame = pd.DataFrame(cols)
    for c in by:
        frame[c] = profile[c].to_numpy()
    got = frame.groupby(by, dropna=False).sum().reset_index()
    got["omitted"] = omitted(got["eligible"], got["reached"])
    return got


def record_counts(
    records: pd.DataFrame, sl: Slice, cat: Catalogue, by: list[str] | None = None
) -> pd.DataFrame | dict[str, int]:
    """Records, repeat records and amount (fen) of one slice, per group or in total."""
    cols = ["records", "repeat_records", "amount_fen"]
    ok = records_in(records, sl, cat)
    if not by:  # summed as arrays: a copy of the rows would copy their text columns too
        return {c: int(records[c].to_numpy()[ok].sum()) if len(records) else 0 for c in cols}
    sub = records.loc[ok] if len(records) else records
    return sub.groupby(by, dropna=False)[cols].sum().reset_index()
