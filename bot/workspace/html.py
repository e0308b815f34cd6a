"""Server-rendered HTML for the workspace: escaping, the page frame, tables, forms and charts.

No template engine and no JavaScript framework: pages are built from small functions, every
value escaped by `esc` unless it is already `Html`. Charts are inline SVG made here on the
server (bars per day or week, stacked by kind of answer), so they need no script at all.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any


class Html(str):
    """Markup that is already safe (built here, from escaped parts)."""

    __slots__ = ()


def esc(value: Any) -> Html:
    if isinstance(value, Html):
        return value
    return Html(html.escape("" if value is None else str(value), quote=True))


def join(parts: Iterable[Any], sep: str = "") -> Html:
    return Html(sep.join(esc(p) for p in parts))


def tag(element: str, /, *children: Any, **attrs: Any) -> Html:
    """`<name attrs>children</name>`; attribute names: `class_` → class, `data_x` → data-x; True = bare."""
    rendered = []
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        attr = key.rstrip("_").replace("_", "-")
        rendered.append(f" {attr}" if value is True else f' {attr}="{esc(value)}"')
    if element in ("input", "meta", "link", "br", "img"):
        return Html(f"<{element}{''.join(rendered)}>")
    return Html(f"<{element}{''.join(rendered)}>{join(children)}</{element}>")


def table(header: Sequence[Any], rows: Iterable[Sequence[Any]], *, empty: str = "", class_: str = "") -> Html:
    body = [tag("tr", *(tag("td", cell) for cell in row)) for row in rows]
    if not body and empty:
        return tag("p", empty, class_="empty")
    return tag("table", tag("thead", tag("tr", *(tag("th", h) for h in header))), tag("tbody", *body), class_=class_ or None)


def hidden(name: str, value: Any) -> Html:
    return tag("input", type="hidden", name=name, value=value)


def form(action: str, csrf: str, *children: Any, method: str = "post", class_: str = "", **attrs: Any) -> Html:
    return tag("form", hidden("csrf", csrf) if method == "post" else "", *children, action=action, method=method,
               class_=class_ or None, **attrs)


def field(label: str, control: Html, hint: str = "") -> Html:
    return tag("label", tag("span", label), control, tag("small", hint) if hint else "", class_="field")


def button(text: str, *, name: str = "", value: str = "", kind: str = "", **attrs: Any) -> Html:
    return tag("button", text, type="submit", name=name or None, value=value or None, class_=kind or None, **attrs)


# --- charts ----------------------------------------------------------------------------------------

PALETTE = {
    "agreement": "#2e7d32", "candidates": "#f9a825", "no_agreement": "#c62828", "unknown": "#8e8e8e",
    "authority": "#1565c0", "other": "#6a1b9a", "rated_down": "#000000",
}


def bar_chart(labels: Sequence[str], series: dict[str, Sequence[int]], names: dict[str, str], *, title: str,
              width: int = 720, height: int = 220) -> Html:
    """Stacked bars, one per label (day or week), one colour per series; a legend under it.
    Each bar has a <title> (shown on hover) with its numbers."""
    left, bottom, top = 36, 34, 10
    plot_w, plot_h = width - left - 8, height - bottom - top
    totals = [sum(values[n] for values in series.values()) for n in range(len(labels))]
    peak = max([*totals, 1])
    step = plot_w / max(len(labels), 1)
    bar_w = max(2.0, step * 0.72)
    parts: list[str] = [
        f'<svg class="chart" role="img" aria-label="{esc(title)}" viewBox="0 0 {width} {height + 24}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{esc(title)}</title>",
    ]
    for tick in range(5):  # horizontal grid lines with their value
        value = peak * tick / 4
        y = top + plot_h - plot_h * tick / 4
        parts.append(f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" fill="#555">{value:.0f}</text>')
    every = max(1, len(labels) // 10)
    for n, label in enumerate(labels):
        x = left + n * step + (step - bar_w) / 2
        y = top + plot_h
        tip = ", ".join(f"{names.get(k, k)}: {v[n]}" for k, v in series.items() if v[n])
        parts.append(f'<g class="bar"><title>{esc(label)}: {esc(tip or "0")}</title>')
        for kind, values in series.items():
            value = values[n]
            if not value:
                continue
            h = plot_h * value / peak
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{PALETTE.get(kind, "#555")}" '
                         f'data-kind="{esc(kind)}" data-value="{value}"/>')
        parts.append("</g>")
        if n % every == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 14}" font-size="10" text-anchor="middle" fill="#555">{esc(label)}</text>')
    x = left
    for kind in series:
        parts.append(f'<rect x="{x}" y="{height + 6}" width="10" height="10" fill="{PALETTE.get(kind, "#555")}"/>')
        parts.append(f'<text x="{x + 14}" y="{height + 15}" font-size="11" fill="#222">{esc(names.get(kind, kind))}</text>')
        x += 24 + 7 * len(names.get(kind, kind))
    parts.append("</svg>")
    return Html("".join(parts))


def hbar_chart(rows: Sequence[tuple[str, int]], *, title: str, width: int = 720, colour: str = "#1565c0") -> Html:
    """Horizontal bars with their labels: the fields asked about most, and the like."""
    row_h, label_w = 22, 260
    height = row_h * max(len(rows), 1) + 8
    peak = max([n for _, n in rows] + [1])
    parts = [f'<svg class="chart" role="img" aria-label="{esc(title)}" viewBox="0 0 {width} {height}" width="100%" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{esc(title)}</title>']
    for n, (label, value) in enumerate(rows):
        y = 4 + n * row_h
        w = (width - label_w - 50) * value / peak
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" font-size="12" text-anchor="end" fill="#222">{esc(label[:40])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{colour}" data-value="{value}"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" font-size="12" fill="#222">{value}</text>')
    parts.append("</svg>")
    return Html("".join(parts))


STYLE = """
:root { font-family: "Segoe UI", system-ui, sans-serif; color: #242424; background: #f5f5f5; }
body { margin: 0; }
header { background: #464775; color: #fff; padding: 10px 20px; display: flex; gap: 18px; align-items: center; flex-wrap: wrap; }
header a { color: #fff; text-decoration: none; padding: 4px 8px; border-radius: 4px; }
header a.current { background: rgba(255,255,255,.22); }
header .who { margin-left: auto; font-size: 13px; opacity: .85; }
main { padding: 16px 20px; max-width: 1100px; }
.banner { background: #c62828; color: #fff; padding: 8px 20px; font-weight: 600; }
.card { background: #fff; border-radius: 6px; padding: 12px 16px; margin: 0 0 16px; box-shadow: 0 1px 2px rgba(0,0,0,.12); }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 16px; }
.tile { background: #fff; border-radius: 6px; padding: 10px 14px; min-width: 130px; box-shadow: 0 1px 2px rgba(0,0,0,.12); }
.tile b { display: block; font-size: 26px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
th { background: #fafafa; }
.field { display: block; margin: 8px 0; }
.field span { display: block; font-weight: 600; font-size: 13px; margin-bottom: 2px; }
.field small { color: #666; }
input[type=text], input[type=number], input[type=datetime-local], select, textarea {
  width: 100%; max-width: 640px; padding: 5px; font: inherit; box-sizing: border-box; }
textarea { min-height: 110px; }
select[name=days] { width: auto; }
button { background: #464775; color: #fff; border: 0; border-radius: 4px; padding: 6px 12px; font: inherit; cursor: pointer; margin: 2px 4px 2px 0; }
button.secondary { background: #e0e0e0; color: #222; }
button.danger { background: #c62828; }
.inline { display: inline; }
.notice { background: #e8f5e9; border-left: 4px solid #2e7d32; padding: 8px 12px; margin-bottom: 12px; }
.problem { background: #ffebee; border-left: 4px solid #c62828; padding: 8px 12px; margin-bottom: 12px; }
.status-ok { color: #2e7d32; font-weight: 600; } .status-bad { color: #c62828; font-weight: 600; } .status-wait { color: #b26a00; font-weight: 600; }
.empty { color: #666; font-style: italic; }
.preview { border: 1px solid #ccc; border-radius: 6px; padding: 12px; max-width: 520px; background: #fff; }
.preview .subtle { color: #666; font-size: 12px; } .preview .title { font-size: 20px; font-weight: 600; margin: 4px 0; }
.group { border-top: 1px solid #ddd; padding: 10px 0; }
.answer { color: #555; font-size: 13px; }
.chart { max-width: 760px; display: block; }
"""
