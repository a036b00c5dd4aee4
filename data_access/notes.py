"""The text of a contact note as 雷同记录 compares it (RULES.md): without spaces and punctuation.

Spaces are Unicode separators (category Z*) and whitespace; punctuation is Unicode category P*
(Chinese and Western alike: ，。、“”《》… and ,.;:!?"'()). The same set is used in Python, on
SQLite (a registered function) and on PostgreSQL (`regexp_replace` with a character class built
from the same set), so the three read a note identically.
"""

from __future__ import annotations

import functools
import sys
import unicodedata

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

SQLITE_FUNCTION = "pcd_note_text"


def _dropped(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in ("P", "Z") or char.isspace()


# Planes 0-2 and 14 hold every assigned character of category P* or Z* (planes 3-13 hold none).
_PLANES = (range(0, 0x30000), range(0xE0000, min(0xF0000, sys.maxunicode + 1)))


@functools.cache
def _table() -> dict[int, None]:
    return {code: None for plane in _PLANES for code in plane if _dropped(chr(code))}


class _Seen(dict):
    """str.translate's table, filled one character at a time as notes show them (the whole table
    takes a second or more to build, which the first viewer of a page would wait for): a dropped
    character maps to None, a kept one to itself."""

    def __missing__(self, code: int) -> int | None:
        value = None if _dropped(chr(code)) else code
        self[code] = value
        return value


_SEEN = _Seen()


def normalize(text: str | None) -> str:
    """The note without spaces and punctuation ("" for none)."""
    return (text or "").translate(_SEEN)


def key(text: str | None) -> str | None:
    """What a contact stores as its `note_key` (written with the note, compared by 雷同记录): the
    note normalised, None when nothing is left."""
    return normalize(text) or None


def contact_note_key(context) -> str | None:
    """Column default of contacts.note_key on insert: the key of the row's own `content`."""
    return key(context.get_current_parameters().get("content"))


@functools.cache
def _pg_class() -> str:
    """A regular-expression bracket expression of every dropped character, as code-point ranges."""
    codes = sorted(_table())
    ranges: list[tuple[int, int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))

    def char(code: int) -> str:
        c = chr(code)
        return "\\" + c if c in "\\]^-[" else c

    return "[" + "".join(char(a) if a == b else f"{char(a)}-{char(b)}" for a, b in ranges) + "]"


class note_text(FunctionElement):  # noqa: N801 - used like a SQL function
    """SQL: `normalize(content)`."""

    type = String()
    inherit_cache = True


@compiles(note_text, "sqlite")
def _note_text_sqlite(element, compiler, **kw):
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


@compiles(note_text)
def _note_text_postgres(element, compiler, **kw):
    pattern = _pg_class().replace("'", "''").replace("%", "%%")
    return f"regexp_replace(coalesce({compiler.process(element.clauses, **kw)}, ''), '{pattern}', '', 'g')"


def register_sqlite(dbapi_connection) -> None:
    """Make `pcd_note_text` available on a SQLite connection (db.py's connect hook)."""
    dbapi_connection.create_function(SQLITE_FUNCTION, 1, normalize, deterministic=True)
