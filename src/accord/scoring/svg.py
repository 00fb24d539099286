"""Small inline SVG charts for the model report (no JavaScript, no CDN: the page works offline)."""

from __future__ import annotations

from html import escape

W, H = 420, 300
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 30, 44
COLOURS = ("#c0392b", "#2471a3", "#7d8c8d", "#229954")


def _frame(title: str, x_label: str, y_label: str, x_max: float, y_max: float,
           x_ticks: bool = True) -> list[str]:
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    out = [f'<svg viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
           f'role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
           f'<text x="{W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">{escape(title)}</text>',
           f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>']
    for i in range(6):
        fx = LEFT + pw * i / 5
        fy = TOP + ph - ph * i / 5
        out.append(f'<line x1="{fx:.1f}" y1="{TOP}" x2="{fx:.1f}" y2="{TOP + ph}" stroke="#eee"/>')
        out.append(f'<line x1="{LEFT}" y1="{fy:.1f}" x2="{LEFT + pw}" y2="{fy:.1f}" stroke="#eee"/>')
        if x_ticks:
            out.append(f'<text x="{fx:.1f}" y="{TOP + ph + 14}" text-anchor="middle">{_num(x_max * i / 5)}</text>')
        out.append(f'<text x="{LEFT - 6}" y="{fy + 4:.1f}" text-anchor="end">{_num(y_max * i / 5)}</text>')
    out.append(f'<text x="{LEFT + pw / 2}" y="{H - 8}" text-anchor="middle">{escape(x_label)}</text>')
    out.append(f'<text x="14" y="{TOP + ph / 2}" text-anchor="middle" '
               f'transform="rotate(-90 14 {TOP + ph / 2})">{escape(y_label)}</text>')
    return out


def _num(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 10 or v == int(v) else f"{v:.2f}".rstrip("0").rstrip(".")


def _xy(x: float, y: float, x_max: float, y_max: float) -> tuple[float, float]:
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    return LEFT + pw * x / (x_max or 1), TOP + ph - ph * y / (y_max or 1)


def line_chart(title: str, x_label: str, y_label: str, series: list[tuple[str, list, list]],
               x_max: float = 1.0, y_max: float = 1.0, diagonal: bool = False, markers: bool = False,
               vline: tuple[float, float, float, str] | None = None) -> str:
    """Lines (label, xs, ys); optional y = x diagonal and one vertical segment (x, y0, y1, label)."""
    out = _frame(title, x_label, y_label, x_max, y_max)
    if diagonal:
        (x0, y0), (x1, y1) = _xy(0, 0, x_max, y_max), _xy(x_max, y_max, x_max, y_max)
        out.append(f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" stroke="#aaa" stroke-dasharray="4 3"/>')
    for i, (label, xs, ys) in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        pts = " ".join("{:.1f},{:.1f}".format(*_xy(x, y, x_max, y_max)) for x, y in zip(xs, ys))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>')
        if markers:
            for x, y in zip(xs, ys):
                cx, cy = _xy(x, y, x_max, y_max)
                out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{colour}"/>')
        out.append(f'<text x="{LEFT + 8}" y="{TOP + 14 + 14 * i}" fill="{colour}">{escape(label)}</text>')
    if vline:
        x, ya, yb, label = vline
        (px, pa), (_, pb) = _xy(x, ya, x_max, y_max), _xy(x, yb, x_max, y_max)
        out.append(f'<line x1="{px:.1f}" y1="{pa:.1f}" x2="{px:.1f}" y2="{pb:.1f}" stroke="#000" stroke-width="1.5"/>')
        out.append(f'<text x="{px + 4:.1f}" y="{(pa + pb) / 2:.1f}">{escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def bar_chart(title: str, x_label: str, y_label: str, labels: list[str], values: list[float],
              reference: float | None = None) -> str:
    """Vertical bars with an optional horizontal reference line (e.g. the average bad rate)."""
    y_max = max([*values, reference or 0.0, 1e-9]) * 1.15
    out = _frame(title, x_label, y_label, 1, y_max, x_ticks=False)
    pw = W - LEFT - RIGHT
    step = pw / max(len(values), 1)
    for i, (label, v) in enumerate(zip(labels, values)):
        x0 = LEFT + step * i + step * 0.15
        _, y = _xy(0, v, 1, y_max)
        _, base = _xy(0, 0, 1, y_max)
        out.append(f'<rect x="{x0:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{base - y:.1f}" fill="{COLOURS[1]}">'
                   f'<title>{escape(label)}: {v:.3f}</title></rect>')
        out.append(f'<text x="{x0 + step * 0.35:.1f}" y="{base + 14:.1f}" text-anchor="middle">{escape(label)}</text>')
    if reference is not None:
        _, ry = _xy(0, reference, 1, y_max)
        out.append(f'<line x1="{LEFT}" y1="{ry:.1f}" x2="{LEFT + pw}" y2="{ry:.1f}" stroke="{COLOURS[0]}" stroke-dasharray="5 3"/>')
        out.append(f'<text x="{LEFT + pw - 4}" y="{ry - 4:.1f}" text-anchor="end" fill="{COLOURS[0]}">average {reference:.3f}</text>')
    out.append("</svg>")
    return "\n".join(out)
