"""The size of the viewer's screen, for slides whose charts grow with it: a component of
no visible size reports the window's inner width and height (CSS pixels) when it mounts
and after every resize, which reruns the script with the new size.

The size only changes how large type is drawn (warmth.briefing.deck.type_scale); it is
nothing a viewer is trusted with: a value outside SIZE_RANGE reads as unknown.
"""

from __future__ import annotations

import streamlit as st

KEY = "present_screen"
SIZE_RANGE = (200, 16384)  # CSS pixels, either side

_JS = """
export default function ({ data, setStateValue }) {
  const known = (data && data.size) || null;
  const send = () => {
    const size = [window.innerWidth, window.innerHeight];
    if (!known || known[0] !== size[0] || known[1] !== size[1]) setStateValue("size", size);
  };
  let timer = null;
  const resized = () => {
    clearTimeout(timer);
    timer = setTimeout(send, 300);
  };
  send();
  window.addEventListener("resize", resized);
  return () => {
    clearTimeout(timer);
    window.removeEventListener("resize", resized);
  };
}
"""
_SCREEN = st.components.v2.component("warmth_screen", html="<span></span>", js=_JS)


def _checked(value) -> tuple[int, int] | None:
    try:
        width, height = (int(v) for v in value)
    except (TypeError, ValueError):
        return None
    low, high = SIZE_RANGE
    return (width, height) if low <= width <= high and low <= height <= high else None


def size() -> tuple[int, int] | None:
    """The viewer's window (width, height) in CSS pixels; None until the browser has said."""
    known = _checked((st.session_state.get(KEY) or {}).get("size"))
    result = _SCREEN(
        key=KEY, data={"size": list(known) if known else None}, on_size_change=lambda: None
    )
    return _checked(getattr(result, "size", None)) or known
