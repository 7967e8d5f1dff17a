"""Figures and shown tables built once per answer and options, shared by every session.

Building a plotly figure (its validation), or a labelled table in pandas, costs more than
the query behind it once the answer is cached (components/data/), so each is built once per
its data and options and shared by every session: st.plotly_chart and st.dataframe only read
them. cache_resource hands back the object itself (a pickled figure would be validated again
on every read). The builders are the core's (warmth.figures), which the briefing draws with
too, and components.tables.

An answer is keyed by its content: the digest of its pickled bytes, exact (another content
is other bytes) and about a tenth of the cost of Streamlit's own frame hashing for the
small frames a dashboard shows.
"""

from __future__ import annotations

import hashlib
import pickle
import weakref

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import tables
from warmth import figures

TABLE_BUILDERS = {name: getattr(tables, name) for name in tables.BUILDERS}


_digests: dict[int, tuple[weakref.ref, bytes]] = {}  # id(frame) -> (frame, digest)


def content_key(frame: pd.DataFrame) -> bytes:
    """An exact key for a frame's content (and dtypes, index and columns), computed once per
    frame object: a page hands one answer to a chart and to its table. A page never changes
    a frame it has handed on, so the object's digest stays its content's."""
    key = id(frame)
    held = _digests.get(key)
    if held is not None and held[0]() is frame:
        return held[1]
    digest = hashlib.blake2b(pickle.dumps(frame, protocol=5), digest_size=16).digest()
    _digests[key] = (weakref.ref(frame, lambda _ref, key=key: _digests.pop(key, None)), digest)
    return digest


_by_content = {pd.DataFrame: content_key}


@st.cache_resource(max_entries=512, show_spinner=False, hash_funcs=_by_content)
def _figure(name: str, frame: pd.DataFrame, options: tuple) -> go.Figure:
    return figures.build(name, frame, **dict(options))


@st.cache_resource(max_entries=512, show_spinner=False, hash_funcs=_by_content)
def _table(name: str, frame: pd.DataFrame, options: tuple) -> pd.DataFrame:
    return TABLE_BUILDERS[name](frame, **dict(options))


def table(name: str, frame: pd.DataFrame, **options) -> pd.DataFrame:
    """The shown table components.tables.<name>(frame, **options), built once for this data
    and options. Read it, never change it: every session is handed the same object."""
    return _table(name, frame, tuple(sorted(options.items())))


def figure(name: str, frame: pd.DataFrame, **options) -> go.Figure:
    """The chart warmth.figures.FIGURES[name](frame, **options), built once for this data
    and options."""
    return _figure(name, frame, tuple(sorted(options.items())))
