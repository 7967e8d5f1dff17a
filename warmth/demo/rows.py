"""Writing the demo city: chunks of columns, bound many rows to a sqlite3 statement or
written by PostgreSQL COPY."""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from warmth.database import is_sqlite
from warmth.demo.parameters import PROFILES, ROADS, SURNAMES, VILLAGES
from warmth.demo.people import _GIVEN_CHARS, _People, _Reference
from warmth.demo.records import _Records
from warmth.idkey import IdKey
from warmth.ids import CHECK_CHARS

CHUNK = 100_000
PARALLEL_SEALS = 200_000  # numbers; from here on half of them are protected in a worker


Columns = list[list]
"""A chunk of rows as its columns: one list per column, all of one length."""


def _bulk(
    conn: sa.Connection, table: str, columns: Sequence[str], chunks: Iterator[Columns]
) -> int:
    """Write chunks of columns into table (sqlite3 or PostgreSQL COPY); returns the rows."""
    raw = conn.connection.driver_connection
    if is_sqlite(conn):
        return _insert_many(raw, table, columns, chunks)
    written = 0
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for chunk in chunks:
            for row in zip(*chunk, strict=True):
                copy.write_row(row)
            written += len(chunk[0])
    return written


ROWS_PER_INSERT = 50  # rows of one INSERT ... VALUES: sqlite3's cost is per statement bound


def _insert_many(raw, table: str, columns: Sequence[str], chunks: Iterator[Columns]) -> int:
    """Write chunks of columns through a sqlite3 driver connection; returns the rows written.
    The values of a chunk are laid out flat, row after row (a slice assignment per column,
    no tuple per row), and bound ROWS_PER_INSERT rows to a statement."""
    width = len(columns)

    def insert(rows: int) -> str:
        one = f"({', '.join('?' * width)})"
        return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * rows)}"

    many, step = insert(ROWS_PER_INSERT), ROWS_PER_INSERT * width
    written = 0
    cur = raw.cursor()
    try:
        for chunk in chunks:
            n = len(chunk[0])
            flat: list = [None] * (n * width)
            for j, column in enumerate(chunk):
                flat[j::width] = column
            whole = n // ROWS_PER_INSERT * step
            cur.executemany(many, (flat[i : i + step] for i in range(0, whole, step)))
            if whole < len(flat):
                cur.execute(insert(n % ROWS_PER_INSERT), flat[whole:])
            written += n
    finally:
        cur.close()
    return written


_CHECK = np.array(list(CHECK_CHARS), dtype=object)
_SURNAME_OBJ = np.array(SURNAMES, dtype=object)
_GIVEN_OBJ = np.array([*_GIVEN_CHARS, ""], dtype=object)  # index -1: no second character


def _id_strings(key: np.ndarray, check: np.ndarray) -> list[str]:
    return (key.astype(str).astype(object) + _CHECK[check]).tolist()


def _protected(idk: IdKey, key: np.ndarray, check: np.ndarray) -> tuple[list[str], list[str]]:
    """(keyed hashes, seals) of the ID numbers: a clear number is never written."""
    return idk.protect(_id_strings(key, check))


@dataclass(frozen=True)
class _Sealed:
    """The register's ID numbers protected once, in register order, as fixed-width ASCII:
    the register, its duplicate registrations and the records of registered people all
    write them (the hash and the seal are most of the cost of writing a row). A seal
    shared by the rows of one number tells nothing its hash does not."""

    hashes: np.ndarray  # bytes, idkey.HASH_CHARS wide
    seals: np.ndarray  # bytes

    def rows(self, which: slice | np.ndarray) -> tuple[list[str], list[str]]:
        return _text(self.hashes[which]), _text(self.seals[which])


