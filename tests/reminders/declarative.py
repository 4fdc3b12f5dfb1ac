"""A declarative push message parser written from the W3C Push API text (§ "declarative push
message"), independent of tracker/reminders/payload.py: what Safari 18.4+ does with a push
before any service worker runs. `parse` raises ValueError where the spec returns failure."""

from __future__ import annotations

from urllib.parse import urlsplit

DIRS = {"auto", "ltr", "rtl"}
U64 = 2**64


def _url(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{where} must be a string URL")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{where} must be an absolute URL, got {value!r}")
    return value


def parse(message: object) -> dict:
    """(notification, app_badge, mutable) as a dict, or ValueError."""
    if not isinstance(message, dict) or message.get("web_push") != 8030:
        raise ValueError("web_push must be 8030")
    n = message.get("notification")
    if not isinstance(n, dict):
        raise ValueError("notification must be a map")
    if not isinstance(n.get("title"), str):
        raise ValueError("notification.title must be a string")
    _url(n.get("navigate"), "notification.navigate")
    for key in ("body", "lang", "tag"):
        if key in n and not isinstance(n[key], str):
            raise ValueError(f"notification.{key} must be a string")
    if "dir" in n and n["dir"] not in DIRS:
        raise ValueError("notification.dir must be auto, ltr or rtl")
    actions = n.get("actions", [])
    if not isinstance(actions, list):
        raise ValueError("notification.actions must be a list")
    for i, action in enumerate(actions):
        if not isinstance(action, dict):
            raise ValueError(f"actions[{i}] must be a map")
        if not (isinstance(action.get("action"), str) and isinstance(action.get("title"), str)):
            raise ValueError(f"actions[{i}] needs action and title strings")
        _url(action.get("navigate"), f"actions[{i}].navigate")
    badge = message.get("app_badge")
    if badge is not None and not (isinstance(badge, int) and 0 <= badge < U64):
        badge = None  # the spec ignores a badge that is not a 64-bit unsigned integer
    mutable = message.get("mutable", False)
    if not isinstance(mutable, bool):
        raise ValueError("mutable must be a boolean")
    return {"notification": n, "app_badge": badge, "mutable": mutable}


def flat(message: dict) -> dict:
    """What tests read: the notification's members with our `data` extras beside them, plus
    app_badge. A message that is not declarative (a hand-made test payload) is returned as is."""
    if not isinstance(message, dict) or message.get("web_push") != 8030:
        return message
    parsed = parse(message)
    n = parsed["notification"]
    out = {k: v for k, v in n.items() if k != "data"}
    out.update(n.get("data") or {})
    out["app_badge"] = parsed["app_badge"]
    return out
