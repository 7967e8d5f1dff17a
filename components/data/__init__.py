"""The one door from the UI to the core, and the one place that caches.

A package of one module per page group: `base` (the engine, the cache keys, the first run,
the data version), `access` (who is looking; reference tables and campaigns), `dashboard`
(figures and people lists), `meeting` (across campaigns, quality, slides and the briefing)
and `writes` (uploads and the audit trail); pages import only this package.

Pages and other components never open an engine or write SQL: everything they read or write
goes through a function here. Every cached answer is keyed by
- the database URL (two databases in one process never share entries);
- the data version, read once per script run (`read_version`, called by app.py), so an
  import made anywhere (the command line, another server) shows on the next run;
- what the viewer's scope allows (districts, departments, role, may_unmask, account), never who the
  viewer is: ten city officials share one answer, and a district never gets a city one;
- the filters, the language and the function's own arguments.
The users table is read on every run (not cached), so access taken away or changed holds
from the next click. When the database cannot be reached, the page shows a short bilingual
message and stops: no traceback. Every run also notices a database swapped underneath: a
SQLite file replaced, deleted or made read-only (its file identity), or any database made
again (its identity token): the engine's connections are closed and every cached answer
dropped, so the next run reads the database that is there now.
"""

from components.data.access import (
    campaign,
    campaigns,
    demo_scope,
    is_demo_database,
    names,
    reference,
    refusal,
    reporting_deadline,
    viewer_scope,
)
from components.data.base import ensure_database, guarded, read_version
from components.data.dashboard import (
    coverage,
    headline,
    overlap_matrix,
    pacing,
    reporting_status,
    street_people,
    timeline,
    worklist,
)
from components.data.meeting import briefing_maker, meeting_facts, previous_campaign, yearly
from components.data.writes import (
    audit_trail,
    audit_users,
    batches,
    decide_held,
    held,
    import_batch,
    record_audit,
    record_refusal,
    undo_batch,
    validate,
)
from components.figures import figure

__all__ = [
    "audit_trail",
    "audit_users",
    "batches",
    "briefing_maker",
    "campaign",
    "campaigns",
    "coverage",
    "decide_held",
    "demo_scope",
    "ensure_database",
    "figure",
    "guarded",
    "headline",
    "held",
    "import_batch",
    "is_demo_database",
    "meeting_facts",
    "names",
    "overlap_matrix",
    "pacing",
    "previous_campaign",
    "read_version",
    "record_audit",
    "record_refusal",
    "reference",
    "refusal",
    "reporting_deadline",
    "reporting_status",
    "street_people",
    "timeline",
    "undo_batch",
    "validate",
    "viewer_scope",
    "worklist",
    "yearly",
]
