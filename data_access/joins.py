"""A join whose left side SQLite must read first.

SQLite's planner reorders inner joins freely and, given a small derived table (a handful of
literal rows) joined to a large table, often puts the small one outside: the large table is then
scanned once per small row, and an ORDER BY ... LIMIT over the large table's index can no longer
stop early. SQLite documents one way to fix the order: CROSS JOIN keeps its left side as the outer
loop (https://sqlite.org/optoverview.html#manual_control_of_query_plans_using_cross_join).
`outer_first` is an ordinary inner join (same rows, same SQL elsewhere) that SQLite compiles as
CROSS JOIN ... ON; PostgreSQL's planner is left to choose.

`Places` is the join of a region code to its village's and township's names, written once.
"""

from __future__ import annotations

import itertools

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join

from data_access.models import Region

try:  # private in SQLAlchemy; only used to tell its cartesian-product linter the join is connected
    from sqlalchemy.sql.base import _de_clone
except ImportError:  # pragma: no cover - a later SQLAlchemy without it

    def _de_clone(elements):
        return elements


class OuterFirstJoin(Join):
    """An inner join; on SQLite the left side is the outer loop."""

    inherit_cache = True


def outer_first(left, right, onclause) -> OuterFirstJoin:
    """`left JOIN right ON onclause`, read left first on SQLite."""
    return OuterFirstJoin(left, right, onclause)


@compiles(OuterFirstJoin, "sqlite")
def _sqlite_cross_join(join, compiler, asfrom=False, from_linter=None, **kw):
    # As SQLCompiler.visit_join for an inner join, with CROSS JOIN as the keyword.
    if from_linter:
        from_linter.edges.update(itertools.product(_de_clone(join.left._from_objects), _de_clone(join.right._from_objects)))
    return (
        join.left._compiler_dispatch(compiler, asfrom=True, from_linter=from_linter, **kw)
        + " CROSS JOIN "
        + join.right._compiler_dispatch(compiler, asfrom=True, from_linter=from_linter, **kw)
        + " ON "
        + join.onclause._compiler_dispatch(compiler, from_linter=from_linter, **kw)
    )


class Places:
    """The village and township of a row's region code, by name: one pair of aliases of `regions`
    per query (a village's parent is its township). The one way every list joins place names.

        place = Places()
        statement = place.join(select(Household.code, place.township_name, place.village_name)
                               .join(Household, ...), Household.village_code)
    """

    def __init__(self) -> None:
        self.village = Region.__table__.alias("village")
        self.township = Region.__table__.alias("township")

    @property
    def village_name(self):
        return self.village.c.name

    @property
    def township_name(self):
        return self.township.c.name

    def join(self, statement, village_code, *, outer: bool = False):
        """`statement` joined to the village named by `village_code` (an outer join when `outer`:
        a query that shows no place name then has it removed by the planner) and its township."""
        statement = statement.join(self.village, self.village.c.code == village_code, isouter=outer)
        return statement.outerjoin(self.township, self.township.c.code == self.village.c.parent_code)
