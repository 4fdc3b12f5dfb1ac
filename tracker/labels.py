"""Human labels for stored values, one place for every page, export and notification."""

from __future__ import annotations

PRESSURE_LABELS = {"light": "Light", "medium": "Medium", "firm": "Firm"}
STYLE_LABELS = {
    "": "Not set", "swedish": "Swedish", "deep_tissue": "Deep tissue", "sports": "Sports",
    "trigger_point": "Trigger point", "myofascial": "Myofascial", "hot_stone": "Hot stone",
    "shiatsu": "Shiatsu", "other": "Other",
}  # fmt: skip
FOCUS_LABELS = {
    "neck": "Neck", "shoulders": "Shoulders", "upper_back": "Upper back", "mid_back": "Mid back",
    "lower_back": "Lower back", "hips_glutes": "Hips/glutes", "legs": "Legs",
    "arms_hands": "Arms/hands", "feet": "Feet", "head_face": "Head/face",
}  # fmt: skip
TOOL_LABELS = {
    "hands": "Hands", "foam_roller": "Foam roller", "ball": "Ball", "towel": "Towel",
    "oil": "Oil", "cushion": "Cushion", "massage_gun": "Massage gun", "partner": "Partner",
    "other": "Other",
}  # fmt: skip

WEEKDAY_LABELS = {0: "Mon", 1: "Tue", 2: "Wed", 3: "Thu", 4: "Fri", 5: "Sat", 6: "Sun"}
