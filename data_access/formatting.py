"""How a number is written, the one way everywhere: the pages' cards and sentences (dashboard/ui
delegates here), the bulletin's text, its Word notice and the other documents data_access writes.

- counts with a thousands separator: 2,328 (never 2328);
- shares as percentages with one decimal: 45.2%;
- money in yuan with a thousands separator: 1,234.50 (or whole yuan where a document rounds);
- "—" for a figure that does not exist (no cadres, so no share).
"""

from __future__ import annotations

from numbers import Integral

MISSING = "—"


def count(value: int | float | None) -> str:
    """A count: 2,328."""
    return MISSING if value is None else f"{int(value):,}"


def pct(value: float | None, digits: int = 1) -> str:
    """A share (0.452) as a percentage: 45.2%."""
    return MISSING if value is None else f"{value * 100:.{digits}f}%"


def money(value: int | float | None, digits: int = 2) -> str:
    """An amount in yuan: 1,234.50 (digits=0: 1,235)."""
    return MISSING if value is None else f"{value:,.{digits}f}"


def cell(value) -> str:
    """A table cell of a document: a count as above (also numpy's integers), anything else as text,
    nothing for a missing value."""
    if value is None:
        return ""
    if isinstance(value, Integral) and not isinstance(value, bool):
        return count(value)
    return str(value)
