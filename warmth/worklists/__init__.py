"""People lists for follow-up work: who was left out, paid twice, helped by several
departments for one need, helped without being eligible, or registered in two districts.

The omission, repeat, overlap and leakage lists choose their members on the columnar
snapshot (warmth.snapshot.people) with the figures' own definitions, so a list's total is
its figure; the records and categories shown beside a page's members come from the
snapshot too (warmth.worklists.records), and SQL reads only the registrations of the page's
people (names, addresses, sealed ID numbers: by id, one indexed read). A street's people and registrations
in two districts are read from the base tables through indexes, a page at a time. The
definitions are those of DEFINITIONS.md:
- a record *matches* when its ID number is registered and its programme serves at least one
  of that beneficiary's categories;
- a category filter narrows both the people (in one of those categories) and the records
  that count for them (from a programme serving one of those categories they are in);
- a department or programme filter narrows the records to those programmes and the people
  to the categories those programmes serve.

Personal data is masked (ID 110105********002X, name 张*, address to the road) unless the
caller asks for `unmask=True` *and* the scope allows it. Default deny: an empty scope, or
districts outside it, give an empty page. Filter values only ever reach SQL as bound
parameters.

The "left out this year" list (reached last campaign, eligible this one and not yet
reached; people matched across campaigns by ID number) is chosen on both campaigns'
snapshots (warmth.years.left_out) and has the omission list's columns.

One module per list; `chosen` runs the snapshot lists, `slicing` is the request as SQL
conditions, `reports` writes whole lists.
"""

from warmth.worklists._common import COLUMNS, FORMATS, KINDS, Page, mask_address
from warmth.worklists.leakage import leakage
from warmth.worklists.left_out import left_out
from warmth.worklists.omission import omission
from warmth.worklists.overlaps import overlaps
from warmth.worklists.pages import page
from warmth.worklists.registrations import cross_district, street_people
from warmth.worklists.repeats import repeats
from warmth.worklists.reports import iter_frames, report_gaps, write_gaps

__all__ = [
    "COLUMNS",
    "FORMATS",
    "KINDS",
    "Page",
    "cross_district",
    "iter_frames",
    "leakage",
    "left_out",
    "mask_address",
    "omission",
    "overlaps",
    "page",
    "repeats",
    "report_gaps",
    "street_people",
    "write_gaps",
]
