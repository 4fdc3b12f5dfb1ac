"""Delivery health in words a person understands.

The stored `last_error` stays technical (operators and logs need "HTTP 403: BadJwtToken");
the device list shows what it means and what to do.
"""

from __future__ import annotations

import re

from . import bp

OLD_KEY = "made with an earlier key"

UNSUBSCRIBED = (
    "The push service says this device unsubscribed. Open Back Relief on it and turn "
    "reminders on again."
)
PLAIN = [
    (
        re.compile(re.escape(OLD_KEY)),
        "Reminders were renewed on the server. Open Back Relief "
        "on this device once to keep getting them.",
    ),  # fmt: skip
    (re.compile(r"^HTTP (404|410)\b|unsubscribed"), UNSUBSCRIBED),
    (
        re.compile(r"^(Will retry: |Gave up[^:]*: )?timed out"),
        "The push service did not answer in time. We will keep trying.",
    ),  # fmt: skip
    (
        re.compile(r"network error"),
        "We could not reach the push service. We will keep trying.",
    ),  # fmt: skip
    (
        re.compile(r"^HTTP 429\b"),
        "The push service asked us to slow down. We will try again later.",
    ),
    (
        re.compile(r"^HTTP 5\d\d\b"),
        "The push service had a problem on its side. We will try again.",
    ),
    (
        re.compile(r"^HTTP (401|403)\b|BadJwtToken|VAPID", re.I),
        "The push service did not accept this site's signature. The site's operator needs to "
        "check its push settings.",
    ),  # fmt: skip
    (re.compile(r"^HTTP 413\b|too large"), "A reminder was too large for the push service."),
    (
        re.compile(r"bad subscription keys|unusable endpoint"),
        "This device's registration is damaged. Remove it here, then turn reminders on again "
        "on the device.",
    ),  # fmt: skip
]
FALLBACK = "The push service refused the last reminder. Send a test to check this device."


@bp.app_template_filter("plain_push_error")
def plain_error(error: str) -> str:
    for pattern, words in PLAIN:
        if pattern.search(error or ""):
            return words
    return FALLBACK
