"""The meeting's fixed sequence of slides, as data: which figures, tables and numbers each
slide holds. The projector (components/present.py) and the PDF (warmth.briefing.pdf) both
read it, so a slide and its page in the briefing show the same charts with the same options.

Every count a slide or the briefing prints goes through formatting.small_count (1 to 4 as
"<5"); nothing here touches a person: only the aggregate frames of warmth.queries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

import pandas as pd

from warmth import formatting, i18n, metrics, quality
from warmth.briefing.facts import Facts
from warmth.definition import CONSISTENCY_THRESHOLD
from warmth.scope import describe_filters

SLIDES = (
    "headline", "map", "behind", "departments", "categories", "gaps", "timeline", "quality",
)  # fmt: skip
HEADLINE = ("coverage", "eligible", "reached", "omitted", "amount_yuan")
GAPS = ("omitted", "repeat_beneficiaries", "overlap_beneficiaries", "leakage_beneficiaries")
DEFINITIONS = (
    "eligible",
    "reached",
    "coverage",
    "omitted",
    "pacing",
    "repeat_beneficiaries",
    "overlap_beneficiaries",
    "leakage_beneficiaries",
    "records",
    "amount_yuan",
)
BEHIND_COLUMNS = ("name", "coverage", "eligible", "omitted")
STREET_COLUMNS = ("district", "name", "coverage", "eligible", "omitted")
# the scorecard's four numbers (warmth.quality.summary), and its table of districts with an issue
QUALITY = ("incomplete", "late_districts", "inconsistent", "outliers")
QUALITY_COLUMNS = (
    "name", "completeness", "late_share", "consistency_change", "outlier_records",
    "unmatched_share",
)  # fmt: skip
# the two bars of a slide by department or category: coverage, then this count
BY_MEASURE = {
    "departments": ("department", "records", "present_records_by_department"),
    "categories": ("category", "omitted", "dash_omitted_by_category"),
}
TILE = 66  # a district's tile on a slide, px: 19 of them fit half a 1280×720 screen
DESIGN = (1280, 720)  # the screen the slides are laid out for; larger ones scale it up


@dataclass(frozen=True)
class Chart:
    """One chart of a slide: warmth.figures.FIGURES[name](frame, **options)."""

    name: str
    frame: pd.DataFrame
    options: dict = field(default_factory=dict)


def type_scale(width: float, height: float) -> float:
    """How much larger than at 1280×720 the slides' type is on a screen of width × height
    CSS pixels: the stylesheet's root size (components/present.css: max(16px, min(1.25vw,
    2.222vh))) over 16 px, in steps of 0.05 (1 at 1280×720, 1.5 at 1920×1080, 3 at
    3840×2160). The charts grow by it too (warmth.figures.scale)."""
    k = max(1.0, min(width / DESIGN[0], height / DESIGN[1]))
    return round(k * 20) / 20


def title(slide: str, lang: str) -> str:
    return i18n.t(f"present_slide_{slide}", lang)


def one_district(facts: Facts) -> bool:
    """The request holds one district: its map slide shows its streets instead."""
    return len(facts.by_district) == 1


def heading(slide: str, facts: Facts, lang: str) -> str:
    """A slide's title for these facts: one district's map slide is about its streets."""
    if slide == "map" and one_district(facts):
        return i18n.t("present_slide_map_streets", lang)
    return title(slide, lang)


def label(key: str, lang: str) -> str:
    """A figure's label: a metric's from metrics.DEFINITIONS, else from strings.csv."""
    d = metrics.DEFINITIONS.get(key)
    if d is not None:
        return d.label_zh if lang == "zh" else d.label_en
    return i18n.t(f"present_col_{key}", lang)


def definitions(lang: str) -> list[tuple[str, str]]:
    """(label, definition) of every figure the deck shows, from metrics.DEFINITIONS."""
    out = []
    for key in DEFINITIONS:
        d = metrics.DEFINITIONS[key]
        out.append((d.label_zh, d.help_zh) if lang == "zh" else (d.label_en, d.help_en))
    return out


def marks(campaign: Mapping, lang: str, as_of: date | None = None) -> dict[str, date | None]:
    """The days to mark on time charts: New Year, Spring Festival (and the as-of day)."""
    out = {
        i18n.t("dash_new_year", lang): campaign.get("new_year"),
        i18n.t("dash_spring_festival", lang): campaign.get("spring_festival"),
    }
    if as_of is not None:
        out[i18n.t("dash_as_of_mark", lang)] = as_of
    return out


def scope_text(facts: Facts, lang: str) -> str:
    """The whole city, or the districts the briefing covers, by name."""
    names = facts.district_names[lang]
    if facts.scope.role == "city" and not facts.filters.districts:
        return i18n.t("present_scope_city", lang)
    return "、".join(names.values()) if lang == "zh" else ", ".join(names.values())


def filters_text(facts: Facts, lang: str) -> str:
    """The filters in words, the campaign by its code (the newest when none was asked for)."""
    filters = replace(facts.filters, campaign=facts.campaign["code"])
    return describe_filters(filters, lang, {"districts": facts.district_names[lang]})


def value(key: str, number: object, lang: str) -> str:
    """A headline figure as text: a share as a percentage, money in yuan, a count with
    small counts suppressed."""
    if key in ("coverage", "completeness"):
        return formatting.percent(number, lang)
    if key in ("late_share", "unmatched_share"):
        return formatting.percent(number, lang, 2)
    if key == "amount_yuan":
        return formatting.yuan(number, lang)
    return formatting.small_count(number, lang)


def verdict(headline: Mapping, lang: str) -> tuple[str, str]:
    """The pacing verdict (behind / on track, or —) and the gap to the expected share in
    points ("" when undefined)."""
    status = headline.get("pacing_status")
    cov, expected = headline.get("coverage"), headline.get("expected_share")
    word = i18n.t(f"dash_pacing_{status}", lang) if status else formatting.DASH
    if status is None or cov is None or expected is None or cov != cov:
        return word, ""
    gap = (cov - expected) * 100
    return word, i18n.t("dash_points_vs_expected", lang, gap=f"{gap:+.1f}")


def days_left(headline: Mapping, lang: str) -> str:
    days = headline.get("days_to_spring_festival")
    if days is None:
        return formatting.DASH
    return i18n.t("dash_days", lang, n=days) if days >= 0 else i18n.t("dash_sf_passed", lang)


def _named(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    en = frame["name_en"].where(frame["name_en"].notna() & (frame["name_en"] != ""))
    return frame.assign(name=frame["name_zh"] if lang == "zh" else en.fillna(frame["name_zh"]))


def _behind(frame: pd.DataFrame, expected: float | None) -> pd.DataFrame:
    keep = [metrics.pacing_status(c, expected) == "behind" for c in frame["coverage"]]
    return frame[keep].sort_values("omitted", ascending=False, kind="mergesort")


def behind_districts(facts: Facts, lang: str) -> pd.DataFrame:
    """The districts behind pace, most omitted first."""
    return _named(_behind(facts.by_district, facts.expected), lang).reset_index(drop=True)


def behind_streets(facts: Facts, lang: str) -> pd.DataFrame:
    """The streets behind pace in the districts behind pace, most omitted first, with their
    district's name."""
    districts = behind_districts(facts, lang)
    streets = facts.by_street[facts.by_street["district_code"].isin(districts["key"])]
    names = dict(zip(districts["key"], districts["name"], strict=True))
    out = _named(_behind(streets, facts.expected), lang)
    return out.assign(district=out["district_code"].map(names)).reset_index(drop=True)


