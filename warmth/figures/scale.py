"""A figure's type and lines grown for a larger screen: every pixel size in it (fonts,
margins, markers, line widths, legend symbols) times a factor, so a chart laid out for
1280×720 is the same chart, k times larger, on a screen k times larger (the slides' type
scale, warmth.briefing.deck.type_scale). Sizes in paper fractions (legend, annotation
positions) stay as they are: the figure grows as a whole.

plotly draws a bar's legend key as a 12 px square whatever the type's size (and caps a
marker's there at 16 px), so on a grown figure each bar's key is a coloured "■" in the
legend's own type instead (`_bar_keys`): it grows with the names beside it. plotly also keeps
the gaps between a legend's symbol and its name, and after the name, at a few pixels, so on a
grown figure the other entries' names are padded with no-break spaces (`_legend_gaps`), which
grow with the type: at x3, "- - -Expected share" ran into the next entry's symbol."""

from __future__ import annotations

import plotly.graph_objects as go

DEFAULT_FONT = 12  # plotly's own, for figures that do not set one
MARGIN = {"l": 80, "r": 80, "t": 100, "b": 80, "pad": 0}  # plotly's defaults
LEGEND_ITEM = 30  # px: plotly's default width of a legend's symbol
PIXEL_KEYS = {"ticklen", "tickwidth", "borderwidth", "itemwidth", "standoff"}


def _grown(value, k: float):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return value * k
    if isinstance(value, list | tuple):
        return [_grown(v, k) for v in value]
    return value


def _walk(node, k: float, parent: str = "") -> None:
    """Grow in place every pixel size under node (a figure's dict)."""
    if isinstance(node, list):
        for item in node:
            _walk(item, k, parent)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        font = parent.endswith("font") and key == "size"
        marker = parent in ("marker", "pattern") and key == "size"
        line = parent == "line" and key == "width"
        if font or marker or line or parent == "margin" or key in PIXEL_KEYS:
            node[key] = _grown(value, k)
        elif key == "pad" and isinstance(value, dict):
            node[key] = {side: _grown(v, k) for side, v in value.items()}
        else:
            _walk(value, k, key)


def scaled(fig: go.Figure, k: float) -> go.Figure:
    """A copy of fig with every pixel size times k (fig itself when k is 1)."""
    if k == 1:
        return fig
    spec = fig.to_plotly_json()
    layout = spec.setdefault("layout", {})
    font = layout.setdefault("font", {})
    font.setdefault("size", DEFAULT_FONT)
    layout["margin"] = {**MARGIN, **layout.get("margin", {})}
    layout.setdefault("legend", {}).setdefault("itemwidth", LEGEND_ITEM)
    _walk(spec, k)
    if "height" in layout:
        layout["height"] = layout["height"] * k
    _bar_keys(spec)
    _legend_gaps(spec, k)
    return go.Figure(spec)


KEY = "■"  # U+25A0, in the Noto CJK faces the figures name


def _colour(trace: dict) -> str | None:
    colour = (trace.get("marker") or {}).get("color")
    if isinstance(colour, list | tuple):
        return colour[0] if colour else None
    return colour if isinstance(colour, str) else None


def _bar_keys(spec: dict) -> None:
    """Each bar trace the legend shows gets its key drawn as KEY in its colour, in the
    legend's type: a legend entry of its own (a trace with no points and no symbol, in the bar's legend group, so a click still hides the bar), the bar itself
    left out of the legend. The symbol's room shrinks to plotly's least (30 px)."""
    layout, data = spec["layout"], spec.get("data", [])
    if layout.get("showlegend") is False or len(data) < 2 and not layout.get("showlegend"):
        return
    keys = []
    for trace in data:
        shown = trace.get("showlegend", True) and trace.get("visible", True) is not False
        colour = _colour(trace)
        if trace.get("type") != "bar" or not shown or not trace.get("name") or colour is None:
            continue
        group = trace.get("legendgroup") or f"key-{len(keys)}-{trace['name']}"
        trace.update(showlegend=False, legendgroup=group)
        keys.append(
            {
                "type": "scatter",
                "x": [None],
                "y": [None],
                "mode": "none",  # no symbol of its own
                "name": f'<span style="color:{colour}">{KEY}</span> {trace["name"]}',
                "legendgroup": group,
                "showlegend": True,
                "hoverinfo": "skip",
            }
        )
    if keys:
        data.extend(keys)
        layout.setdefault("legend", {})["itemwidth"] = LEGEND_ITEM


GAP = "\u00a0"  # a no-break space: plotly keeps it where it trims plain spaces


def _legend_gaps(spec: dict, k: float) -> None:
    """Pad the name of every legend entry drawn with a symbol of plotly's (not a KEY entry,
    whose key is type) with round(k - 1) no-break spaces on each side."""
    pad = GAP * round(k - 1)
    if not pad:
        return
    for trace in spec.get("data", []):
        name = trace.get("name")
        keyed = isinstance(name, str) and KEY in name
        if not name or keyed or trace.get("showlegend") is False:
            continue
        trace["name"] = f"{pad}{name}{pad}"
