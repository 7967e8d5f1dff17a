"""The code lists and the campaign an upload is checked against (warmth.intake.validation)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from warmth import campaigns, schema
from warmth.intake.reasons import Names

FORMS = {
    "cash": "现金",
    "in_kind": "实物",
    "service": "劳务",
    "pairing": "结对",
    "visit": "慰问",
    "medical": "医疗",
    "scholarship": "奖学金",
}


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


@dataclass
class Reference:
    """The code lists an upload is checked against, loaded once per validation."""

    districts: dict[str, str]  # code, name or short name -> code
    district_names: dict[str, Names]  # code -> name in both languages
    streets: dict[tuple[str, str], str]  # (district code, code / name / short) -> street code
    street_district: dict[str, str]  # street code -> district code
    street_names: dict[str, list[str]]  # name -> district codes that have it
    categories: dict[str, str]
    programmes: dict[str, str]
    programme_forms: dict[str, str]
    forms: dict[str, str]
    departments: set[str]

    @classmethod
    def load(cls, conn: sa.Connection) -> Reference:
        districts: dict[str, str] = {}
        names: dict[str, Names] = {}
        for code, zh, en in conn.execute(
            sa.select(
                schema.districts.c.code, schema.districts.c.name_zh, schema.districts.c.name_en
            )
        ):
            names[code] = Names(zh, en)
            short = re.sub(r"(新区|区|县)$", "", zh)
            for label in (
                code,
                zh,
                short,
                en.lower(),
                re.sub(r" district$| county$", "", en.lower()),
            ):
                districts.setdefault(_key(label), code)
        streets: dict[tuple[str, str], str] = {}
        street_district: dict[str, str] = {}
        street_names: dict[str, list[str]] = {}
        for dcode, code, zh in conn.execute(
            sa.select(
                schema.streets.c.district_code, schema.streets.c.code, schema.streets.c.name_zh
            )
        ):
            street_district[code] = dcode
            short = re.sub(r"(街道|镇|乡)$", "", zh)
            for label in (code, zh, short):
                streets.setdefault((dcode, _key(label)), code)
            street_names.setdefault(_key(zh), []).append(dcode)
        categories = {}
        for code, zh in conn.execute(
            sa.select(schema.categories.c.code, schema.categories.c.name_zh)
        ):
            categories[code.upper()] = code
            categories[_key(zh)] = code
        programmes: dict[str, str] = {}
        forms_of: dict[str, str] = {}
        for code, zh, form in conn.execute(
            sa.select(
                schema.programmes.c.code, schema.programmes.c.name_zh, schema.programmes.c.form
            )
        ):
            programmes[code.upper()] = code
            programmes[_key(zh)] = code
            forms_of[code] = form
        forms = {code: code for code in FORMS} | {zh: code for code, zh in FORMS.items()}
        departments = set(conn.execute(sa.select(schema.departments.c.code)).scalars())
        return cls(
            districts,
            names,
            streets,
            street_district,
            street_names,
            categories,
            programmes,
            forms_of,
            forms,
            departments,
        )


@dataclass
class Campaign:
    id: int
    code: str
    start: date
    end: date


def _campaign(conn: sa.Connection, code: str | None) -> Campaign | None:
    found = campaigns.campaign(conn, code)
    if found is None:
        return None
    return Campaign(found["id"], found["code"], found["window_start"], found["window_end"])
