"""The keys a presentation clicker sends (Right / PageDown: next, Left / PageUp: previous),
heard by the slide's counter ("3 / 8") itself: a component that draws the counter and
listens to the window's keys from the moment it is drawn.

Button shortcuts (st.button(shortcut=...)) lost a key pressed in the first seconds after a
slide appeared: the counter was drawn while the buttons' code was still loading, and a key
pressed then reached no button. Here the counter and the listener are one element, so a
slide that shows its counter hears its keys. Each key adds ±1 to a running total of
this page's presses, sent as (page id, total): a total coalesced with the next one by a
busy server still counts every press, and a reloaded page (a new id) starts from 0.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

KEY, SEEN = "present_clicker", "_present_clicker_seen"

_JS = """
export default function ({ parentElement, data, setStateValue }) {
  parentElement.querySelector("span").textContent = data.counter;
  // one listener for the page, whatever number of times the counter is drawn again: it
  // sends through the newest drawing's setStateValue
  const page = (window.__warmthClicker ||= {
    id: Math.random().toString(36).slice(2), total: 0, send: null, pressed: null,
  });
  page.send = setStateValue;
  if (!page.pressed) {
    const steps = { ArrowRight: 1, PageDown: 1, ArrowLeft: -1, PageUp: -1 };
    page.pressed = (event) => {
      const step = steps[event.key];
      const at = event.target;
      if (!step || !page.send || event.altKey || event.ctrlKey || event.metaKey) return;
      if (at && (at.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(at.tagName))) return;
      event.preventDefault();
      page.total += step;
      page.send("moves", [page.id, page.total]);
    };
    window.addEventListener("keydown", page.pressed);
  }
  return () => {
    if (page.send === setStateValue) page.send = null;  // unmounted: nothing to send to
  };
}
"""
_CLICKER = st.components.v2.component(
    "warmth_clicker", html='<span class="present-counter"></span>', js=_JS
)


def moved(seen: tuple[str, int] | None, pressed) -> tuple[int, tuple[str, int] | None]:
    """The slides to move by (+ next, - previous) since the presses already seen, and what
    is seen now; a value that is not (page id, total) moves nothing."""
    try:
        page, total = str(pressed[0]), int(pressed[1])
    except (TypeError, ValueError, IndexError):
        return 0, seen
    before = seen[1] if seen and seen[0] == page else 0
    return total - before, (page, total)


def show(counter: str, step: Callable[[int], None]) -> None:
    """The counter's text, and step(n) called for every n slides the keys moved."""

    def heard() -> None:
        pressed = (st.session_state.get(KEY) or {}).get("moves")
        n, st.session_state[SEEN] = moved(st.session_state.get(SEEN), pressed)
        if n:
            step(n)

    _CLICKER(key=KEY, data={"counter": counter}, on_moves_change=heard)
