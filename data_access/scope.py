"""Region scope: which rows a query may touch.

Region codes nest by prefix (county 6 digits, township 9, village 12; a city or province code
such as 621200 / 620000 stands for its prefix 6212 / 62). Every query in data_access takes a
`Scope` and filters through `within`, so a user limited to one township cannot reach another's
rows through any page, parameter or download.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, true


class ScopeError(PermissionError):
    """A request for rows outside the user's region."""


def region_prefix(code: str) -> str:
    """The prefix all codes inside `code` share: 620000 → 62, 621200 → 6212, 621225 → 621225."""
    code = code.strip()
    if len(code) == 6:
        while code.endswith("00") and len(code) > 2:
            code = code[:-2]
    return code


@dataclass(frozen=True)
class Scope:
    prefix: str = ""  # "" is the whole database (a province-wide administrator)

    @classmethod
    def for_region(cls, code: str | None) -> Scope:
        return cls(region_prefix(code) if code else "")

    def contains(self, code: str) -> bool:
        return region_prefix(code).startswith(self.prefix)

    def narrow(self, code: str | None) -> Scope:
        """The scope of a region the user picked; refused when it lies outside this scope."""
        if not code:
            return self
        inner = region_prefix(code)
        if not inner.startswith(self.prefix):
            raise ScopeError(code)
        return Scope(inner)

    @property
    def province_wide(self) -> bool:
        """The whole province or database (prefix of at most 2 digits): a query reading most rows
        anyway may read them in table order rather than through the region index."""
        return len(self.prefix) <= 2

    def within(self, column) -> ColumnElement[bool]:
        """`column` (a region code) lies inside the scope, as an index-friendly range."""
        if not self.prefix:
            return true()
        upper = self.prefix[:-1] + chr(ord(self.prefix[-1]) + 1)
        return and_(column >= self.prefix, column < upper)


EVERYWHERE = Scope("")
