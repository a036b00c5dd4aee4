"""A join whose left side SQLite must read first.

SQLite's planner reorders inner joins freely and, given a small derived table (a handful of
literal rows) joined to a large table, often puts the small one outside: the large table is then
scanned once per small row, and an ORDER BY ... LIMIT over the large table's index can no longer
stop early. SQLite documents one way to fix the order: CROSS JOIN keeps its left side as the outer
loop (https://sqlite.org/optoverview.html#manual_control_of_query_plans_using_cross_join).
`outer_first` is an ordinary inner join (same rows, same SQL elsewhere) that SQLite compiles as
CROSS JOIN ... ON; PostgreSQL's planner is left to choose.
"""

from __future__ import annotations

import itertools

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join

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
