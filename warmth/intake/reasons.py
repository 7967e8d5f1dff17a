"""Why an upload or a cell of it is refused: a code and its values, rendered from the string
table (warmth/strings.csv, keys upload_<code>) in the reader's language.

    r = Reason.of("date_outside_window", value="2004-01-01", start="2004-12-18", end="2005-02-23")
    r.text("zh"), r.text("en"), r.as_dict()          # stored: {"code": ..., "values": {...}}
    Reason.from_dict(stored)                          # and back, in either language

A value is text or a number; `Names(zh, en)` (a district's names), a tuple (a list, joined
with 、 or ', ') or `Term(key)` (a word of the string table, such as a file kind) are shown
in the reader's language too. Stored reports written before the codes hold English text
only: `Reason.from_dict({"reason": text})` shows that text as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from warmth import formatting, i18n


@dataclass(frozen=True)
class Names:
    """A name in both languages (a district's 黄浦区 / Huangpu District)."""

    zh: str
    en: str


@dataclass(frozen=True)
class Term:
    """A word from the string table, shown in the reader's language."""

    key: str


def _shown(value: object, lang: str) -> str:
    if isinstance(value, Reason):
        return value.text(lang)
    if isinstance(value, Names):
        return value.zh if lang == "zh" else (value.en or value.zh)
    if isinstance(value, Term):
        return i18n.t(value.key, lang)
    if isinstance(value, tuple):
        return formatting.join((_shown(v, lang) for v in value), lang)
    return str(value)


def _stored(value: object) -> object:
    if isinstance(value, Reason):
        return value.as_dict()
    if isinstance(value, Names):
        return {"zh": value.zh, "en": value.en}
    if isinstance(value, Term):
        return {"term": value.key}
    if isinstance(value, tuple):
        return [_stored(v) for v in value]
    return value


def _loaded(value: object) -> object:
    if isinstance(value, dict) and "code" in value:
        return Reason.from_dict(value)
    if isinstance(value, dict) and set(value) == {"zh", "en"}:
        return Names(value["zh"], value["en"])
    if isinstance(value, dict) and set(value) == {"term"}:
        return Term(value["term"])
    if isinstance(value, list):
        return tuple(_loaded(v) for v in value)
    return value


@dataclass(frozen=True)
class Reason:
    """A problem as a code (a key of the string table without its upload_ prefix) and the
    values its sentence names: the row's value, the expected form, a limit."""

    code: str
    values: tuple[tuple[str, object], ...] = ()
    legacy: str | None = None  # the English text of a report stored before the codes

    @classmethod
    def of(cls, code: str, /, **values: object) -> Reason:
        return cls(code, tuple(values.items()))

    def text(self, lang: str = "en") -> str:
        if self.legacy is not None:
            return self.legacy
        return i18n.t(f"upload_{self.code}", lang, **{k: _shown(v, lang) for k, v in self.values})

    def __str__(self) -> str:
        return self.text("en")

    def as_dict(self) -> dict:
        if self.legacy is not None:
            return {"reason": self.legacy}
        return {"code": self.code, "values": {k: _stored(v) for k, v in self.values}}

    @classmethod
    def from_dict(cls, stored: dict | str) -> Reason:
        """A stored reason: {"code", "values"}, or the English text of an older report."""
        if isinstance(stored, str):
            return cls("legacy", legacy=stored)
        if "code" not in stored:
            return cls("legacy", legacy=str(stored.get("reason", "")))
        values = tuple((k, _loaded(v)) for k, v in (stored.get("values") or {}).items())
        return cls(stored["code"], values)
