"""The shape of generated data: the stored columns of each programme table in the order the
generator fills its row tuples (parents before children, the order they are written in), and the
primary keys, which the generator assigns itself so rows can refer to each other."""

from __future__ import annotations

COLUMNS: dict[str, tuple[str, ...]] = {
    "regions": ("code", "name", "level", "parent_code"),
    "units": ("id", "name", "region_code"),
    "cadres": ("id", "code", "name", "unit_id", "rank", "is_leader", "phone"),
    "households": ("id", "code", "village_code"),
    "persons": (
        "id", "id_number", "name", "sex", "birth_date", "group_name", "household_id", "village_code", "phone",
        "guardian", "status", "exit_date", "exit_reason", "verification_flag",
    ),
    "pairings": ("id", "household_id", "cadre_id", "role", "start_date", "end_date", "end_reason"),
    "contacts": (
        "id", "pairing_id", "contact_date", "method", "content", "gift_yuan", "entered_at", "entry_source", "note_key",
    ),
    "needs": (
        "id", "code", "household_id", "pairing_id", "raised_date", "category", "content", "level", "due_date",
        "status", "closed_date", "closure_note", "version",
    ),
    "need_events": ("id", "need_id", "event_date", "kind", "level", "note", "created_at"),
    "supervision_actions": (
        "id", "cadre_id", "pairing_id", "kind", "issued_date", "deadline", "reason", "batch_no", "created_at",
    ),
    "policy_deliveries": ("id", "person_id", "policy", "status", "delivered", "delivered_date", "note"),
    "satisfaction": (
        "id", "code", "household_id", "pairing_id", "cadre_id", "survey_date", "method", "visitor", "level", "cadre_came",
        "note", "entered_at", "entry_source",
    ),
    "typical_cases": (
        "id", "pairing_id", "status", "headline", "narrative", "theme", "alias", "consent_by", "consent_relation",
        "consent_date", "consent_scope", "approved_by", "reject_reason", "created_at", "updated_at",
    ),
}

Rows = dict[str, list[tuple]]


class Ids:
    """The next primary key of each table; ids are assigned here, so rows can refer to each other
    without reading anything back from the database."""

    def __init__(self) -> None:
        self._next = {table: 1 for table, columns in COLUMNS.items() if columns[0] == "id"}

    def peek(self, table: str) -> int:
        return self._next[table]

    def take(self, table: str, count: int = 1) -> int:
        first = self._next[table]
        self._next[table] += count
        return first
