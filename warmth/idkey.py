"""Resident ID numbers at rest: a keyed hash to match on, a sealed copy to reveal.

Every table that holds people (beneficiaries, aid_records, duplicate_registrations) keeps
in `id_number` the keyed hash of the number (HMAC-SHA256, the first 128 bits in hex) and in
`id_cipher` the number sealed with AES-GCM (a random 96-bit nonce per value, base64). The
hash is the same for the same number, so every join, uniqueness rule and duplicate check
works on it as it did on the clear number; the seal is opened only to mask a page of a list
(`110105********002X`) or to reveal it.

The key (32 random bytes, URL-safe base64) is never in the database. It is read from
- the environment: `WARMTH_ID_KEY`;
- else the Streamlit secrets file (`.streamlit/secrets.toml` here or in the home folder),
  top-level `WARMTH_ID_KEY = "..."`;
- else, for an embedded SQLite database only, the key file beside it (`warmth.db.idkey`),
  which only the demo makes (`ensure_demo_key`).
The database keeps the key's fingerprint (table `id_key`), so a wrong key is refused
instead of silently matching nothing.

Writers call `for_conn(conn).protect(numbers)` and store both lists; readers call
`for_conn(conn).open(tokens)`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.engine import make_url

from warmth.errors import IdKeyError

ENV_VAR = "WARMTH_ID_KEY"
SECRETS_FILES = (Path(".streamlit/secrets.toml"), Path.home() / ".streamlit/secrets.toml")
KEY_FILE_SUFFIX = ".idkey"
HASH_CHARS = 32  # 128 bits of the HMAC, in hex
_NONCE = 12


class IdKey:
    """One key: the hash and the seal are derived from it with distinct labels."""

    def __init__(self, secret: bytes):
        if len(secret) != 32:
            raise IdKeyError(f"an ID key is 32 bytes, got {len(secret)}")
        self.secret = secret
        hash_key = _derive(secret, b"warmth id hash")
        self._mac = hmac.new(hash_key, digestmod="sha256")
        block = hash_key.ljust(64, b"\0")  # a 32-byte key is its own block, zero-padded
        self._pads = (
            hashlib.sha256(bytes(b ^ 0x36 for b in block)),
            hashlib.sha256(bytes(b ^ 0x5C for b in block)),
        )
        self._aead = AESGCM(_derive(secret, b"warmth id seal"))
        self.fingerprint = _derive(secret, b"warmth id fingerprint").hex()[:16]

    @classmethod
    def new(cls) -> IdKey:
        return cls(secrets.token_bytes(32))

    @classmethod
    def parse(cls, text: str) -> IdKey:
        try:
            raw = base64.urlsafe_b64decode(text.strip().encode() + b"==")
        except ValueError as exc:
            raise IdKeyError("the ID key is not URL-safe base64") from exc
        return cls(raw)

    def text(self) -> str:
        return base64.urlsafe_b64encode(self.secret).decode().rstrip("=")

    def hash(self, number: str) -> str:
        mac = self._mac.copy()
        mac.update(number.encode())
        return mac.hexdigest()[:HASH_CHARS]

    def hashes(self, numbers: Iterable[str]) -> list[str]:
        """hash() of each number. The HMAC written out over two pre-keyed SHA-256 states
        (RFC 2104), one loop and no call per number: millions in the demo, and a third
        faster than copying an hmac object per number."""
        inner, outer = self._pads
        out = []
        for number in numbers:
            h = inner.copy()
            h.update(number.encode())
            o = outer.copy()
            o.update(h.digest())
            out.append(o.hexdigest()[:HASH_CHARS])
        return out

    def seal(self, numbers: Sequence[str]) -> list[str]:
        nonces = os.urandom(_NONCE * len(numbers))
        enc, b64 = self._aead.encrypt, base64.b64encode
        out = []
        for i, number in enumerate(numbers):
            nonce = nonces[i * _NONCE : (i + 1) * _NONCE]
            out.append(b64(nonce + enc(nonce, number.encode(), None)).decode())
        return out

    def protect(self, numbers: Sequence[str]) -> tuple[list[str], list[str]]:
        """(hashes, seals) of clear ID numbers, in order."""
        return self.hashes(numbers), self.seal(numbers)

    def open(self, tokens: Iterable[str | None]) -> list[str | None]:
        """The clear numbers of sealed tokens (None stays None)."""
        out: list[str | None] = []
        dec = self._aead.decrypt
        for token in tokens:
            if token is None:
                out.append(None)
                continue
            raw = base64.b64decode(token)
            try:
                out.append(dec(raw[:_NONCE], raw[_NONCE:], None).decode())
            except InvalidTag as exc:
                raise IdKeyError("an ID number was sealed with another key") from exc
        return out


def _derive(secret: bytes, label: bytes) -> bytes:
    return hmac.digest(secret, label, "sha256")


def key_file(url: str) -> Path | None:
    """The key file beside an embedded SQLite database (None for any other database)."""
    target = make_url(url)
    if target.get_backend_name() != "sqlite" or target.database in (None, "", ":memory:"):
        return None
    path = Path(target.database)
    return path.with_name(path.name + KEY_FILE_SUFFIX)


def _from_secrets() -> str | None:
    for path in SECRETS_FILES:
        if path.is_file():
            with path.open("rb") as fh:
                value = tomllib.load(fh).get(ENV_VAR)
            if value:
                return str(value)
    return None


def _key_text(url: str) -> str:
    text = os.environ.get(ENV_VAR) or _from_secrets()
    if not text:
        path = key_file(url)
        if path is not None and path.is_file():
            text = path.read_text().strip()
    if not text:
        raise IdKeyError(
            f"no key for ID numbers: set {ENV_VAR} (a new one: `warmth keys new`) or put it "
            "in .streamlit/secrets.toml; only the demo makes a key file of its own"
        )
    return text


def load(url: str) -> IdKey:
    """The key for the database at `url` (see the module docstring for where from)."""
    return IdKey.parse(_key_text(url))


def write_key_file(path: Path, key: IdKey) -> None:
    """Write a key file readable by its owner only (atomically: a temporary file renamed)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key.text() + "\n")
    os.replace(tmp, path)


