"""Render benchmark results as Markdown, with each target checked in the same run."""

from __future__ import annotations


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
    for key in ("dispatch", "pageweight", "soak"):
        if key in results:
            lines += results[key]["markdown"]
    return "\n".join(lines) + "\n"
