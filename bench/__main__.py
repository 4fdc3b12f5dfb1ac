"""`make bench`: run every benchmark once and write docs/benchmarks.md."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib.metadata import version

from .common import ROOT

SECTIONS = ("http", "growth", "dispatch", "pageweight", "soak", "burst")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(
                (ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")), cpu
            )
    except OSError:
        pass
    pkgs = ", ".join(f"{p} {version(p)}" for p in ("flask", "sqlalchemy", "gunicorn", "pywebpush"))
    try:  # `--only burst` needs no wrk
        wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    except FileNotFoundError:
        wrk = "no wrk"
    wrk = wrk.split("[")[0]
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {pkgs}, "
        f"{wrk.strip() or 'wrk'}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=SECTIONS, action="append")
    parser.add_argument("--seconds", type=int, default=8, help="wrk duration per endpoint")
    args = parser.parse_args()
    os.environ.setdefault("BACK_RELIEF_BENCH", "1")
    from . import report

    chosen = args.only or list(SECTIONS)
    results = {}
    for name in chosen:
        print(f"== {name}", file=sys.stderr, flush=True)
        module = __import__(f"bench.{name}", fromlist=["run"])
        results[name] = module.run(seconds=args.seconds) if name == "http" else module.run()
    text = report.render(machine(), results)
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "benchmarks.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