def ensure_demo_key(url: str) -> None:
    """The demo on an embedded database with no key anywhere makes its own key file."""
    path = key_file(url)
    if path is None or path.exists() or os.environ.get(ENV_VAR) or _from_secrets():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    write_key_file(path, IdKey.new())


_held: dict[tuple[str, str], IdKey] = {}


def for_conn(conn: sa.Connection, *, write: bool = False) -> IdKey:
    """The key for this connection's database, checked against the fingerprint the
    database keeps; a writer (`write=True`) records it on a database that has none."""
    from warmth import schema

    url = conn.engine.url.render_as_string(hide_password=False)
    text = _key_text(url)
    key = _held.get((url, text))
    if key is not None:
        return key
    key = IdKey.parse(text)
    t = schema.id_key
    kept = conn.execute(sa.select(t.c.fingerprint).where(t.c.id == 1)).scalar()
    if kept is None:
        if not write:
            return key  # nothing written with any key yet: nothing to check against
        conn.execute(t.insert().values(id=1, fingerprint=key.fingerprint))
    elif kept != key.fingerprint:
        raise IdKeyError(
            "the ID key given is not the one this database was written with "
            f"(fingerprint {key.fingerprint}, the database expects {kept})"
        )
    _held[(url, text)] = key
    return key


def forget() -> None:
    """Drop the keys held by this process (after a rotation)."""
    _held.clear()


def source(url: str) -> str:
    """Where the key for `url` comes from: env, secrets or file (raises when nowhere)."""
    if os.environ.get(ENV_VAR):
        return "env"
    if _from_secrets():
        return "secrets"
    _key_text(url)
    return "file"


ROTATE_CHUNK = 20_000


def rotate(conn: sa.Connection, old: IdKey, new: IdKey) -> dict[str, int]:
    """Open every seal with the old key and hash and seal the number again with the new one,
    in the caller's transaction (one transaction: all or nothing); record the new key's
    fingerprint and mark every district changed (the snapshot holds hashes). Returns the
    rows rewritten per table."""
    from warmth import schema, versions

    counts: dict[str, int] = {}
    tables = (schema.beneficiaries, schema.duplicate_registrations, schema.aid_records)
    for t in tables:
        update = (
            t.update()
            .where(t.c.id == sa.bindparam("row_id"))
            .values(id_number=sa.bindparam("new_hash"), id_cipher=sa.bindparam("new_seal"))
        )
        last, done = 0, 0
        while True:
            rows = conn.execute(
                sa.select(t.c.id, t.c.id_cipher)
                .where(t.c.id > last)
                .order_by(t.c.id)
                .limit(ROTATE_CHUNK)
            ).all()
            if not rows:
                break
            hashes, seals = new.protect(old.open([r.id_cipher for r in rows]))
            conn.execute(
                update,
                [
                    {"row_id": r.id, "new_hash": h, "new_seal": c}
                    for r, h, c in zip(rows, hashes, seals, strict=True)
                ],
            )
            last, done = rows[-1].id, done + len(rows)
        counts[t.name] = done
    k = schema.id_key
    conn.execute(sa.delete(k))
    conn.execute(k.insert().values(id=1, fingerprint=new.fingerprint))
    versions.bump(conn)
    forget()
    return counts
