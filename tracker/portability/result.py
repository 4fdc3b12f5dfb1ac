"""What every importer returns: problems by line and column, counts, and a preview."""

from __future__ import annotations

from dataclasses import dataclass, field

LABELS = {
    "massage_session": "sessions",
    "sleep_log": "sleep check-ins",
    "water_intake": "glasses of water",
    "appointment": "appointments",
    "routine": "routines",
    "therapist": "therapists",
}


@dataclass
class Problem:
    message: str
    line: int | None = None
    column: str | int | None = None

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"Line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class ImportResult:
    kind: str
    problems: list[Problem] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    # The first rows as they will be saved, for the wizard's preview.
    preview: list[dict] = field(default_factory=list)

    def count(self, table: str, *, created: bool) -> None:
        target = self.created if created else self.skipped
        target[table] = target.get(table, 0) + 1

    def new(self) -> list[tuple[str, int]]:
        return [(LABELS.get(t, t), n) for t, n in sorted(self.created.items())]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.problems:
            return f"{len(self.problems)} problem(s); nothing was saved."
        made = ", ".join(f"{n} {label}" for label, n in self.new()) or "nothing new"
        same = sum(self.skipped.values())
        return f"{self.kind}: adds {made}; {same} already in the account."
