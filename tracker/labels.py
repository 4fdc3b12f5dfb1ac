"""Human labels for stored values, one place for every page, export and notification."""

from __future__ import annotations

from collections.abc import Iterable

PRESSURE_LABELS = {"light": "Light", "medium": "Medium", "firm": "Firm"}
STYLE_LABELS = {
    "": "Not set", "swedish": "Swedish", "deep_tissue": "Deep tissue", "sports": "Sports",
    "trigger_point": "Trigger point", "myofascial": "Myofascial", "hot_stone": "Hot stone",
    "shiatsu": "Shiatsu", "other": "Other",
}  # fmt: skip
FOCUS_LABELS = {
    "neck": "Neck", "shoulders": "Shoulders", "upper_back": "Upper back", "mid_back": "Mid back",
    "lower_back": "Lower back", "hips_glutes": "Hips and glutes", "legs": "Legs",
    "arms_hands": "Arms and hands", "feet": "Feet", "head_face": "Head and face",
    "left_shoulder": "Left shoulder", "right_shoulder": "Right shoulder",
    "left_hip": "Left hip and glute", "right_hip": "Right hip and glute",
}  # fmt: skip
# One side of a two-sided area (#17). Both sides together are stored as the two-sided value,
# which is what sessions logged before the body map say, so old and new data group alike.
FOCUS_SIDES = {
    "shoulders": ("left_shoulder", "right_shoulder"),
    "hips_glutes": ("left_hip", "right_hip"),
}
# The body map's regions, seen from behind (the person's left is on the left), in one 240x300
# drawing shared by the log form and the trends heat map: (value, SVG path, label anchor, lines).
BODY_MAP = (
    ("neck", "M98 38h44l4 36H94z", (120, 60), ("Neck",)),
    ("left_shoulder", "M118 76v38H30q0-26 36-34z", (78, 92), ("Left", "shoulder")),
    ("right_shoulder", "M122 76v38h88q0-26-36-34z", (162, 92), ("Right", "shoulder")),
    ("upper_back", "M58 116h124l-4 44H62z", (120, 142), ("Upper back",)),
    ("mid_back", "M62 162h116l-4 42H66z", (120, 187), ("Mid back",)),
    ("lower_back", "M66 206h108l6 40H60z", (120, 230), ("Lower back",)),
    ("left_hip", "M60 248h58v50H74q-20-12-14-50z", (92, 268), ("Left", "hip")),
    ("right_hip", "M180 248h-58v50h44q20-12 14-50z", (148, 268), ("Right", "hip")),
)
BODY_OUTLINE = (
    "M137 19a17 17 0 1 1-34 0a17 17 0 1 1 34 0z"  # head
    "M30 116l-8 124h20l10-120zM210 116l8 124h-20l-10-120z"  # arms
)


def merge_sides(areas):
    """Both sides of an area are stored as its two-sided value (what sessions said before the
    body map), so a session reads and groups the same however it was logged; one side stays
    one side. Order follows FOCUS_LABELS (= FOCUS_AREAS); anything unknown is kept, last, for
    the validator to name. Not a list: returned as is, for the validator to refuse."""
    if not isinstance(areas, list | tuple):
        return areas
    chosen = set(areas)
    for both, sides in FOCUS_SIDES.items():
        if set(sides) <= chosen:
            chosen.add(both)
        if both in chosen:
            chosen -= set(sides)
    known = [a for a in FOCUS_LABELS if a in chosen]
    return known + [a for a in areas if a not in FOCUS_LABELS]


def expand_sides(areas) -> list:
    """The body map's ticks for stored areas: a two-sided value ticks both sides."""
    out: list = []
    for area in areas or []:
        out.extend(FOCUS_SIDES.get(area, (area,)) if isinstance(area, str) else ())
    return out


TOOL_LABELS = {
    "hands": "Hands", "foam_roller": "Foam roller", "ball": "Ball", "towel": "Towel",
    "oil": "Oil", "cushion": "Cushion", "massage_gun": "Massage gun", "partner": "Partner",
    "other": "Other",
}  # fmt: skip

WEEKDAY_LABELS = {0: "Mon", 1: "Tue", 2: "Wed", 3: "Thu", 4: "Fri", 5: "Sat", 6: "Sun"}


def massage_title(
    style: str, therapist_name: str = "", *, self_massage: bool = False, tools=()
) -> str:
    """How a session reads in a calendar or a list: "Swedish massage with Dana", "Massage with
    Dana" (no style, or "other"), "Self-massage: Foam roller, Ball"."""
    if self_massage:
        names = [TOOL_LABELS.get(t, t) for t in tools or () if t != "other"]
        return "Self-massage: " + ", ".join(names) if names else "Self-massage"
    label = STYLE_LABELS.get(style or "", "")
    title = f"{label} massage" if style and style != "other" and label else "Massage"
    return f"{title} with {therapist_name}" if therapist_name else title


KIND_LABELS = {"professional": "Professional", "self": "Self-massage"}
APPOINTMENT_STATUS_LABELS = {"booked": "Booked", "done": "Done", "cancelled": "Cancelled"}
REMINDER_KIND_LABELS = {
    "appointment": "Appointment", "log_prompt": "Log prompt", "hydration": "Water",
    "sleep_checkin": "Sleep check-in", "next_day": "Next-day check-in", "routine_due": "Routine due",
}  # fmt: skip
REMINDER_STATUS_LABELS = {
    "pending": "Upcoming", "sent": "Sent", "failed": "Failed", "expired": "Expired",
    "cancelled": "Cancelled",
}  # fmt: skip

PROPER = {"Swedish"}  # stays capitalised mid-sentence
TABLES = {
    "style": STYLE_LABELS,
    "pressure": PRESSURE_LABELS,
    "focus": FOCUS_LABELS,
    "tool": TOOL_LABELS,
    "kind": KIND_LABELS,
    "status": APPOINTMENT_STATUS_LABELS,
    "reminder_kind": REMINDER_KIND_LABELS,
    "reminder_status": REMINDER_STATUS_LABELS,
}


def pretty(value: str) -> str:
    """A value no table knows (an old or imported one): 'deep_tissue' -> 'Deep tissue'."""
    return value.replace("_", " ").strip().capitalize() if value else ""


def label(value: str | None, kind: str) -> str:
    """The human label of one stored value, e.g. label("swedish", "style") == "Swedish"."""
    if value is None:
        return ""
    return TABLES[kind].get(value) or pretty(value)


def inline(value: str | None, kind: str) -> str:
    """The label inside a sentence: "deep tissue", "hips and glutes", but "Swedish"."""
    text = label(value, kind)
    return text if text in PROPER else text[:1].lower() + text[1:]


def label_list(values: Iterable[str] | None, kind: str) -> str:
    """Several values, e.g. ["neck", "hips_glutes"] -> "Neck, Hips and glutes"."""
    return ", ".join(label(v, kind) for v in values or [])


def plural(count: int, one: str, many: str | None = None) -> str:
    """'1 session', '3 sessions' (never 'session(s)')."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def init_app(app) -> None:
    """Jinja: {{ value|label('style') }}, {{ values|label_list('focus') }}, {{ plural(n, 'session') }}."""
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["label_list"] = label_list
    app.jinja_env.globals["plural"] = plural
