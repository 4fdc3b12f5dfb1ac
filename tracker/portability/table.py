"""Text CSV reading shared by the foreign importers: BOM, delimiter, line numbers, limits."""

from __future__ import annotations

import csv
import io

from .result import Problem

DELIMITERS = (",", ";", "\t")


class TableError(Exception):
    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def read_table(raw: bytes, max_rows: int) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(header, [(line, {column: cell})]); spreadsheet CSVs may use ; or tabs and a BOM."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise TableError(Problem("The file isn't UTF-8 text; save it as “CSV UTF-8”.")) from err
    if "\x00" in text:
        raise TableError(Problem("The file contains NUL characters, so it isn't a text CSV."))
    first = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader, [])]
        if not any(header):
            raise TableError(Problem("The file is empty: it needs a header line and rows."))
        rows, start = [], reader.line_num + 1
        for cells in reader:
            if any(c.strip() for c in cells):
                if len(rows) >= max_rows:
                    message = (
                        f"The file has more than {max_rows:,} rows; split it into smaller files."
                    )
                    raise TableError(Problem(message))
                rows.append((start, dict(zip(header, cells, strict=False))))
            start = reader.line_num + 1
    except csv.Error as err:
        raise TableError(Problem(f"isn't valid CSV ({err})", line=reader.line_num)) from err
    return header, rows
