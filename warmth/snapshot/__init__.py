"""The columnar snapshot of a campaign, the engine behind every figure and list.

- `shards`: the base tables read into one shard of arrays per district;
- `build`: the shards joined into the city's arrays, with each record's matching,
  attribution and rank derived;
- `city`: the City those arrays make, and the per-day frames that warmth.metrics counts
  on;
- `days`: what each day changes (each person's masks after each of their record days, the
  profile rows' and record groups' counts per day), so that any day's frames and masks are
  a lookup, not a pass over the records;
- `store`: snapshots kept per data version: in memory, shared by every session of a
  process, and on disk beside the database, shared by every process;
- `matches`: which person of one campaign is which of another (the same ID number), an
  integer array per pair of registers, kept on disk beside the cities.

`store.city(conn, campaign_id)` is the one call: it reads the data version (one cheap
query), rebuilds only the districts whose data changed since the snapshot it holds, and
returns the current City.
"""
