"""The suite's AppTests share one scan of the installed packages for Streamlit components
(tests/conftest.py): a second AppTest's first run reads no distribution's metadata."""

from __future__ import annotations

import importlib.metadata

from streamlit.testing.v1 import AppTest


def _app() -> None:
    import streamlit as st

    st.write("scanned")


def test_a_new_apptest_does_not_scan_the_installed_packages_again(monkeypatch):
    scans = []
    distributions = importlib.metadata.distributions

    def counted(*args, **kwargs):
        scans.append(args)
        return distributions(*args, **kwargs)

    monkeypatch.setattr(importlib.metadata, "distributions", counted)
    for _ in range(3):
        at = AppTest.from_function(_app).run()
        assert not at.exception and at.markdown[0].value == "scanned"
    assert len(scans) <= 1, f"{len(scans)} scans of the installed packages for 3 AppTests"
