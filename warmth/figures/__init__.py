"""Plotly figure builders, shared by the dashboard (components/) and the briefing
(warmth/briefing/): tidy frame in, figure out, no streamlit.

- `charts`: coverage bars, the district tile map, counts per row, pacing and the daily
  timeline (the pages' charts);
- `gaps`: the overlap and reporting matrices, omission beside leakage.
"""
