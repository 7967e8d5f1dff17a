"""The campaign by code, else the newest (written once, in warmth.campaigns), and the scope
of a signed-in e-mail from the users table (warmth.scope.scope_for_email)."""

from __future__ import annotations

from datetime import date

import pytest

from warmth import campaigns, schema
from warmth.scope import scope_for_email


def test_campaign_by_code_else_the_newest(sqlite_engine):
    with sqlite_engine.begin() as conn:
        conn.execute(
            schema.campaigns.insert().values(
                code="2006", name_zh="2006", name_en="2006",
                window_start=date(2006, 1, 1), window_end=date(2006, 2, 28),
            )
        )  # fmt: skip
        assert campaigns.campaign(conn, None)["code"] == "2006"
        assert campaigns.campaign(conn, "")["code"] == "2006"
        old = campaigns.campaign(conn, "2005")
        assert old["code"] == "2005" and isinstance(old["reporting_deadline"], date)
        assert campaigns.campaign(conn, "1999") is None


@pytest.mark.parametrize(
    ("row", "codes", "expected"),
    [
        (None, (), None),
        ({"role": "city_admin"}, (), ("city", 19, False)),
        ({"role": "city_viewer", "may_unmask": True}, (), ("city", 19, True)),
        ({"role": "district", "may_unmask": True}, ("310101",), ("district", 1, True)),
        ({"role": "district"}, (), None),  # a district user without a district sees nothing
        ({"role": "department"}, (), None),  # nor a department user without a department
        ({"role": "district", "disabled": True}, ("310101",), None),
        ({"role": "city"}, (), None),  # the one city role of before migration 0010
        ({"role": "retired"}, ("310101",), None),
    ],
)
def test_scope_for_email(sqlite_engine, row, codes, expected):
    with sqlite_engine.begin() as conn:
        if row is not None:
            conn.execute(schema.users.insert().values(email="Ann@Example.gov", **row))
            for code in codes:
                conn.execute(
                    schema.user_districts.insert().values(
                        email="Ann@Example.gov", district_code=code
                    )
                )
        scope = scope_for_email(conn, "ann@example.GOV")
    if expected is None:
        assert scope is None
    else:
        assert (scope.role, len(scope.districts), scope.may_unmask) == expected
        assert scope.user == "ann@example.GOV"
