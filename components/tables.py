"""Tables as shown on screen (and exported exactly so): labelled columns, coverage as "83.4%"
or "—", rows in the same order as the chart beside them. Pure: no streamlit here."""

from __future__ import annotations

import html

import pandas as pd

from warmth import formatting, i18n, queries
from warmth.figures.charts import label, names

# The figures of a coverage row, in the core's order (queries.COVERAGE_COLUMNS minus the names).
COVERAGE_COLUMNS = tuple(queries.COVERAGE_COLUMNS[3:])

# The builders components.figures.table caches by name.
BUILDERS = (
    "coverage_table",
    "measure_table",
    "pacing_table",
    "people_table",
    "department_table",
    "category_programmes",
    "timeline_table",
)

# Per programme: reach and money, and the repeats that are usually errors.
PROGRAMME_COLUMNS = (
    "eligible",
    "reached",
    "coverage",
    "records",
    "amount_yuan",
    "repeat_beneficiaries",
    "repeat_records",
)


def coverage_table(
    df: pd.DataFrame,
    *,
    by: str,
    lang: str,
    columns: tuple[str, ...] = COVERAGE_COLUMNS,
    sort: bool = True,
    extra: tuple[str, ...] = (),
    code: bool = True,
) -> pd.DataFrame:
    """One row per district / street / category / programme / department with the figures
    of the coverage query, labelled in lang. Sorted like coverage_bar (highest first).
    code: a column of the codes after the names."""
    d = df.assign(_name=names(df, lang).to_numpy())
    if sort:
        d = d.sort_values(
            ["coverage", "_name"], ascending=[False, True], na_position="last", kind="mergesort"
        )
    out = pd.DataFrame({i18n.t(f"dash_col_{by}", lang): d["_name"].to_numpy()})
    if code:
        out[i18n.t("dash_col_code", lang)] = d["key"].astype(str).to_numpy()
    for col in extra:
        out[label(col, lang)] = d[col].to_numpy()
    for col in columns:
        if col not in d:
            continue
        if col == "coverage":
            out[label(col, lang)] = [formatting.percent(v, lang) for v in d[col]]
        elif col == "amount_yuan":
            out[label(col, lang)] = d[col].astype(float).round(2).to_numpy()
        else:
            out[label(col, lang)] = d[col].astype("Int64").to_numpy()
    return out.reset_index(drop=True)


def measure_table(
    df: pd.DataFrame, *, by: str, measures: tuple[str, ...], lang: str, sort_by: str | None = None
) -> pd.DataFrame:
    """A plain labelled table of some measures per row (sorted by sort_by, descending)."""
    d = df.assign(_name=names(df, lang).to_numpy())
    if sort_by:
        d = d.sort_values([sort_by, "_name"], ascending=[False, True], kind="mergesort")
    out = pd.DataFrame({i18n.t(f"dash_col_{by}", lang): d["_name"].to_numpy()})
    if "key" in d:
        out[i18n.t("dash_col_code", lang)] = d["key"].astype(str).to_numpy()
    for col in measures:
        out[label(col, lang)] = d[col].to_numpy()
    return out.reset_index(drop=True)


