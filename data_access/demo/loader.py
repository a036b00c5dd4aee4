"""Bulk writing of generated rows in one transaction, never an ORM object per row.

SQLite: the driver's executemany of one parameterised INSERT per table, with foreign-key checks
and fsync off while loading (the generator's rows are consistent by construction; the tests check
them). PostgreSQL: COPY through psycopg. On both, the secondary indexes of the big tables are
dropped before the load and rebuilt after it (one sort instead of millions of random inserts);
on PostgreSQL the foreign keys between programme tables likewise (one validating join each instead
of a trigger per row), and the id sequences are moved past the ids written. The loaded tables are
analysed at the end.
Also: whether the programme tables hold anything, and emptying them for `demo --replace`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, inspect

from data_access.demo.rows import COLUMNS

# Programme tables, parents first. Users, sessions, audit, imports, policy settings, holidays
# and the data version are not programme data and are never emptied.
PROGRAMME_TABLES = tuple(COLUMNS)
# Derived from the programme tables (stored status evaluations and their figures, data freshness)
# or hanging off them (corrections of contacts, escalations of reminders, 回访 tasks, accountability
# steps, publications of cases): emptied with them.
DERIVED_TABLES = ("status_rows", "status_rollups", "status_unit_rollups", "status_snapshots",
                  "action_responses", "action_store_state", "contact_corrections", "data_freshness",
                  "supervision_escalations", "return_visit_tasks", "accountability_steps", "contact_days",
                  "coverage_changes", "case_publications", "signal_evaluations", "signal_counts",
                  "assessment_input_sets", "assessment_inputs", "case_evidence_sets", "case_evidence_rows",
                  "festival_reach", "gap_items", "gap_days")
_DEFERRED_INDEX_TABLES = ("persons", "pairings", "contacts", "need_events", "policy_deliveries", "satisfaction")


class BulkLoader:
    def __init__(self, connection: Connection):
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self._driver = connection.connection.driver_connection
        self._quote = connection.dialect.identifier_preparer.quote
        self._dropped_indexes: list[tuple[str, str, list[str]]] = []
        self._dropped_keys: list[tuple[str, dict]] = []

    def _columns(self, columns: list[str]) -> str:
        return ", ".join(self._quote(column) for column in columns)

    def _exec(self, sql: str) -> None:
        self.connection.exec_driver_sql(sql)

    def has_programme_data(self) -> bool:
        return any(
            self.connection.exec_driver_sql(f"SELECT 1 FROM {self._quote(table)} LIMIT 1").first() is not None
            for table in PROGRAMME_TABLES
        )

    def clear(self) -> None:
        """Empty every programme table (the schema and everything else stay)."""
        tables = PROGRAMME_TABLES + DERIVED_TABLES
        if self.postgres:
            self._exec("TRUNCATE " + ", ".join(self._quote(table) for table in tables))
        else:
            for table in reversed(tables):
                self._exec(f"DELETE FROM {self._quote(table)}")

    def defer_checks(self) -> None:
        """Drop what would be maintained row by row during the load: secondary indexes of the big
        tables and, on PostgreSQL, the foreign keys between programme tables (SQLite's are off)."""
        inspector = inspect(self.connection)
        for table in _DEFERRED_INDEX_TABLES:
            for index in inspector.get_indexes(table):
                columns = index["column_names"]
                if index.get("unique") or index.get("duplicates_constraint") or not all(columns):
                    continue
                self._exec(f"DROP INDEX {self._quote(index['name'])}")
                self._dropped_indexes.append((table, index["name"], columns))
        if not self.postgres:
            return
        for table in PROGRAMME_TABLES:
            for key in inspector.get_foreign_keys(table):
                if key["referred_table"] not in PROGRAMME_TABLES or not key.get("name"):
                    continue
                self._exec(f"ALTER TABLE {self._quote(table)} DROP CONSTRAINT {self._quote(key['name'])}")
                self._dropped_keys.append((table, key))

    def write(self, table: str, rows: list[tuple]) -> None:
        if not rows:
            return
        columns = self._columns(COLUMNS[table])
        if self.postgres:
            with self._driver.cursor() as cursor, cursor.copy(f"COPY {self._quote(table)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(COLUMNS[table]))
            self._driver.executemany(f"INSERT INTO {self._quote(table)} ({columns}) VALUES ({marks})", rows)

    def finish(self) -> None:
        """Rebuild the dropped indexes, move sequences past the written ids, analyse."""
        for table, name, columns in self._dropped_indexes:
            self._exec(f"CREATE INDEX {self._quote(name)} ON {self._quote(table)} ({self._columns(columns)})")
        self._dropped_indexes.clear()
        for table, key in self._dropped_keys:
            self._exec(
                f"ALTER TABLE {self._quote(table)} ADD CONSTRAINT {self._quote(key['name'])} "
                f"FOREIGN KEY ({self._columns(key['constrained_columns'])}) "
                f"REFERENCES {self._quote(key['referred_table'])} ({self._columns(key['referred_columns'])})"
                + "".join(
                    f" ON {action.upper()} {rule}"
                    for action in ("delete", "update")
                    if (rule := (key.get("options") or {}).get(f"on{action}"))
                )
            )
        self._dropped_keys.clear()
        for table, columns in COLUMNS.items():
            if self.postgres and columns[0] == "id":
                self._exec(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {self._quote(table)}), 0) + 1, false)"
                )
            self._exec(f"ANALYZE {self._quote(table)}")


@contextmanager
def bulk_load(engine: Engine) -> Iterator[BulkLoader]:
    """One transaction for the whole load: on any error nothing is written."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Connection settings, outside any transaction; restored before the connection goes back.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.exec_driver_sql("PRAGMA synchronous=OFF")
            connection.exec_driver_sql("PRAGMA cache_size=-1000000")
            connection.commit()
        try:
            with connection.begin():
                if sqlite:
                    # The sqlite3 module would run the DDL below outside a transaction otherwise.
                    connection.exec_driver_sql("BEGIN")
                yield BulkLoader(connection)
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA cache_size=-2000")
                connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                connection.commit()
