"""The weekly figures as an inline SVG bar chart, drawn on the server (no script)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from nara.api.console import i18n
from nara.services.reports import DayFigures

SERIES = ("announcements", "openings", "awards", "payments")
COLOURS = ("#12355b", "#2a7ab0", "#f5a700", "#3c8d2f")
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 260, 40, 40, 30


def daily_chart(days: Sequence[DayFigures], lang: str) -> str:
    """Grouped bars: for each day, one bar per series; labelled for screen readers."""
    t = i18n.translator(lang)
    top = max([1, *(getattr(d, key) for d in days for key in SERIES)])
    plot_h = HEIGHT - BOTTOM - TOP
    group = (WIDTH - LEFT) / max(1, len(days))
    bar = group / (len(SERIES) + 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="chart-title" id="chart">',
        f'<title id="chart-title">{escape(t("chart"))}</title>',
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH}" y2="{HEIGHT - BOTTOM}" '
        'stroke="#333"/>',
        f'<text x="2" y="{TOP + 4}">{top}</text><text x="2" y="{HEIGHT - BOTTOM}">0</text>',
    ]
    for i, day in enumerate(days):
        x0 = LEFT + i * group
        for j, key in enumerate(SERIES):
            value = getattr(day, key)
            h = plot_h * value / top
            x = x0 + (j + 0.5) * bar
            y = HEIGHT - BOTTOM - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar * 0.9:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[j]}"><title>{day.day.isoformat()} {escape(t(key))}: '
                f"{value}</title></rect>"
            )
        parts.append(
            f'<text x="{x0 + group / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
            f"{day.day:%m-%d}</text>"
        )
    for j, key in enumerate(SERIES):
        x = LEFT + j * 150
        parts.append(
            f'<rect x="{x}" y="6" width="12" height="12" fill="{COLOURS[j]}"/>'
            f'<text x="{x + 16}" y="16">{escape(t(key))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
