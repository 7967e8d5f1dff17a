"""The year-over-year table, the data-quality scorecard and the standard indicators as
shown on screen (and exported exactly so). Pure: no streamlit here."""

from __future__ import annotations

import pandas as pd

from warmth import formatting, i18n
from warmth.figures.charts import label, names
from warmth.years import FIGURES


def _points(value: float | None, lang: str) -> str:
    """A change of a share in percentage points: +2.3 pt / +2.3 个百分点."""
    if value is None or value != value:
        return formatting.DASH
    return i18n.t("years_points", lang, value=f"{value * 100:+.1f}")


def _signed(value: float | None, digits: int = 0) -> str:
    if value is None or value != value:
        return formatting.DASH
    return f"{value:+,.{digits}f}"


def _head(df: pd.DataFrame, by: str, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            i18n.t(f"dash_col_{by}", lang): names(df, lang).to_numpy(),
            i18n.t("dash_col_code", lang): df["key"].astype(str).to_numpy(),
        }
    )


def compare_table(df: pd.DataFrame, *, by: str, lang: str, this: str, before: str) -> pd.DataFrame:
    """Per row: each figure this campaign, the previous one and the change (coverage in
    percentage points), in the order of warmth.years.FIGURES."""
    d = df.reset_index(drop=True)
    out = _head(d, by, lang)
    for f in FIGURES:
        name = label(f, lang)
        now, then, change = d[f], d[f"{f}_prev"], d[f"{f}_change"]
        if f == "coverage":
            out[f"{name} {this}"] = [formatting.percent(v, lang) for v in now]
            out[f"{name} {before}"] = [formatting.percent(v, lang) for v in then]
            out[i18n.t("years_change_of", lang, name=name)] = [_points(v, lang) for v in change]
            continue
        digits = 2 if f == "amount_yuan" else 0
        out[f"{name} {this}"] = [formatting.number(v, lang, digits) for v in now]
        out[f"{name} {before}"] = [formatting.number(v, lang, digits) for v in then]
        out[i18n.t("years_change_of", lang, name=name)] = [_signed(v, digits) for v in change]
    return out


def _flag(value: bool | None, lang: str) -> str:
    if value is None or value != value:
        return formatting.DASH
    return i18n.t("quality_flagged" if value else "quality_within", lang)


def scorecard_table(df: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """One row per district: completeness (reported / expected and the share), late,
    outlier and unmatched records (count and share), reached this year and last with the
    consistency change and whether it is flagged."""
    d = df.reset_index(drop=True)
    out = _head(d, "district", lang)
    out[label("completeness", lang)] = [
        f"{r} / {e} ({formatting.percent(s, lang)})"
        for r, e, s in zip(
            d["departments_reported"], d["departments_expected"], d["completeness"], strict=True
        )
    ]
    out[label("records", lang)] = [formatting.integer(v, lang) for v in d["records"]]
    for part in ("late", "outlier", "unmatched"):
        out[label(f"{part}_share", lang)] = [
            f"{formatting.integer(n, lang)} ({formatting.percent(s, lang, 2)})"
            for n, s in zip(d[f"{part}_records"], d[f"{part}_share"], strict=True)
        ]
    out[i18n.t("quality_reached_now", lang)] = [formatting.integer(v, lang) for v in d["reached"]]
    out[i18n.t("quality_reached_before", lang)] = [
        formatting.integer(v, lang) for v in d["reached_prev"]
    ]
    out[label("consistency_change", lang)] = [
        formatting.DASH if v != v else f"{v * 100:+.1f}%" for v in d["consistency_change"]
    ]
    out[i18n.t("quality_consistency_flag", lang)] = [_flag(v, lang) for v in d["consistency_flag"]]
    return out


def indicators_table(df: pd.DataFrame, *, by: str, lang: str) -> pd.DataFrame:
    """The standard indicators per row (warmth.indicators), shares as percentages."""
    d = df.reset_index(drop=True)
    out = _head(d, by, lang)
    for c in ("eligible", "reached", "omitted", "leakage_beneficiaries"):
        out[label(c, lang)] = [formatting.integer(v, lang) for v in d[c]]
    for c in ("beneficiary_incidence", "benefit_incidence"):
        out[label(c, lang)] = [formatting.percent(v, lang) for v in d[c]]
    out[label("average_aid_yuan", lang)] = [
        formatting.number(v, lang, 2) for v in d["average_aid_yuan"]
    ]
    for c in ("exclusion_error", "inclusion_error"):
        out[label(c, lang)] = [formatting.percent(v, lang, 2) for v in d[c]]
    return out


def pacing_table(df: pd.DataFrame, *, lang: str, this: str, before: str) -> pd.DataFrame:
    """Both years' pacing by days to the Spring Festival: the day and share reached of each."""
    d = df.sort_values("days_to_festival")
    share = i18n.t("dash_chart_reached_share", lang)
    return pd.DataFrame(
        {
            i18n.t("years_days_to_festival", lang): d["days_to_festival"].to_numpy(),
            f"{i18n.t('dash_col_day', lang)} {this}": [
                formatting.DASH if v is None or v != v else str(v) for v in d["day"]
            ],
            f"{share} {this}": [formatting.percent(v, lang) for v in d["share"]],
            f"{i18n.t('dash_col_day', lang)} {before}": [
                formatting.DASH if v is None or v != v else str(v) for v in d["day_prev"]
            ],
            f"{share} {before}": [formatting.percent(v, lang) for v in d["share_prev"]],
            i18n.t("dash_chart_expected_share", lang): [
                formatting.percent(v, lang) for v in d["expected"]
            ],
        }
    )
