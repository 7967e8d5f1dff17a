"""The pages of the dashboard, in menu order.

To add a page, add ONE line to PAGES: (file under pages/, string-table key of its title,
material icon). The title key goes in warmth/strings.csv. Nothing else needs to change.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from warmth import i18n

ROOT = Path(__file__).resolve().parent.parent

# ---- PAGES: one line per page; the first is the default ----------------------------------
PAGES: list[tuple[str, str, str]] = [
    ("pages/overview.py", "dash_nav_overview", ":material/dashboard:"),
    ("pages/districts.py", "dash_nav_districts", ":material/map:"),
    ("pages/departments.py", "dash_nav_departments", ":material/account_balance:"),
    ("pages/categories.py", "dash_nav_categories", ":material/groups:"),
    ("pages/timeline.py", "dash_nav_timeline", ":material/timeline:"),
    ("pages/gaps.py", "gaps_nav", ":material/person_search:"),
    ("pages/years.py", "years_nav", ":material/compare_arrows:"),
    ("pages/quality.py", "quality_nav", ":material/fact_check:"),
    ("pages/data.py", "submit_nav", ":material/upload_file:"),
]
# ---- end of PAGES ---------------------------------------------------------------------
# Pages listed for city administrators only (Scope.may_audit); each checks again itself.
ADMIN_PAGES: list[tuple[str, str, str]] = [
    ("pages/audit.py", "audit_nav", ":material/policy:"),
]


def navigation_only() -> None:
    """Turn off Streamlit's legacy pages/-folder mode before anything else runs.

    Streamlit treats a pages/ folder beside the entrypoint as the old multipage layout until
    some session calls st.navigation: the first run after a server start then runs app.py
    inside that layout (query parameters are lost) and a deep link (/districts) runs the
    page without app.py. Switching the flag off and running again avoids both."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def pages(lang: str, *, admin: bool = False) -> list[st.Page]:
    """st.Page objects for PAGES (and ADMIN_PAGES for an administrator), titled in lang (the
    first is the default page)."""
    listed = PAGES + (ADMIN_PAGES if admin else [])
    return [
        st.Page(ROOT / path, title=i18n.t(title_key, lang), icon=icon, default=i == 0)
        for i, (path, title_key, icon) in enumerate(listed)
    ]


def page_path(stem: str) -> Path:
    """The file of a page by its stem ("districts"), for st.switch_page / st.page_link."""
    return ROOT / "pages" / f"{stem}.py"


def open_page(stem: str, **params: str) -> None:
    """Switch to another page keeping the URL's filters (and language), plus params.
    st.switch_page starts the page afresh from the URL it is given, so the filters have to
    travel in it."""
    keep = {k: st.query_params.get_all(k) for k in st.query_params}
    st.switch_page(page_path(stem), query_params=keep | params)
