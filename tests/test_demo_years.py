"""The demo across campaigns (warmth.demo_years): largely the same people in 2004 and 2005,
some new and some gone, each campaign's records in its own window, reach a little different
per district."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from warmth import cli, demo_years, queries, schema
from warmth.scope import Filters, city_scope

SMALL = 0.003


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    from warmth import bootstrap
    from warmth.database import make_engine

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('years') / 'warmth.db'}")
    bootstrap.init_database(engine)
    stats = demo_years.load_campaigns(engine, scale=SMALL, seed=7)
    yield engine, stats
    engine.dispose()


def _register(conn, code: str) -> dict[str, str]:
    b, c = schema.beneficiaries, schema.campaigns
    rows = conn.execute(
        sa.select(b.c.id_number, b.c.name)
        .join(c, c.c.id == b.c.campaign_id)
        .where(c.c.code == code)
    ).all()
    return dict(rows)


def test_largely_the_same_people_some_new_some_gone(two_years):
    engine, (old, new) = two_years
    with engine.connect() as conn:
        then, now = _register(conn, "2004"), _register(conn, "2005")
    assert (old.beneficiaries, new.beneficiaries) == (len(then), len(now))
    both = set(then) & set(now)
    assert 0.9 < len(both) / len(now) < 0.99  # about 5 % new this year
    assert 0.02 < len(set(then) - set(now)) / len(now) < 0.06  # about 4 % gone since
    assert all(then[i] == now[i] for i in both)  # the same person: the same name


def test_each_campaign_has_its_records_in_its_window(two_years):
    engine, _ = two_years
    r, c = schema.aid_records, schema.campaigns
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(c.c.code, c.c.window_start, c.c.window_end, sa.func.min(r.c.date),
                      sa.func.max(r.c.date), sa.func.count())
            .join(r, r.c.campaign_id == c.c.id)
            .group_by(c.c.code, c.c.window_start, c.c.window_end)
        ).all()  # fmt: skip
    assert {row[0] for row in rows} == {"2004", "2005"}
    for _code, start, end, first, last, n in rows:
        assert start <= first and last <= end and n > 1000


def test_reach_differs_a_little_per_district(two_years):
    engine, _ = two_years
    with engine.connect() as conn:
        scope = city_scope(conn)
        now = queries.coverage(conn, scope, Filters(campaign="2005"), "district")
        then = queries.coverage(conn, scope, Filters(campaign="2004"), "district")
    change = (now.set_index("key")["coverage"] - then.set_index("key")["coverage"]).abs()
    assert change.max() < 0.2 and (change > 0.001).sum() >= 10


def test_parse_campaigns_and_the_command(tmp_path, capsys):
    assert demo_years.parse_campaigns(" 2004, 2005,,2004 ") == ("2004", "2005")
    url = f"sqlite:///{tmp_path / 'w.db'}"
    assert cli.main(["demo", "--scale", "0.001", "--campaigns", "2005", "--db", url]) == 0
    assert "campaign 2005" in capsys.readouterr().out
    assert cli.main(["demo", "--scale", "0.001", "--campaigns", "2005,1999", "--db", url]) == 2
    assert "no campaign '1999'" in capsys.readouterr().err
