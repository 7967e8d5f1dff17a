"""Row-level security on the real PostgreSQL (warmth.rls): the application's role, connected
through a pool of two, never reads another district's people, whatever SQL it runs."""

from __future__ import annotations

import random
import threading
import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import _pg_engine
from tests.fixtures_small import IDS, A, B, build_small, hashed
from warmth import queries, rls, worklists
from warmth.scope import Filters, city_scope, district_scope

pytestmark = pytest.mark.postgres
PEOPLE = {A: {"P1", "P2", "P3", "P4"}, B: {"P5", "P6"}}


@pytest.fixture
def owner(request):
    """A new database, loaded with the small campaign by its owner."""
    for engine in _pg_engine(request.getfixturevalue("pg_admin")):
        with engine.begin() as conn:
            build_small(conn)
        yield engine


@pytest.fixture
def app(owner):
    """An engine of the application's role (not owner, no BYPASSRLS) over a pool of two."""
    role = f"warmth_app_{uuid.uuid4().hex[:8]}"
    with owner.begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS")
        rls.grant_app_role(conn, role)
    url = owner.url.set(username=role, password=None)
    engine = sa.create_engine(url, pool_size=2, max_overflow=0, pool_timeout=30)
    rls.install(engine)
    yield engine, role
    engine.dispose()
    with owner.begin() as conn:
        conn.exec_driver_sql(f"DROP OWNED BY {role}")
        conn.exec_driver_sql(f"DROP ROLE {role}")


def test_the_app_role_cannot_pass_the_wall(owner, app):
    _, role = app
    with owner.connect() as conn:
        found = conn.execute(
            sa.text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"), {"r": role}
        ).one()
        secured = dict(
            conn.execute(
                sa.text("SELECT relname, relrowsecurity FROM pg_class WHERE relname = ANY(:t)"),
                {"t": list(rls.TABLES)},
            ).all()
        )
        owners = set(
            conn.execute(
                sa.text("SELECT tableowner FROM pg_tables WHERE tablename = ANY(:t)"),
                {"t": list(rls.TABLES)},
            ).scalars()
        )
    assert (found.rolsuper, found.rolbypassrls) == (False, False)
    assert secured == dict.fromkeys(rls.TABLES, True)
    assert role not in owners
    for bad in ("postgres",):  # a superuser is refused as the application's role
        with owner.begin() as conn, pytest.raises(ValueError, match="superuser"):
            rls.grant_app_role(conn, bad)


def _people(conn) -> set[str]:
    rows = conn.execute(sa.text("SELECT * FROM beneficiaries")).mappings().all()
    return {name for name, n in IDS.items() if hashed(n) in {r["id_number"] for r in rows}}


def test_a_hand_written_select_sees_only_the_district(app):
    engine, _ = app
    with rls.scoped([A]), engine.connect() as conn:
        assert _people(conn) == PEOPLE[A]
        other = conn.execute(
            sa.text("SELECT count(*) FROM beneficiaries WHERE district_code = :b"), {"b": B}
        ).scalar_one()
        dups = conn.execute(sa.text("SELECT count(*) FROM duplicate_registrations")).scalar()
        records = conn.execute(sa.text("SELECT id_number FROM aid_records")).scalars().all()
    assert other == 0 and dups == 0
    # A's people's records, and what A delivered (P5's two records), never P6's or U1's
    assert hashed(IDS["P6"]) not in records and hashed(IDS["U1"]) not in records
    assert records.count(hashed(IDS["P5"])) == 2
    with engine.connect() as conn:  # nobody scoped it: nothing
        assert conn.execute(sa.text("SELECT count(*) FROM beneficiaries")).scalar() == 0
        assert conn.execute(sa.text("SELECT count(*) FROM aid_records")).scalar() == 0
    refused = pytest.raises(sa.exc.ProgrammingError, match="row-level security")
    with rls.scoped([A]), engine.connect() as conn, refused:  # nor may it write B's people
        conn.execute(
            sa.text(
                "INSERT INTO beneficiaries (campaign_id, id_number, name, district_code,"
                " street_code) VALUES (1, 'x', '测试', :b, '310104003')"
            ),
            {"b": B},
        )


def test_a_hundred_interleaved_transactions_over_a_pool_of_two(app):
    engine, _ = app
    seen: list[tuple[str, set[str]]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker(district: str, seed: int) -> None:
        rnd = random.Random(seed)
        try:
            start.wait()
            for _ in range(50):
                with rls.scoped([district]), engine.connect() as conn:
                    first = _people(conn)
                    threading.Event().wait(rnd.random() / 200)  # let the other one in
                    seen.append((district, first | _people(conn)))
        except BaseException as exc:  # noqa: BLE001  (reported below, in the test's thread)
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(d, i)) for i, d in enumerate((A, B))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(seen) == 100
    assert all(people == PEOPLE[district] for district, people in seen)


def test_figures_and_lists_under_the_wall_are_the_owners(owner, app):
    """The snapshot reads the city on a connection of its own; a viewer's own SQL (the
    page's rows, a street's people) runs under the viewer's districts."""
    engine, _ = app
    with owner.connect() as conn:
        district = district_scope(conn, A)
        want = queries.coverage(conn, district, Filters(), by="district")
        want_rows = worklists.omission(conn, district, Filters()).rows
        city = city_scope(conn)
        want_city = queries.coverage(conn, city, Filters(), by="district")
    with rls.scoped([A]), engine.connect() as conn:
        # the snapshot, shared by every session, was read city-wide under A's transaction
        assert queries.coverage(conn, city, Filters(), by="district").equals(want_city)
        assert _people(conn) == PEOPLE[A]  # and the transaction narrowed back after
        got = queries.coverage(conn, district, Filters(), by="district")
        got_rows = worklists.omission(conn, district, Filters()).rows
        street_b = worklists.street_people(conn, city_scope(conn), Filters(), "310104003")
    assert got.equals(want)
    assert got_rows.equals(want_rows) and len(got_rows) >= 1
    assert street_b.total == 0  # B's street asked for under A's setting: nobody
