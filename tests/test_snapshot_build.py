"""Building the snapshot's records: adding a batch to derived records, or taking one away,
gives exactly what deriving every record from nothing gives (seeded random people and
records, with ties on the day, repeats and ID numbers registered nowhere)."""

from __future__ import annotations

import numpy as np
import pytest

from warmth import metrics
from warmth.snapshot import build
from warmth.snapshot.city import People, Records


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    from warmth import bootstrap
    from warmth.database import make_engine

    eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('build') / 'w.db'}")
    bootstrap.init_database(eng)
    with eng.connect() as conn:
        cat = metrics.load_catalogue(conn)
    eng.dispose()
    return cat


def people_of(rng, n_registered: int, n_orphans: int, cat) -> People:
    n = n_registered + n_orphans
    registered = np.arange(n) < n_registered
    bits = np.array(sorted(int(b) for b in cat.cat_bit.values()))
    masks = np.zeros(n, "int64")
    for _ in range(2):
        masks |= np.left_shift(1, rng.choice(bits, n))
    return People(
        registered=registered,
        home=np.where(registered, rng.integers(0, 4, n), -1).astype("int8"),
        street=np.where(registered, rng.integers(0, 9, n), -1).astype("int16"),
        cat_mask=np.where(registered, masks, 0).astype("int32"),
        ben_id=np.where(registered, np.arange(n) + 1, -1).astype("int32"),
        leak_att=np.full(n, -1, "int8"),
        id_numbers=np.array([f"X{i}" for i in range(n_orphans)], dtype=object),
    )


def raw_of(rng, n: int, n_people: int, first_id: int, batch: int, cat) -> dict:
    pbits = np.array(sorted(int(b) for b in cat.prog_bit.values()))
    return {
        "person": rng.integers(0, n_people, n).astype("int32"),
        "rec_id": rng.permutation(n) + first_id,
        "pbit": rng.choice(pbits, n).astype("int8"),
        "day": rng.integers(12_770, 12_780, n).astype("int32"),  # ties on a day are common
        "amount_fen": rng.integers(0, 50_000, n),
        "form": rng.integers(0, 3, n).astype("int8"),
        "batch_id": np.full(n, batch, "int32"),
        "deliver": rng.integers(-1, 4, n).astype("int8"),
        "submitter": rng.integers(-1, 4, n).astype("int8"),
    }


def same(a: Records, pa: People, b: Records, pb: People) -> None:
    for name in Records.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_array_equal(pa.leak_att, pb.leak_att)


@pytest.mark.parametrize("seed", range(5))
def test_a_batch_added_or_taken_away_equals_deriving_from_nothing(catalogue, seed):
    rng = np.random.default_rng(seed)
    n_people = 300
    first = raw_of(rng, 2_000, n_people, 1, 1, catalogue)
    batch = raw_of(rng, 400, n_people, 3_000 if seed % 2 else -5_000 + 10**6, 2, catalogue)
    people = people_of(rng, 250, n_people - 250, catalogue)

    held_people = People(**{**vars(people), "leak_att": people.leak_att.copy()})
    held = build.derive(held_people, first, catalogue)
    grown_people = People(**{**vars(people), "leak_att": held_people.leak_att.copy()})
    grown = build.with_records(grown_people, held, batch, catalogue)

    every = {k: np.concatenate([first[k], batch[k]]) for k in first}
    fresh_people = People(**{**vars(people), "leak_att": people.leak_att.copy()})
    same(grown, grown_people, build.derive(fresh_people, every, catalogue), fresh_people)

    shrunk = build.without_batch(grown_people, grown, 2)
    again = People(**{**vars(people), "leak_att": people.leak_att.copy()})
    same(shrunk, grown_people, build.derive(again, first, catalogue), again)


def test_rank_counts_first_second_and_later_records_of_a_programme(catalogue):
    bit = int(next(iter(catalogue.prog_bit.values())))
    person = np.array([0, 0, 0, 0, 1], "int32")
    pbit = np.array([bit, bit, bit, bit, bit], "int8")
    assert build._ranks(person, pbit).tolist() == [0, 1, 2, 2, 0]
