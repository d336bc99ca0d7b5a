"""Small server-side SVG charts (no JavaScript, no CDN, no inline style: CSP-safe)."""

from __future__ import annotations

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

BAR = "#1f5f99"


def day_bars(series: list[tuple[str, int]], title: str, width: int = 720, height: int = 200) -> SafeString:
    """Vertical bars, one per day; `series` is [(label, value), ...] in date order."""
    if not series:
        return mark_safe("")
    left, bottom, top = 40, 30, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max(v for _, v in series) or 1
    step = plot_w / len(series)
    bar_w = max(1.0, step * 0.8)
    label_every = max(1, len(series) // 8)
    bars = []
    for i, (label, value) in enumerate(series):
        h = plot_h * value / peak
        x = left + i * step
        y = top + plot_h - h
        bars.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
                f"{x:.1f}",
                f"{y:.1f}",
                f"{bar_w:.1f}",
                f"{h:.1f}",
                BAR,
                label,
                value,
            )
        )
        if i % label_every == 0:
            bars.append(
                format_html(
                    '<text x="{}" y="{}" font-size="11" fill="#333">{}</text>', f"{x:.1f}", height - 10, label[5:]
                )
            )
    axis = format_html(
        '<text x="0" y="{}" font-size="11" fill="#333">{}</text>'
        '<text x="0" y="{}" font-size="11" fill="#333">0</text>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#666"/>',
        top + 10,
        peak,
        top + plot_h,
        left,
        top + plot_h,
        width - 10,
        top + plot_h,
    )
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%" '
        'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title>{}{}</svg>",
        title,
        width,
        height,
        title,
        axis,
        mark_safe("".join(bars)),
    )


def horizontal_bars(items: list[tuple[str, int]], title: str, width: int = 480) -> SafeString:
    """Labelled horizontal bars for a top-N list."""
    if not items:
        return mark_safe("")
    row_h, label_w = 22, 210
    height = row_h * len(items) + 4
    peak = max(v for _, v in items) or 1
    rows = []
    for i, (label, value) in enumerate(items):
        y = i * row_h + 2
        w = (width - label_w - 50) * value / peak
        short = label if len(label) <= 30 else label[:29] + "…"
        rows.append(
            format_html(
                '<text x="0" y="{}" font-size="12" fill="#222">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>'
                '<text x="{}" y="{}" font-size="12" fill="#222">{}</text>',
                y + 15,
                short,
                label_w,
                y + 3,
                f"{w:.1f}",
                row_h - 6,
                BAR,
                label,
                value,
                f"{label_w + w + 4:.1f}",
                y + 15,
                value,
            )
        )
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%" '
        'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title>{}</svg>",
        title,
        width,
        height,
        title,
        mark_safe("".join(rows)),
    )


__all__ = ["day_bars", "horizontal_bars", "escape", "format_html_join"]