def text_table(frame: pd.DataFrame, columns: tuple[str, ...], lang: str) -> list[list[str]]:
    """A table as text, header first: coverage as a percentage, counts with small counts
    suppressed, names as they are."""
    rows = [[label(c, lang) for c in columns]]
    for rec in frame[list(columns)].itertuples(index=False, name=None):
        rows.append(
            [
                str(v) if c in ("name", "district") or isinstance(v, str) else value(c, v, lang)
                for c, v in zip(columns, rec, strict=True)
            ]
        )
    return rows


def quality_figures(facts: Facts, lang: str) -> list[tuple[str, str]]:
    """The scorecard's four numbers as (label, text): counts of districts as they are (a
    district singles nobody out), outlier records with small counts suppressed."""
    shown = quality.summary(facts.scorecard)
    return [
        (
            i18n.t(f"quality_{k}", lang),
            formatting.small_count(shown[k], lang) if k == "outliers" else str(shown[k]),
        )
        for k in QUALITY
    ]


def _change(change: float, flag: bool | None) -> str:
    if change != change:
        return formatting.DASH
    return f"{change * 100:+.1f}%" + (" ⚠" if flag else "")


def quality_issues(facts: Facts, lang: str) -> pd.DataFrame:
    """The districts with an issue the four numbers count (incomplete, late records, flagged
    for consistency, outlier records), most issues first, then by code; the consistency
    change as text, "⚠" when flagged."""
    card = facts.scorecard
    flagged = card["consistency_flag"].map(lambda v: v is not None and v == v and bool(v))
    issues = (
        (card["completeness"] < 1).astype(int)
        + (card["late_records"] > 0).astype(int)
        + flagged.astype(int)
        + (card["outlier_records"] > 0).astype(int)
    )
    out = card.assign(
        issues=issues,
        consistency_change=[
            _change(c, f) for c, f in zip(card["consistency_change"], flagged, strict=True)
        ],
    )
    out = out[out["issues"] > 0].sort_values(["issues", "key"], ascending=[False, True])
    return _named(out, lang).reset_index(drop=True)