def pacing_table(df: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """The pacing series: day, reached, eligible, share reached and share expected."""
    d = df.sort_values("day")
    return pd.DataFrame(
        {
            i18n.t("dash_col_day", lang): pd.to_datetime(d["day"]).dt.date.to_numpy(),
            label("reached", lang): d["reached"].astype("Int64").to_numpy(),
            label("eligible", lang): d["eligible"].astype("Int64").to_numpy(),
            i18n.t("dash_chart_reached_share", lang): [
                formatting.percent(v, lang) for v in d["share"]
            ],
            i18n.t("dash_chart_expected_share", lang): [
                formatting.percent(v, lang) for v in d["expected"]
            ],
        }
    )


PEOPLE_COLUMNS = ("id_number", "name", "categories", "reached", "programmes", "amount_yuan")


def _named_codes(values: pd.Series, names: dict[str, str], lang: str) -> pd.Series:
    return values.fillna("").map(
        lambda v: formatting.join((names.get(c, c) for c in str(v).split(";") if c), lang)
    )


def people_table(
    df: pd.DataFrame, *, lang: str, names: dict[str, dict[str, str]] | None = None
) -> pd.DataFrame:
    """A people list as shown: masked ID and name (masking is done by warmth.worklists),
    category and programme codes as names, reached as 是/否 (yes/no), labelled in lang."""
    names = names or {}
    out = pd.DataFrame()
    for col in PEOPLE_COLUMNS:
        if col not in df:
            continue
        values = df[col]
        if col in names:
            values = _named_codes(values, names[col], lang)
        if col == "reached":
            values = values.map(lambda v: i18n.t("dash_yes" if v else "dash_no", lang))
        key = "amount_yuan" if col == "amount_yuan" else f"person_{col}"
        out[label(key, lang)] = values.to_numpy()
    return out


LEAD_DEPARTMENT = "MZ"  # civil affairs leads and coordinates (民政牵头)


def department_table(
    df: pd.DataFrame, *, lang: str, order: list[str] | None = None
) -> pd.DataFrame:
    """Every department in the notice's order, the lead marked, and whether it has reported
    any record (a department with none is shown as not reporting, never dropped)."""
    d = df.copy()
    if order:
        rank = {k: i for i, k in enumerate(order)}
        d = d.assign(_rank=d["key"].map(rank).fillna(len(rank))).sort_values("_rank")
    lead = i18n.t("dash_lead", lang)
    d["name_zh"] = d["name_zh"].where(d["key"] != LEAD_DEPARTMENT, d["name_zh"] + f"（{lead}）")
    if "name_en" in d:
        d["name_en"] = d["name_en"].where(d["key"] != LEAD_DEPARTMENT, d["name_en"] + f" ({lead})")
    out = coverage_table(
        d,
        by="department",
        lang=lang,
        sort=False,
        columns=COVERAGE_COLUMNS[: COVERAGE_COLUMNS.index("repeat_records") + 1],
    )
    status = [
        i18n.t("dash_reporting" if r > 0 else "dash_not_reporting", lang)
        for r in d["records"].fillna(0)
    ]
    out.insert(2, i18n.t("dash_col_status", lang), status)
    return out


def category_programmes(
    by_category: pd.DataFrame,
    programmes: pd.DataFrame,
    departments: dict[str, str],
    *,
    lang: str,
) -> pd.DataFrame:
    """Per category: unit, coverage, omitted and the programmes (with their department) that
    serve it, from the programmes reference table's `categories` column."""
    serving: dict[str, list[str]] = {}
    rows = zip(
        names(programmes, lang),
        programmes["department_code"],
        programmes["categories"].fillna(""),
        strict=True,
    )
    for name, dept_code, cats in rows:
        dept = departments.get(dept_code, dept_code)
        for cat in str(cats).split(";"):
            if cat:
                serving.setdefault(cat, []).append(
                    f"{name}（{dept}）" if lang == "zh" else f"{name} ({dept})"
                )
    out = coverage_table(
        by_category,
        by="category",
        lang=lang,
        columns=("eligible", "reached", "coverage", "omitted"),
    )
    codes = out[i18n.t("dash_col_code", lang)]
    units = dict(zip(by_category["key"].astype(str), by_category.get("unit", ""), strict=True))
    out.insert(
        2,
        i18n.t("dash_col_unit", lang),
        [
            i18n.t(f"dash_unit_{units.get(c)}", lang)
            if units.get(c) in ("person", "household")
            else ""
            for c in codes
        ],
    )
    out[i18n.t("dash_col_served_by", lang)] = [
        "；".join(serving.get(c, [])) if lang == "zh" else "; ".join(serving.get(c, []))
        for c in codes
    ]
    return out


def timeline_table(df: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """The daily series by department: day, department, records, amount, newly reached."""
    d = df.assign(_name=names(df, lang).to_numpy()).sort_values(["day", "key"])
    return pd.DataFrame(
        {
            i18n.t("dash_col_day", lang): pd.to_datetime(d["day"]).dt.date.to_numpy(),
            i18n.t("dash_col_department", lang): d["_name"].to_numpy(),
            i18n.t("dash_col_code", lang): d["key"].astype(str).to_numpy(),
            label("records", lang): d["records"].astype("Int64").to_numpy(),
            label("amount_yuan", lang): d["amount_yuan"].astype(float).round(2).to_numpy(),
            i18n.t("dash_col_newly_reached", lang): d["newly_reached"].astype("Int64").to_numpy(),
        }
    )


def markdown_table(df: pd.DataFrame) -> str:
    """A few rows as a Markdown table (numbers right-aligned, whole numbers with thousands
    separators, missing as "—"; text HTML-escaped, so the table may sit in raw HTML): drawn as
    plain HTML, where a data grid would load its own code and draw a canvas."""
    numeric = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]

    def text(value: object) -> str:
        return html.escape(str(value), quote=False).replace("|", "\\|").replace("\n", " ")

    def cell(value: object, is_number: bool) -> str:
        if is_number:
            if pd.isna(value):
                return formatting.DASH
            number = float(value)
            return formatting.integer(number) if number.is_integer() else f"{number:,.2f}"
        return text(value)

    head = "| " + " | ".join(text(c) for c in df.columns) + " |"
    rule = "|" + "|".join("---:" if n else ":---" for n in numeric) + "|"
    rows = [
        "| " + " | ".join(cell(v, n) for v, n in zip(row, numeric, strict=True)) + " |"
        for row in df.itertuples(index=False, name=None)
    ]
    return "\n".join([head, rule, *rows])