def _register_at(people: _People, by_key: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Each key's position in the register, -1 where it is not there (by_key: argsort of
    people.key)."""
    if not len(people.key):
        return np.full(len(keys), -1, "int64")
    at = by_key[np.minimum(np.searchsorted(people.key, keys, sorter=by_key), len(by_key) - 1)]
    return np.where(people.key[at] == keys, at, -1)


def _text(values: np.ndarray) -> list[str]:
    return values.astype(str).tolist()


def _protect_arrays(secret: bytes, key: np.ndarray, check: np.ndarray) -> tuple[np.ndarray, ...]:
    """(hashes, seals) of the ID numbers as fixed-width bytes, chunk by chunk (a worker
    process's task: the key travels as its secret, the answers as two arrays)."""
    idk = IdKey(secret)
    hashes, seals = [np.empty(0, "S1")], [np.empty(0, "S1")]
    for start in range(0, len(key), CHUNK):
        sl = slice(start, start + CHUNK)
        h, s = _protected(idk, key[sl], check[sl])
        hashes.append(np.array(h, dtype="S"))
        seals.append(np.array(s, dtype="S"))
    return np.concatenate(hashes), np.concatenate(seals)


def _protect_both_cores(idk: IdKey, key: np.ndarray, check: np.ndarray) -> _Sealed:
    """_protect_arrays on two cores when there are many numbers: the hash and the seal are
    one Python call each per number, the load's largest single cost."""
    if len(key) < PARALLEL_SEALS or (os.cpu_count() or 1) < 2:
        return _Sealed(*_protect_arrays(idk.secret, key, check))
    half = len(key) // 2
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        later = pool.submit(_protect_arrays, idk.secret, key[half:], check[half:])
        first = _protect_arrays(idk.secret, key[:half], check[:half])
        second = later.result()
    return _Sealed(*(np.concatenate([a, b]) for a, b in zip(first, second, strict=True)))


class SealBook:
    """ID numbers protected once for every campaign of one demo: the years share most of
    their people, and a number's hash is the same in each (its seal, like the register's
    rows sharing one, tells nothing its hash does not)."""

    def __init__(self, *, keep: bool = True) -> None:
        self.keep = keep  # False for the last load: its numbers are not asked for again
        self.fingerprint: str | None = None
        self.key = np.empty(0, "int64")  # sorted
        self.check = np.empty(0, "int64")
        self.sealed = _Sealed(np.empty(0, "S32"), np.empty(0, "S1"))

    def seal(self, idk: IdKey, key: np.ndarray, check: np.ndarray) -> _Sealed:
        """The protected numbers (key, check), in their order; new ones protected and kept."""
        if self.fingerprint != idk.fingerprint:
            self.__init__(keep=self.keep)
            self.fingerprint = idk.fingerprint
        at = np.minimum(np.searchsorted(self.key, key), max(len(self.key) - 1, 0))
        known = (
            (self.key[at] == key) & (self.check[at] == check)
            if len(self.key)
            else np.zeros(len(key), bool)
        )
        new = np.flatnonzero(~known)
        fresh = _protect_both_cores(idk, key[new], check[new])
        kept = self.sealed
        width = {
            "hashes": max(kept.hashes.dtype.itemsize, fresh.hashes.dtype.itemsize),
            "seals": max(kept.seals.dtype.itemsize, fresh.seals.dtype.itemsize),
        }
        out = _Sealed(*(np.empty(len(key), f"S{width[name]}") for name in ("hashes", "seals")))
        for column, old, made in (
            (out.hashes, kept.hashes, fresh.hashes),
            (out.seals, kept.seals, fresh.seals),
        ):
            column[new] = made
            column[known] = old[at[known]]
        if not self.keep:  # nothing asked for again: the memory back before the load's writes
            self.__init__(keep=False)
            return out
        keys = np.concatenate([self.key, key[new]])
        order = np.argsort(keys, kind="stable")
        self.key = keys[order]
        self.check = np.concatenate([self.check, check[new]])[order]
        self.sealed = _Sealed(
            np.concatenate([kept.hashes, fresh.hashes])[order],
            np.concatenate([kept.seals, fresh.seals])[order],
        )
        return out


def _seal_register(idk: IdKey, people: _People, book: SealBook | None = None) -> _Sealed:
    return (book or SealBook()).seal(idk, people.key, people.check)


def _sealed_records(
    idk: IdKey, people: _People, sealed: _Sealed, by_key: np.ndarray, key: np.ndarray, check
) -> tuple[list[str], list[str]]:
    """(hashes, seals) of records' ID numbers: a registered person's from the register's,
    any other number (not on the register, mistyped) protected here."""
    at = _register_at(people, by_key, key)
    other = np.flatnonzero((at < 0) | (people.check[at] != check))
    hashes, seals = _text(sealed.hashes[at]), _text(sealed.seals[at])
    fresh_hashes, fresh_seals = _protected(idk, key[other], check[other])
    for i, h, s in zip(other.tolist(), fresh_hashes, fresh_seals, strict=True):
        hashes[i], seals[i] = h, s
    return hashes, seals


def _name_strings(people: _People, which: slice | np.ndarray) -> list[str]:
    return (
        _SURNAME_OBJ[people.surname[which]]
        + _GIVEN_OBJ[people.given1[which]]
        + _GIVEN_OBJ[people.given2[which]]
    ).tolist()


def _address_strings(ref: _Reference, people: _People, sl: slice) -> list[str]:
    roads = [ROADS[d] for d in ref.districts]
    return [
        f"{VILLAGES[road]}{lane}组{house}号"
        if rural
        else f"{roads[d][road]}{lane}弄{house}号{room}室"
        for d, rural, road, lane, house, room in zip(
            people.district[sl].tolist(),
            people.rural[sl].tolist(),
            people.road[sl].tolist(),
            people.lane[sl].tolist(),
            people.house[sl].tolist(),
            people.room[sl].tolist(),
            strict=True,
        )
    ]


def _street_lookup(ref: _Reference) -> tuple[np.ndarray, np.ndarray]:
    """(all street codes as one object array, offset of each district's first street)."""
    flat = np.array([c for codes in ref.street_codes for c in codes.tolist()], dtype=object)
    offsets = np.cumsum([0] + [len(codes) for codes in ref.street_codes])[:-1]
    return flat, offsets


def _person_chunks(ref, people, campaign_id, batch_id, first_id, sealed, report) -> Iterator[list]:
    n = len(people.key)
    codes = np.array(ref.districts, dtype=object)
    streets, offsets = _street_lookup(ref)
    for start in range(0, n, CHUNK):
        sl = slice(start, min(start + CHUNK, n))
        district = people.district[sl]
        sizes = people.household[sl].astype(object)
        sizes[sizes == 0] = None
        m = sl.stop - start
        yield [
            list(range(first_id + start, first_id + sl.stop)),
            [campaign_id] * m,
            *sealed.rows(sl),
            _name_strings(people, sl),
            codes[district].tolist(),
            streets[offsets[district] + people.street[sl]].tolist(),
            sizes.tolist(),
            _address_strings(ref, people, sl),
            [batch_id] * m,
        ]
        report(sl.stop / n)


def _duplicate_rows(ref, people: _People, duplicates: np.ndarray, campaign_id, batch_id, sealed):
    who, where, street = duplicates.T
    streets, offsets = _street_lookup(ref)
    return [
        [campaign_id] * len(who),
        *sealed.rows(who),
        _name_strings(people, who),
        [ref.districts[d] for d in where.tolist()],
        streets[offsets[where] + street].tolist(),
        [";".join(PROFILES[p][0]) for p in people.profile[who].tolist()],
        [batch_id] * len(who),
    ]


def _category_chunks(people: _People, first_id: int) -> Iterator[list]:
    profile_cats = [cats for cats, _, _ in PROFILES]
    n = len(people.key)
    for start in range(0, n, CHUNK):
        ids = range(first_id + start, first_id + min(start + CHUNK, n))
        chunk = people.profile[start : start + CHUNK].tolist()
        pairs = [(i, c) for i, p in zip(ids, chunk, strict=True) for c in profile_cats[p]]
        yield [[i for i, _ in pairs], [c for _, c in pairs]]


PROFILE_TABLE = "temp.demo_profile_categories"


def write_categories(conn: sa.Connection, people: _People, first_id: int) -> int:
    """Write beneficiary_categories (one row per person and category, in _category_chunks'
    order); returns the rows written. On SQLite the rows are made inside SQLite: each
    chunk's profiles go in as one JSON array, joined to the profiles' categories, instead
    of millions of two-value rows bound one by one."""
    if not is_sqlite(conn):
        return _bulk(
            conn,
            "beneficiary_categories",
            ("beneficiary_id", "category_code"),
            _category_chunks(people, first_id),
        )
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.execute(
            f"CREATE TABLE {PROFILE_TABLE} (profile INTEGER, position INTEGER, code TEXT,"
            " PRIMARY KEY (profile, position))"
        )
        cur.executemany(
            f"INSERT INTO {PROFILE_TABLE} VALUES (?, ?, ?)",
            [(p, i, c) for p, (cats, _, _) in enumerate(PROFILES) for i, c in enumerate(cats)],
        )
        written = 0
        for start in range(0, len(people.key), CHUNK):
            cur.execute(
                "INSERT INTO beneficiary_categories (beneficiary_id, category_code)"
                " SELECT ? + j.key, pc.code FROM json_each(?) AS j"
                f" JOIN {PROFILE_TABLE} AS pc ON pc.profile = j.value"
                " ORDER BY j.key, pc.position",
                (first_id + start, json.dumps(people.profile[start : start + CHUNK].tolist())),
            )
            written += cur.rowcount
        cur.execute(f"DROP TABLE {PROFILE_TABLE}")
    finally:
        cur.close()
    return written


def _record_chunks(ref, records: _Records, written: tuple, days, ids: tuple, report):
    """Rows of aid_records; written is (campaign code, campaign id, batch id, first record
    id): record ids follow the array order from there; ids is (idk, people, sealed, by_key)."""
    campaign, campaign_id, batch_id, first_record_id = written
    n = len(records.key)
    starts = np.searchsorted(records.deliverer, np.arange(len(ref.districts)))
    number = np.arange(n) - starts[records.deliverer] + 1
    forms = np.array(ref.prog_form, dtype=object)
    progs = np.array(ref.programmes, dtype=object)
    codes = np.array(ref.districts, dtype=object)
    prefixes = np.array([f"{c}-{campaign}-" for c in ref.districts], dtype=object)
    day_strings = np.array(days, dtype=object)
    for start in range(0, n, CHUNK):
        sl = slice(start, min(start + CHUNK, n))
        deliverer = records.deliverer[sl]
        prog = records.programme[sl]
        submitter = codes[deliverer].tolist()
        record_no = [
            f"{p}{no:07d}"
            for p, no in zip(prefixes[deliverer].tolist(), number[sl].tolist(), strict=True)
        ]
        m = sl.stop - start
        yield [
            list(range(first_record_id + start, first_record_id + sl.stop)),
            [campaign_id] * m,
            submitter,
            record_no,
            *_sealed_records(*ids, records.key[sl], records.check[sl]),
            progs[prog].tolist(),
            records.amount[sl].tolist(),
            forms[prog].tolist(),
            day_strings[records.day[sl]].tolist(),
            submitter,
            [batch_id] * m,
        ]
        report(sl.stop / n)
