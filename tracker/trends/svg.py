"""Server-rendered inline SVG charts: no script, no style attributes (CSP), colours from CSS classes.

Every chart is role="img" with a <title> and <desc> naming what it shows; marks carry data-*
attributes with the plotted numbers, so tests can check they match the table alternative.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from .series import HeatCell, MetricPoint, MonthAdherence, PainPoint

WIDTH = 360
LEFT, RIGHT, TOP, BOTTOM = 30, 8, 26, 22


def n1(value: float) -> str:
    """One decimal, without a trailing .0 (keeps the markup small and tables comparable)."""
    return f"{value:.1f}".removesuffix(".0")


def _svg(
    uid: str, cls: str, title: str, desc: str, height: int, body: str, width: int = WIDTH
) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {cls}" viewBox="0 0 {width} {height}"'
        f' role="img" aria-labelledby="{uid}-title {uid}-desc">'
        f'<title id="{uid}-title">{escape(title)}</title><desc id="{uid}-desc">{escape(desc)}</desc>'
        f"{body}</svg>"
    )


def _short(label: str) -> str:
    """'Mon 3 Mar 2025' -> '3 Mar'; 'Week of 3 Mar 2025' -> '3 Mar'; 'March 2025' -> 'Mar 2025'."""
    words = label.removeprefix("Week of ").split()
    if len(words) == 2:
        return f"{words[0][:3]} {words[1]}"
    return " ".join(words[-3:-1])


def _y_axis(
    lo: int, hi: int, ticks: Sequence[int], top: int, height: int
) -> tuple[str, Callable[[float], float]]:
    def y(v: float) -> float:
        return round(top + height - (v - lo) / (hi - lo) * height, 1)

    parts = []
    for t in ticks:
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(t)}" y2="{y(t)}"/>'
            f'<text class="axis" x="{LEFT - 6}" y="{y(t) + 4}" text-anchor="end">{t}</text>'
        )
    return "".join(parts), y


def _x_labels(labels: Sequence[str], y: float) -> str:
    if not labels:
        return ""
    out = f'<text class="axis" x="{LEFT}" y="{y}">{escape(_short(labels[0]))}</text>'
    if len(labels) > 1:
        out += (
            f'<text class="axis" x="{WIDTH - RIGHT}" y="{y}" text-anchor="end">'
            f"{escape(_short(labels[-1]))}</text>"
        )
    return out


def _diamond(x: float, y: float, r: float, cls: str) -> str:
    return (
        f'<path class="{cls}" d="M{x} {round(y - r, 1)}L{round(x + r, 1)} {y}'
        f'L{x} {round(y + r, 1)}L{round(x - r, 1)} {y}Z"/>'
    )


def pain_chart(
    points: Sequence[PainPoint], relief: float | None, uid: str = "pain"
) -> Markup | None:
    """Dumbbell chart: a circle for pain before, a diamond for after, joined by a line."""
    if not points:
        return None
    plot_h = 150
    grid, y = _y_axis(0, 10, (0, 2, 4, 6, 8, 10), TOP, plot_h)
    step = (WIDTH - LEFT - RIGHT) / len(points)
    r = round(min(5.0, max(2.0, step / 3)), 1)
    marks = []
    for i, p in enumerate(points):
        x = round(LEFT + (i + 0.5) * step, 1)
        marks.append(
            f'<g class="mark" data-label="{escape(p.label)}" data-before="{n1(p.before)}"'
            f' data-after="{n1(p.after)}"><title>{escape(p.label)}: pain {n1(p.before)} before,'
            f" {n1(p.after)} after</title>"
            f'<line class="db-line" x1="{x}" x2="{x}" y1="{y(p.before)}" y2="{y(p.after)}"/>'
            f'<circle class="pt-before" cx="{x}" cy="{y(p.before)}" r="{r}"/>'
            f"{_diamond(x, y(p.after), r + 1, 'pt-after')}</g>"
        )
    legend = (
        f'<circle class="pt-before" cx="{LEFT + 6}" cy="10" r="5"/>'
        f'<text class="legend" x="{LEFT + 16}" y="14">Before</text>'
        f"{_diamond(LEFT + 86, 10, 6, 'pt-after')}"
        f'<text class="legend" x="{LEFT + 97}" y="14">After</text>'
    )
    height = TOP + plot_h + BOTTOM
    desc = (
        f"{len(points)} points from {points[0].label} to {points[-1].label}, pain on a 0 to 10 "
        f"scale. Average pain before {n1(sum(p.before for p in points) / len(points))}, after "
        f"{n1(sum(p.after for p in points) / len(points))}."
    )
    if relief is not None:
        desc += f" Average relief per session: {n1(relief)} points."
    body = grid + legend + "".join(marks) + _x_labels([p.label for p in points], height - 4)
    return _svg(uid, "chart-pain", "Pain before and after each session", desc, height, body)


def metric_chart(points: Sequence[MetricPoint], name: str, uid: str) -> Markup | None:
    """Ratings (1 to 5) as dots, with the rolling average as a line."""
    if not points:
        return None
    plot_h = 110
    grid, y = _y_axis(1, 5, (1, 2, 3, 4, 5), TOP, plot_h)
    step = (WIDTH - LEFT - RIGHT) / len(points)
    r = round(min(4.0, max(1.5, step / 3)), 1)
    dots, line = [], []
    for i, p in enumerate(points):
        x = round(LEFT + (i + 0.5) * step, 1)
        rolling = "" if p.rolling is None else n1(p.rolling)
        dots.append(
            f'<circle class="pt-value mark" cx="{x}" cy="{y(p.value)}" r="{r}"'
            f' data-label="{escape(p.label)}" data-value="{n1(p.value)}"'
            f' data-rolling="{rolling}"><title>{escape(p.label)}: {n1(p.value)}'
            f"</title></circle>"
        )
        if p.rolling is not None:
            line.append(f"{x},{y(p.rolling)}")
    legend = (
        f'<circle class="pt-value" cx="{LEFT + 6}" cy="10" r="4"/>'
        f'<text class="legend" x="{LEFT + 16}" y="14">Each rating</text>'
        f'<line class="roll" x1="{LEFT + 110}" x2="{LEFT + 134}" y1="10" y2="10"/>'
        f'<text class="legend" x="{LEFT + 140}" y="14">Rolling average</text>'
    )
    path = f'<polyline class="roll" points="{" ".join(line)}"/>' if len(line) > 1 else ""
    height = TOP + plot_h + BOTTOM
    rolled = [p.rolling for p in points if p.rolling is not None]
    desc = (
        f"{len(points)} ratings from {points[0].label} to {points[-1].label} on a 1 to 5 scale."
        f" Rolling average went from {n1(rolled[0])} to {n1(rolled[-1])}."
    )
    body = grid + legend + path + "".join(dots) + _x_labels([p.label for p in points], height - 4)
    return _svg(uid, "chart-metric", f"{name} over time", desc, height, body)


CELL, PITCH, HM_LEFT, HM_TOP = 10, 12, 26, 16
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _cell(cell: HeatCell, x: int, y: int) -> str:
    half = CELL / 2
    kind = cell.kind
    if kind == "none":
        return f'<rect class="hm-none" x="{x + 1}" y="{y + 1}" width="{CELL - 2}" height="{CELL - 2}" rx="1"/>'
    if kind == "self":
        shape = f'<circle class="hm-self" cx="{x + half}" cy="{y + half}" r="{half}"/>'
    else:
        shape = f'<rect class="hm-pro" x="{x}" y="{y}" width="{CELL}" height="{CELL}"/>'
        if kind == "both":
            shape += f'<circle class="hm-both" cx="{x + half}" cy="{y + half}" r="{half - 2}"/>'
    label = f"{cell.day:%a} {cell.day.day} {cell.day:%b %Y}: {_counts(cell)}"
    return (
        f'<g class="mark" data-day="{cell.day.isoformat()}" data-professional="{cell.professional}"'
        f' data-self="{cell.self_care}"><title>{escape(label)}</title>{shape}</g>'
    )


def _counts(cell: HeatCell) -> str:
    parts = []
    if cell.professional:
        parts.append(f"{cell.professional} professional")
    if cell.self_care:
        parts.append(f"{cell.self_care} self-massage")
    return ", ".join(parts)


def heatmap_chart(columns: Sequence[Sequence[HeatCell]], uid: str = "heatmap") -> Markup:
    """26 weeks of days: squares for professional, circles for self-massage, both combined."""
    width = HM_LEFT + PITCH * len(columns) + 2
    body = []
    for d in (0, 2, 4):
        body.append(
            f'<text class="axis" x="{HM_LEFT - 4}" y="{HM_TOP + d * PITCH + 9}"'
            f' text-anchor="end">{DAY_NAMES[d][0]}</text>'
        )
    month = None
    for w, week in enumerate(columns):
        x = HM_LEFT + w * PITCH
        if week and week[0].day.month != month:
            month = week[0].day.month
            if w < len(columns) - 2:
                body.append(f'<text class="axis" x="{x}" y="11">{week[0].day:%b}</text>')
        body += [_cell(c, x, HM_TOP + c.day.weekday() * PITCH) for c in week]
    ly, lx = HM_TOP + 7 * PITCH + 10, HM_LEFT
    legend = (
        (
            f'<rect class="hm-none" x="{lx + 1}" y="{ly + 1}" width="8" height="8" rx="1"/>',
            lx + 14,
            "None",
        ),
        (
            f'<rect class="hm-pro" x="{lx + 60}" y="{ly}" width="10" height="10"/>',
            lx + 74,
            "Professional",
        ),
        (f'<circle class="hm-self" cx="{lx + 175}" cy="{ly + 5}" r="5"/>', lx + 184, "Self"),
        (
            f'<rect class="hm-pro" x="{lx + 230}" y="{ly}" width="10" height="10"/>'
            f'<circle class="hm-both" cx="{lx + 235}" cy="{ly + 5}" r="3"/>',
            lx + 244,
            "Both",
        ),
    )
    for shape, text_x, text in legend:
        body.append(f'{shape}<text class="legend" x="{text_x}" y="{ly + 9}">{text}</text>')
    cells = [c for week in columns for c in week]
    pro = sum(1 for c in cells if c.professional)
    own = sum(1 for c in cells if c.self_care)
    desc = (
        f"{len(columns)} weeks from {cells[0].day:%d %b %Y} to {cells[-1].day:%d %b %Y}: "
        f"{pro} days with a professional massage, {own} days with self-massage."
    )
    return _svg(
        uid,
        "chart-heatmap",
        "Session calendar, last 26 weeks",
        desc,
        ly + 16,
        "".join(body),
        width=max(width, lx + 290),
    )


def adherence_chart(months: Sequence[MonthAdherence], name: str, uid: str) -> Markup | None:
    """Bars per month: the outline is what was due, the filled part what was kept."""
    if not months:
        return None
    plot_h = 100
    top = 18
    most = max([m.due for m in months] + [1])
    step = (WIDTH - LEFT - RIGHT) / len(months)
    bar = round(min(28.0, step * 0.7), 1)
    every = 1 if len(months) <= 12 else -(-len(months) // 12)
    body = []
    base = top + plot_h
    for i, m in enumerate(months):
        x = round(LEFT + i * step + (step - bar) / 2, 1)
        due_h = round(m.due / most * plot_h, 1)
        kept_h = round(m.kept / most * plot_h, 1)
        text = f"{m.kept}/{m.due}" if m.due else "–"
        body.append(
            f'<g class="mark" data-label="{escape(m.label)}" data-kept="{m.kept}" data-due="{m.due}">'
            f"<title>{escape(m.label)}: kept {m.kept} of {m.due} due</title>"
            f'<rect class="ad-due" x="{x}" y="{round(base - due_h, 1)}" width="{bar}" height="{due_h}"/>'
            f'<rect class="ad-kept" x="{x}" y="{round(base - kept_h, 1)}" width="{bar}" height="{kept_h}"/>'
        )
        if i % every == 0:
            cx = round(x + bar / 2, 1)
            if len(months) <= 12:
                body.append(
                    f'<text class="axis" x="{cx}" y="{round(base - due_h - 4, 1)}"'
                    f' text-anchor="middle">{text}</text>'
                )
            body.append(
                f'<text class="axis" x="{cx}" y="{base + 16}" text-anchor="middle">'
                f"{m.month:%b}</text>"
            )
        body.append("</g>")
    body.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{base}" y2="{base}"/>')
    kept, due = sum(m.kept for m in months), sum(m.due for m in months)
    share = f" ({round(100 * kept / due)}%)" if due else ""
    desc = (
        f"{name}: kept {kept} of {due} due sessions{share} over {len(months)} months, "
        f"{months[0].label} to {months[-1].label}."
    )
    return _svg(
        uid, "chart-adherence", f"Adherence per month: {name}", desc, base + BOTTOM, "".join(body)
    )
