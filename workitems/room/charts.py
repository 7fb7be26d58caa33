"""Small charts as inline SVG, drawn on the server: no JavaScript, nothing from the internet.

Labels are escaped here because the result is marked safe for the templates.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from markupsafe import Markup

STATE_ORDER = ("PENDING", "IN_PROGRESS", "FAILED", "DONE")


def _num(value: float) -> str:
    return f"{value:.1f}"


def bar_chart(bars: list[tuple[str, float]], *, width: int = 640, height: int = 180,
              title: str = "", show: Callable[[float], str] = "{:g}".format) -> Markup:
    """Vertical bars with a label under every few bars and the value in a tooltip;
    ``show`` formats a value (the top of the scale and the tooltips)."""
    if not bars:
        return Markup('<p class="muted">No data in this window.</p>')
    top = max(v for _, v in bars) or 1.0
    gap, bottom, left = 2.0, 22.0, 36.0
    slot = (width - left) / len(bars)
    label_every = max(1, len(bars) // 8)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}">',
             f'<text class="axis" x="0" y="12">{escape(show(top))}</text>',
             f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width}" '
             f'y2="{height - bottom}"/>']
    for i, (label, value) in enumerate(bars):
        h = (height - bottom - 16) * value / top
        x = left + i * slot
        parts.append(f'<rect class="bar" x="{_num(x + gap / 2)}" y="{_num(height - bottom - h)}" '
                     f'width="{_num(max(slot - gap, 1))}" height="{_num(h)}">'
                     f'<title>{escape(label)}: {escape(show(value))}</title></rect>')
        if i % label_every == 0:
            parts.append(f'<text class="axis" x="{_num(x)}" y="{height - 6}">{escape(label)}'
                         '</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def state_bars(rows: list[tuple[str, dict[str, int]]], *, width: int = 640) -> Markup:
    """One horizontal stacked bar per step: how many items are in each state."""
    if not rows:
        return Markup('<p class="muted">No items yet.</p>')
    row_h, left = 26, 150
    most = max(sum(states.values()) for _, states in rows) or 1
    height = row_h * len(rows) + 24
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             'aria-label="items by state and step">']
    for r, (label, states) in enumerate(rows):
        y = r * row_h
        parts.append(f'<text class="axis" x="0" y="{y + 16}">{escape(label)}</text>')
        x = float(left)
        for state in STATE_ORDER:
            n = states.get(state, 0)
            if not n:
                continue
            w = (width - left) * n / most
            parts.append(f'<rect class="state-{state.lower()}" x="{_num(x)}" y="{y + 4}" '
                         f'width="{_num(max(w, 1))}" height="{row_h - 8}">'
                         f'<title>{escape(label)} {state}: {n}</title></rect>')
            x += w
    legend_y = height - 6
    for i, state in enumerate(STATE_ORDER):
        x = left + i * 110
        parts.append(f'<rect class="state-{state.lower()}" x="{x}" y="{legend_y - 10}" '
                     f'width="10" height="10"/><text class="axis" x="{x + 14}" '
                     f'y="{legend_y}">{state}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