def quality_note(facts: Facts, lang: str) -> str:
    """What ⚠ and "late" mean, and that only districts with an issue are listed."""
    deadline = formatting.day(facts.campaign.get("reporting_deadline"), lang)
    threshold = f"{CONSISTENCY_THRESHOLD:.0%}"
    return i18n.t("present_quality_note", lang, threshold=threshold, deadline=deadline)


def reporting_note(facts: Facts, lang: str) -> str:
    """How many district × department lines have reported, and how many of them late."""
    status = facts.reporting
    reported = int((status["records"] > 0).sum())
    late = int(((status["records"] > 0) & ~status["on_time"].astype(bool)).sum())
    return i18n.t("present_reporting_note", lang, reported=reported, cells=len(status), late=late)


def charts(slide: str, facts: Facts, lang: str, *, height: int = 430) -> list[Chart]:
    """The charts of a slide, in order (none on the headline and behind-pace slides)."""
    t = lambda key, **v: i18n.t(key, lang, **v)  # noqa: E731
    exp = facts.expected
    common = {"lang": lang, "height": height}
    counted = {**common, "small": True}
    if slide == "map" and one_district(facts):
        # a district's meeting: which of its streets are behind, and where its omitted are
        return [
            Chart(
                "coverage_bar",
                facts.by_street,
                {**counted, "by": "street", "title": t("present_cov_by_street"), "expected": exp},
            ),
            Chart(
                "measure_bar",
                facts.by_street,
                {
                    **counted,
                    "by": "street",
                    "measure": "omitted",
                    "title": t("present_omitted_by_street"),
                },
            ),  # fmt: skip
        ]
    if slide == "map":
        return [
            Chart(
                "tile_map",
                facts.by_district,
                {**common, "title": t("present_map_title"), "expected": exp, "size": TILE},
            ),
            Chart(
                "coverage_bar",
                facts.by_district,
                {
                    **counted,
                    "by": "district",
                    "title": t("present_cov_by_district"),
                    "expected": exp,
                },
            ),  # fmt: skip
        ]
    if slide in BY_MEASURE:
        by, measure, measure_title = BY_MEASURE[slide]
        frame = facts.by_department if by == "department" else facts.by_category
        return [
            Chart(
                "coverage_bar",
                frame,
                {**counted, "by": by, "title": t(f"dash_cov_by_{by}"), "expected": exp},
            ),
            Chart(
                "measure_bar",
                frame,
                {**counted, "by": by, "measure": measure, "title": t(measure_title)},
            ),  # fmt: skip
        ]
    if slide == "gaps":
        one = one_district(facts)  # a district's: by its streets, not one pair of bars
        return [
            Chart(
                "leakage_omission",
                facts.by_street if one else facts.by_district,
                {**counted, "title": t("present_omission_leakage" + ("_streets" if one else ""))},
            )
        ]
    if slide == "timeline":
        days = marks(facts.campaign, lang, facts.filters.as_of)
        window = (facts.campaign["window_start"], facts.campaign["window_end"])
        return [
            Chart(
                "pacing_chart",
                facts.pacing,
                {**common, "title": t("dash_pacing_title"), "marks": days},
            ),
            Chart(
                "timeline_chart",
                facts.daily,
                {
                    **counted,
                    "measure": "newly_reached",
                    "title": t("dash_reached_by_day"),
                    "window": window,
                    "marks": days,
                },
            ),
        ]
    return []
