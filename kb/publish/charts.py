"""Bar charts as inline SVG, drawn here so the dashboard needs no script and no network.

The chart is one HTML block (a `div` around an `svg`, no blank lines) that Markdown passes
through as written. Labels are escaped, values are integers: nothing a record says can act.
"""

from __future__ import annotations

from html import escape

BAR_HEIGHT = 22
LABEL_WIDTH = 130
BAR_WIDTH = 320
PALETTE = ("#c62828", "#ef6c00", "#f9a825", "#2e7d32", "#1565c0", "#757575")


def bar_chart(title: str, values: dict[str, int], palette: tuple[str, ...] = PALETTE) -> str:
    """Horizontal bars, one per label, in the order given, with the count after each bar."""
    top = max(values.values(), default=0) or 1
    height = BAR_HEIGHT * len(values) + 8
    width = LABEL_WIDTH + BAR_WIDTH + 60
    rows = []
    for i, (label, count) in enumerate(values.items()):
        y = 4 + i * BAR_HEIGHT
        length = round(BAR_WIDTH * count / top)
        color = palette[i % len(palette)]
        rows.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{length}" height="{BAR_HEIGHT - 6}" fill="{color}"/>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 15}">{count}</text>'
        )
    return (
        f'<div class="kb-chart"><svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-size="13" fill="currentColor">'
        f"<title>{escape(title)}</title>{''.join(rows)}</svg></div>"
    )
