"""The official province / city / county codes (GB/T 2260) shipped as reference data
(reference/gbt2260.csv, loaded into `official_regions` by a migration), so a county's workbook
never needs a 区划 sheet just to name its own county. The import reads them through `lookup`."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import Connection, column, delete, insert, select, table
from sqlalchemy.orm import Session

from data_access.models import OfficialRegion

CSV_PATH = Path(__file__).resolve().parent / "reference" / "gbt2260.csv"


def rows() -> list[dict[str, str | None]]:
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        return [dict(r, parent_code=r["parent_code"] or None) for r in csv.DictReader(handle)]


def load(connection: Connection) -> int:
    """Replace the table's rows by the shipped list (called by migrations); returns the count."""
    # The table as the migrations define it (not the model), so an old migration keeps working.
    target = table("official_regions", column("code"), column("name"), column("level"), column("parent_code"))
    data = rows()
    connection.execute(delete(target))
    connection.execute(insert(target), data)
    return len(data)


def lookup(session: Session, codes: set[str]) -> dict[str, tuple[str, str, str | None]]:
    """code → (name, level, parent_code) for those of `codes` that are official."""
    if not codes:
        return {}
    return {code: (name, level, parent) for code, name, level, parent in session.execute(
        select(OfficialRegion.code, OfficialRegion.name, OfficialRegion.level, OfficialRegion.parent_code)
        .where(OfficialRegion.code.in_(sorted(codes))))}


def county_with_ancestors(session: Session, county: str) -> list[tuple[str, str]] | None:
    """[(code, name)] of an official county and its city and province (top first); None when the
    code is not an official county-level division."""
    found = lookup(session, {county})
    if county not in found or found[county][1] != "county":
        return None
    chain = [(county, found[county][0])]
    parent = found[county][2]
    while parent:
        above = lookup(session, {parent}).get(parent)
        if above is None:
            break
        chain.append((parent, above[0]))
        parent = above[2]
    return list(reversed(chain))
