"""Breaking the glass: showing or exporting a people list unmasked, for a stated purpose.

Only a scope with may_unmask (the users table's may_reveal) may ask; it chooses a purpose
and writes a reason of at least MIN_REASON characters, and every such action (the list
shown unmasked once, or one unmasked file taken away) writes exactly one 'reveal' audit row
with the purpose, the reason, the list, the filters and the row count. An unmasked file
names its viewer and the time in its file name and inside it.

    why = Reveal.asked(scope, "visit", "走访核实遗漏对象的住址")   # RevealRefusedError if not
    why.audit_detail(list_kind="omission", filters="...", shown="screen")
    why.file_tag()                                    # unmasked_hp_example_gov_20050125-101500
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from warmth.scope import Scope

PURPOSES = ("visit", "correction", "other")  # 走访核实, 数据更正, 其他
MIN_REASON = 10
MAX_REASON = 500
_UNSAFE = re.compile(r"[^\w\u4e00-\u9fff-]+")


class RevealRefusedError(ValueError):
    """Why an unmasked view was not granted: a key of the string table (reveal_<code>)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Reveal:
    """A granted request to see personal data unmasked: who, why, when."""

    viewer: str
    purpose: str
    reason: str
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def asked(cls, scope: Scope, purpose: str, reason: str) -> Reveal:
        """The request, checked: may_unmask, a known purpose, a reason long enough (counted
        in characters after trimming; 走访核实遗漏对象住址 is ten)."""
        if not scope.may_unmask or scope.is_empty:
            raise RevealRefusedError("not_allowed")
        if purpose not in PURPOSES:
            raise RevealRefusedError("no_purpose")
        text = " ".join(str(reason or "").split())
        if len(text) < MIN_REASON:
            raise RevealRefusedError("reason_short")
        return cls(scope.user, purpose, text[:MAX_REASON])

    def audit_detail(self, *, list_kind: str, filters: str, shown: str, **more) -> dict:
        """The 'reveal' audit row's detail: purpose, reason, list, filters, how it was shown
        (screen, csv, xlsx) and when it was granted."""
        return {
            "purpose": self.purpose,
            "reason": self.reason,
            "list": list_kind,
            "filters": filters,
            "shown": shown,
            "granted_at": self.at.isoformat(timespec="seconds"),
        } | more

    def file_tag(self) -> str:
        """unmasked_<viewer>_<UTC time>: part of an unmasked file's name, safe on every
        system (letters, digits, _ and -)."""
        viewer = _UNSAFE.sub("_", self.viewer).strip("_") or "viewer"
        return f"unmasked_{viewer}_{self.at.astimezone(UTC):%Y%m%d-%H%M%S}"
