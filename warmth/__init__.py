"""Warmth core: data model, metrics and queries for the holiday aid campaign (帮困送温暖).

Nothing in this package imports streamlit; the UI lives in app.py, pages/ and components/.
"""

__version__ = "0.1.0"
