"""Render benchmark results as Markdown, with each target checked in the same run."""

from __future__ import annotations

HTTP_GAP = (
    "Why not yet: hello-world costs gunicorn about 0.75 ms a request, so 0.25× leaves the "
    "dashboard about 3 ms. A cached dashboard still pays ~4 ms in-process (profiled with "
    "cProfile): loading the user, the reminders notice in base.html (two queries for a user "
    "with no device), Flask-Login/CSRF/session work and rendering base.html; a cache miss adds "
    "the routine status, streak and water queries and the SVG rendering (~15–30 ms). Next "
    "steps: fold the notice into the cached, versioned data (it needs reminder changes to bump "
    "the version), render the base layout once per user version, and measure with gthread "
    "workers and keep-alive."
)
GROWTH_GAP = (
    "Why not yet: most of the dashboard's queries are bounded windows, but the routine card's "
    "last-done lookup (`routines.queries.last_done_dates`) aggregates the user's whole history "
    "(a MAX over a join with appointments), which grows with the log. Next step: a per-routine "
    "`ORDER BY occurred_at DESC LIMIT 1` on an index (user_id, routine_id, occurred_at), or "
    "storing the last-done date on the routine when a session is logged."
)


def ok(flag: bool) -> str:
    return "met" if flag else "**missed**"


def render(machine: str, results: dict) -> str:
    lines = ["# Benchmarks", "", f"Measured by `make bench` on: {machine}.", "",
             "All figures are ratios measured in the same run on the same machine; "
             "absolute numbers are shown for context only.", ""]
    if "http" in results:
        r = results["http"]
        lines += ["## 1. HTTP under gunicorn (2 sync workers, wrk -t2 -c16)", "",
                  "| endpoint | req/s | × hello-world | p50 ms | p99 ms | non-2xx |",
                  "|---|---:|---:|---:|---:|---:|"]
        for name, v in r.items():
            lines.append(f"| {name} | {v['rps']:.0f} | {v['ratio']:.2f} | {v['p50']:.1f} | "
                         f"{v['p99']:.1f} | {v['non_2xx']} |")
        dash = r["dashboard /"]["ratio"]
        trends = r["/trends"]["ratio"]
        lines += ["", f"Target dashboard ≥ 0.25× hello-world: {dash:.2f}× — {ok(dash >= 0.25)}. "
                  f"Trends ≥ 0.25×: {trends:.2f}× — {ok(trends >= 0.25)}. The targets are read "
                  "with the production default PAGE_CACHE_SECONDS=60 (the rendering is reused "
                  "while the user's data version is unchanged); the '(cache off)' rows show the "
                  "cost of every cache miss, e.g. the first view after logging a session.", ""]
        if dash < 0.25:
            lines += [HTTP_GAP, ""]
    if "growth" in results:
        g = results["growth"]
        lines += ["## 2. Growth: cost per request as history grows (median, in-process)", "",
                  "| sessions | dashboard ms | × at 100 | trends ms | × at 100 |", "|---:|---:|---:|---:|---:|"]
        for size, v in g.items():
            lines.append(f"| {size:,} | {v['/'] * 1000:.2f} | {v['/ ratio']:.2f} | "
                         f"{v['/trends'] * 1000:.2f} | {v['/trends ratio']:.2f} |")
        worst = max(v["/ ratio"] for v in g.values())
        lines += ["", f"Target dashboard ≤ 1.5× from 100 to 10,000 sessions: {worst:.2f}× — "
                  f"{ok(worst <= 1.5)}.", ""]
        if worst > 1.5:
            lines += [GROWTH_GAP, ""]
    for key in ("dispatch", "pageweight", "soak"):
        if key in results:
            lines += results[key]["markdown"]
    return "\n".join(lines) + "\n"
