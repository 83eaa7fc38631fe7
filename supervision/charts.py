"""Server-rendered SVG bar charts: no JavaScript, and only presentation attributes (the CSP
forbids inline styles). Values are escaped; the result is safe to insert into a page."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, BAR, GAP, LABEL = 560, 22, 8, 170
COLOURS = {"red": "#c62828", "yellow": "#f9a825", "watching": "#2e7d32", "cleared": "#757575"}


def bar_chart(title: str, rows: Sequence[tuple[str, int]], colour: str = "#1565c0",
              colours: Sequence[str] = ()) -> Markup:
    """A horizontal bar chart of ``(label, value)``, with the value written at each bar;
    ``colours`` (per row, optional) override the single ``colour``."""
    height = max(1, len(rows)) * (BAR + GAP) + GAP
    top = max([value for _, value in rows] + [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" '
             f'height="{height}" viewBox="0 0 {WIDTH} {height}"><title>{escape(title)}</title>']
    for position, (label, value) in enumerate(rows):
        y = GAP + position * (BAR + GAP)
        width = int((WIDTH - LABEL - 60) * value / top)
        fill = colours[position] if position < len(colours) else colour
        parts.append(
            f'<text x="{LABEL - 6}" y="{y + BAR - 6}" text-anchor="end" font-size="13">{escape(label)}</text>'
            f'<rect x="{LABEL}" y="{y}" width="{width}" height="{BAR}" fill="{fill}"/>'
            f'<text x="{LABEL + width + 6}" y="{y + BAR - 6}" font-size="13">{value}</text>'
        )
    if not rows:
        parts.append(f'<text x="10" y="{BAR}" font-size="13">—</text>')
    parts.append("</svg>")
    # Every interpolated text went through escape() above; numbers are ints.
    return Markup("".join(parts))  # noqa: S704
