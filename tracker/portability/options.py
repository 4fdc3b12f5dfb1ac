"""The wizard's and the CLI's choices for each format, from a form or from options."""

from __future__ import annotations

from collections.abc import Callable


class OptionError(ValueError):
    pass


def pairs(items: list[str] | tuple[str, ...], what: str) -> dict[str, str]:
    """["a=b", "c=d"] (or one "a=b,c=d") -> {"a": "b", "c": "d"}, for the CLI."""
    out = {}
    for item in items:
        for part in item.split(","):
            if not part.strip():
                continue
            key, sep, value = part.partition("=")
            if not sep or not key.strip():
                raise OptionError(f"--{what}: {part.strip()!r} must look like NAME=VALUE")
            out[key.strip()] = value.strip()
    return out


def prefixed(form, name: str) -> dict[str, str]:
    """Form fields named "name:key" -> {key: value}, leaving out blank choices."""
    start = f"{name}:"
    return {k[len(start) :]: v for k, v in form.items() if k.startswith(start) and v.strip()}


def build(fmt: str, get: Callable, getlist: Callable, getmap: Callable) -> dict:
    """Options for `fmt`; getmap(name) gives {key: text} (mood labels, habits, fields)."""
    if fmt == "daylio":
        moods = {}
        for label, value in getmap("mood").items():
            if not value.strip().isdigit() or not 1 <= int(value) <= 5:
                raise OptionError(f"mood {label!r}: use a number from 1 to 5")
            moods[label] = int(value)
        return {
            "activities": list(getlist("activity")),
            "kind": get("kind") or "self",
            "moods": moods,
        }
    if fmt == "loop":
        habits = {}
        for habit, routine in getmap("habit").items():
            if not routine.strip().isdigit():
                raise OptionError(f"habit {habit!r}: choose one of your routines by its number")
            habits[habit] = int(routine)
        return {"habits": habits}
    if fmt == "sheet":
        return {
            "map": getmap("map"),
            "date_format": get("date_format") or "",
            "timezone": get("timezone") or "",
        }
    return {}
