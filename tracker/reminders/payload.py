"""The push payload: a declarative push message (W3C Push API), sent to every browser.

Where the browser shows it by itself (Safari 18.4+, no service worker needed), every link
is absolute and every action has its own `navigate`. `mutable: true` still lets our service
worker (static/js/sw-push.js) handle it; it reads the same JSON, and our extras (reminder id,
kind, the signed action token) travel in `notification.data`, which the spec carries as is.
An action that changes data never acts on a GET: its `navigate` opens /act/<token>, a page
whose one button POSTs it.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

WEB_PUSH = 8030
LANG, DIR = "en", "ltr"


def _encode(message: dict) -> bytes:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()


def absolute(base: str, url: str) -> str:
    return url if url.startswith(("https://", "http://")) else base + "/" + url.lstrip("/")


def act_url(base: str, token: str, action: str) -> str:
    return f"{base}/act/{quote(token, safe='')}?{urlencode({'do': action})}"


def build(
    content: dict,
    *,
    reminder_id: int,
    kind: str,
    base: str,
    token: str | None,
    data_actions: set[str],
    badge: int,
    limit: int,
) -> dict:
    """`content` is what the planner stored (title, body, url, actions, maybe `answer`).
    Actions that change data (`data_actions`) need the token; without one they are left out."""
    url = absolute(base, content.get("url") or "/reminders")
    answer = content.get("answer")
    asks_on_page = bool(token) and answer in data_actions
    if asks_on_page:
        # Questions answered on the one-tap page (the morning check-in): the notification and
        # its buttons open the page. The token travels only in its URL, so our worker opens
        # it instead of POSTing the action without an answer.
        url = act_url(base, token, answer)
    actions = []
    for item in content.get("actions") or []:
        name = item.get("action")
        if name in data_actions:
            if not token:
                continue
            navigate = act_url(base, token, name)
        else:
            navigate = url
        actions.append({"action": name, "title": item.get("title", name), "navigate": navigate})
    data = {"id": reminder_id, "kind": kind, "url": url}
    if token and not asks_on_page:
        data["action_token"] = token
    notification = {
        "title": content.get("title") or "Back Relief",
        "body": content.get("body", ""),
        "navigate": url,
        "lang": LANG,
        "dir": DIR,
        "tag": f"reminder-{reminder_id}",
        "actions": actions,
        "data": data,
    }
    message = {
        "web_push": WEB_PUSH,
        "notification": notification,
        "app_badge": max(int(badge), 0),
        "mutable": True,
    }
    # Shorten the free text until it fits: the body first, then the title.
    for field in ("body", "title"):
        while len(_encode(message)) > limit and len(notification[field]) > 20:
            notification[field] = notification[field][: len(notification[field]) // 2].rstrip()
            notification[field] += "…"
    if len(_encode(message)) > limit:  # cannot happen with the planner's caps; stay sendable
        notification["actions"] = []
    return message
