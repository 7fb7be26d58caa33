"""An item's trace as a timeline: every span of its trace, on one time axis, as SVG.

The spans come from the store (see :mod:`workitems.tracing`), written by whichever
worker or Control Room ran them; a span is drawn under its parent, indented, and one
whose parent is not in the store (still running, or lost) starts a row of its own.
Drawn on the server like :mod:`workitems.room.charts`: no JavaScript, labels escaped.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup
from pydantic import BaseModel

from workitems import Item, Store
from workitems.store._spans import Span
from workitems.tracing import trace_id_of

ROW = 20.0
LABEL = 250.0  # the width of the names' column
WIDTH = 760.0


class TimelineRow(BaseModel):
    span: Span
    depth: int
    offset: float  # seconds after the trace's first span started


class Timeline(BaseModel):
    trace_id: str
    rows: list[TimelineRow]
    seconds: float  # from the first start to the last end

    def svg(self) -> Markup:
        return _draw(self)


def item_timeline(store: Store, item: Item) -> Timeline | None:
    """The timeline of the item's trace; None when it has no trace or no span yet."""
    trace_id = trace_id_of(item.traceparent)
    spans = store.spans(trace_id) if trace_id else []
    if not spans:
        return None
    start = min(s.started_at for s in spans)
    end = max(s.ended_at for s in spans)
    return Timeline(trace_id=trace_id or "", seconds=max(end - start, 1e-6),
                    rows=[TimelineRow(span=s, depth=d, offset=s.started_at - start)
                          for s, d in _tree_order(spans)])


def _tree_order(spans: list[Span]) -> list[tuple[Span, int]]:
    """Depth first, each level by start time: a span right under its parent."""
    known = {s.span_id for s in spans}
    children: dict[str | None, list[Span]] = {}
    for s in spans:
        parent = s.parent_span_id if s.parent_span_id in known else None
        children.setdefault(parent, []).append(s)
    out: list[tuple[Span, int]] = []
    stack = [(s, 0) for s in reversed(children.get(None, []))]
    while stack:
        span, depth = stack.pop()
        out.append((span, depth))
        stack += [(c, depth + 1) for c in reversed(children.get(span.span_id, []))]
    return out


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _draw(t: Timeline) -> Markup:
    height = ROW * len(t.rows) + 4
    scale = (WIDTH - LABEL - 70) / t.seconds
    parts = [f'<svg class="chart timeline" viewBox="0 0 {WIDTH:.0f} {height:.0f}" role="img" '
             f'aria-label="spans of trace {escape(t.trace_id)}">']
    for i, row in enumerate(t.rows):
        s, y = row.span, i * ROW + 2
        x = LABEL + row.offset * scale
        w = max(s.seconds * scale, 1.5)
        failed = " failed" if s.status == "ERROR" else ""
        where = f"{s.service}, " if s.service else ""
        parts.append(
            f'<g class="span{failed}"><title>{escape(s.name)} ({escape(where)}'
            f'{_seconds(s.seconds)}, from +{_seconds(row.offset)})</title>'
            f'<text x="{4 + 12 * row.depth:.0f}" y="{y + 13:.0f}">{escape(s.name[:40])}</text>'
            f'<rect x="{x:.1f}" y="{y + 3:.0f}" width="{w:.1f}" height="{ROW - 6:.0f}"/>'
            f'<text class="took" x="{x + w + 4:.1f}" y="{y + 13:.0f}">{_seconds(s.seconds)}'
            "</text></g>")
    parts.append("</svg>")
    return Markup("".join(parts))
