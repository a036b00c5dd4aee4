"""Storing a checked workbook: upserts keyed on the natural keys, in bulk, inside the caller's one
transaction (all or nothing).

Each stage compares the workbook's rows with the stored ones by natural key (区划代码, 工作单位,
干部编号, 户编号, 身份证号, 户编号+干部编号+结对日期, 记录编号 or the contact's identifying fields,
诉求编号) and counts new / updated / unchanged rows; with `write=True` it then inserts and updates
with one statement per batch. An optional column the sheet does not carry leaves the stored value
as it is; a column that is there but blank clears it. Importing the same workbook twice therefore
changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from data_access import daily_counts, freshness
from data_access.db import is_postgres
from data_access.imports.schema import (
    CADRES,
    CONTACTS,
    NEEDS,
    PAIRINGS,
    PERSONS,
    POLICY,
    REGIONS,
    RETURN_VISITS,
)
from data_access.imports.validation import Checked, Valid, chunks, region_level, region_parent
from data_access.models import (
    Cadre,
    Contact,
    ContactCorrection,
    Household,
    Need,
    NeedEvent,
    Pairing,
    Person,
    PolicyDelivery,
    Region,
    Satisfaction,
    Unit,
)
from data_access.notes import key as note_key
from data_access.policy import Policy
from data_access.vocabulary import (
    CHILD_GROUPS,
    ENTRY_AT_IMPORT,
    ENTRY_FROM_SHEET,
    NEED_CLOSED,
    ROLE_FAMILY,
    ROLE_PARENT,
)

HOUSEHOLDS = "户"
UNITS = "工作单位"


@dataclass
class SheetCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"new": self.new, "updated": self.updated, "unchanged": self.unchanged, "rejected": self.rejected}


def _copy_rows(connection, table: str, columns: list[str], rows: list[list]) -> None:
    """PostgreSQL COPY inside the import's own transaction (the fastest bulk path)."""
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns))
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _differs(stored: dict, attrs: dict) -> bool:
    return any(stored.get(key) != value for key, value in attrs.items())


class Loader:
    def __init__(self, session: Session, checked: Checked, policy: Policy, today: dt.date, write: bool,
                 username: str | None = None, now: dt.datetime | None = None):
        self.session, self.checked, self.policy, self.today, self.write = session, checked, policy, today, write
        self.username = username
        self.now = (now or dt.datetime.now()).replace(microsecond=0)  # the import's moment: entry time without 录入时间
        # Households (and villages) whose rows this import adds or changes: their townships' data freshness.
        self.touched_households: set[str] = set()
        self.touched_villages: set[str] = set()
        # Villages households or persons this import changed were in before it, whether a household
        # moved to another village, and the dates of the contacts it added or changed (before and
        # after): what the per-county daily counts must recompute (daily_counts).
        self.old_villages: set[str] = set()
        self.households_moved = False
        self.contact_days: set[dt.date] = set()
        # The dates the pairings, contacts, needs and 回访 it added or changed bear (before and after):
        # the ended quarters whose 季考核 inputs it can change (assessment_store.keep); `earliest_day`.
        self.record_days: set[dt.date] = set()
        self.counts: dict[str, SheetCounts] = defaultdict(SheetCounts)
        for sheet, rows in checked.rejected.items():
            if rows:
                self.counts[sheet].rejected = len(rows)
        self.household_ids: dict[str, int] = {}
        self.cadre_ids: dict[str, int] = {}
        self.unit_ids: dict[str, int] = {}
        self.pairing_ids: dict[tuple[str, str, dt.date], int] = {}
        # pairings whose status can change besides those of the households the workbook names: a
        # contact found by its record number under another household's pairing is moved away from it
        self.moved_from: set[int] = set()
        # the note texts (notes.key) of the contacts this import wrote or replaced: the cadres whose
        # records carry them can gain or lose 雷同记录 (signal_store)
        self.note_keys: set[str | None] = set()
        # cadres moved to another unit by this import: cadre id → the unit they were in (the figures
        # per unit kept with the stored evaluations move with them, status_store.refresh)
        self.moved_units: dict[int, int] = {}
        self.changed_cadres: set[int] = set()  # cadres the import updated (gap_store: 待调整结对)
        # (household, cadre) → [(start, end)] as they will be after this import
        self.periods: dict[tuple[str, str], list[tuple[dt.date, dt.date | None]]] = defaultdict(list)

    @property
    def earliest_day(self) -> dt.date | None:
        """The earliest date the records this import changed bear (the quarters ended on or after it
        are the ones whose 季考核 inputs it can change); None: any quarter (a household moved to
        another village); date.max: none."""
        if self.households_moved:
            return None
        return min(self.record_days | self.contact_days, default=dt.date.max)

    def valid(self, sheet: str) -> list[Valid]:
        return self.checked.valid.get(sheet, [])

    def _count(self, sheet: str, stored: dict | None, attrs: dict) -> str:
        state = "new" if stored is None else ("updated" if _differs(stored, attrs) else "unchanged")
        counts = self.counts[sheet]
        setattr(counts, state, getattr(counts, state) + 1)
        return state

    def _insert(self, model, rows: list[dict]) -> None:
        """Bulk insert without ORM bookkeeping (COPY on PostgreSQL, executemany on SQLite); attribute
        names mapped to column names."""
        if self.write and rows:
            columns = {attr.key: attr.columns[0].key for attr in model.__mapper__.column_attrs}
            connection = self.session.connection()
            if is_postgres(self.session):
                keys = list(rows[0])
                names = [columns[k] for k in keys]
                # COPY bypasses SQLAlchemy's Python-side column defaults (Need.version …): add them here.
                defaults = {c.key: c.default.arg for c in model.__table__.columns
                            if c.key not in names and c.default is not None and c.default.is_scalar}
                _copy_rows(connection, model.__table__.name, names + list(defaults),
                           [[r[k] for k in keys] + list(defaults.values()) for r in rows])
            else:
                for batch in chunks(rows, 5000):
                    connection.execute(insert(model.__table__), [{columns[k]: v for k, v in r.items()} for r in batch])

    def _update(self, model, rows: list[dict]) -> None:
        if self.write and rows:
            by_keys: dict[tuple, list[dict]] = defaultdict(list)
            for row in rows:
                by_keys[tuple(sorted(row))].append(row)
            for group in by_keys.values():
                for batch in chunks(group, 2000):
                    self.session.execute(update(model), batch)

    # ---- stages -------------------------------------------------------------------------------

    def regions(self) -> None:
        wanted = {row.attrs["code"]: row.attrs["name"] for row in self.valid(REGIONS)}
        for code, name in self.checked.new_regions.items():
            wanted.setdefault(code, name)
        lookup: set[str] = set()
        for code in wanted:
            while code:
                lookup.add(code)
                code = region_parent(code)
        stored: dict[str, str] = {}
        for batch in chunks(list(lookup)):
            stored.update(self.session.execute(select(Region.code, Region.name).where(Region.code.in_(batch))).all())
        known = set(stored) | set(wanted)
        inserts, updates = [], []
        for code in sorted(wanted, key=lambda c: (len(c), c)):  # parents before children
            state = self._count(REGIONS, {"name": stored[code]} if code in stored else None, {"name": wanted[code]})
            if state == "new":
                parent = region_parent(code)
                while parent and parent not in known:  # a county under a city the database does not hold
                    parent = region_parent(parent)
                inserts.append({"code": code, "name": wanted[code], "level": region_level(code), "parent_code": parent})
            elif state == "updated":
                updates.append({"code": code, "name": wanted[code]})
        self._insert(Region, inserts)
        self._update(Region, updates)

    def units(self) -> None:
        wanted: dict[str, str | None] = {}
        for row in self.valid(CADRES):
            unit, region = row.refs["unit"], row.refs["unit_region"]
            if unit not in wanted or (wanted[unit] is None and region):
                wanted[unit] = region
        stored: dict[str, tuple[int, str | None]] = {}
        for batch in chunks(list(wanted)):
            for uid, name, region in self.session.execute(
                select(Unit.id, Unit.name, Unit.region_code).where(Unit.name.in_(batch))
            ):
                stored[name] = (uid, region)
        inserts, updates = [], []
        for name, region in wanted.items():
            if name not in stored:
                self.counts[UNITS].new += 1
                inserts.append({"name": name, "region_code": region})
            elif region and stored[name][1] != region:
                self.counts[UNITS].updated += 1
                updates.append({"id": stored[name][0], "region_code": region})
            else:
                self.counts[UNITS].unchanged += 1
        self._insert(Unit, inserts)
        self._update(Unit, updates)
        self.unit_ids = {name: uid for name, (uid, _) in stored.items()}
        if self.write:
            for batch in chunks([row["name"] for row in inserts]):
                self.unit_ids.update(self.session.execute(select(Unit.name, Unit.id).where(Unit.name.in_(batch))).all())

    def cadres(self) -> None:
        rows = self.valid(CADRES)
        stored: dict[str, dict] = {}
        for batch in chunks([r.attrs["code"] for r in rows]):
            for cadre, unit in self.session.execute(
                select(Cadre, Unit.name).join(Unit, Unit.id == Cadre.unit_id).where(Cadre.code.in_(batch))
            ):
                stored[cadre.code] = {"id": cadre.id, "code": cadre.code, "name": cadre.name, "rank": cadre.rank, "is_leader": cadre.is_leader,
                                      "phone": cadre.phone, "status": cadre.status,
                                      "status_date": cadre.status_date, "unit": unit, "unit_id": cadre.unit_id}
        inserts, updates = [], []
        for row in rows:
            attrs = dict(row.attrs, unit=row.refs["unit"])
            old = stored.get(attrs["code"])
            state = self._count(CADRES, old, attrs)
            if state == "unchanged":
                continue
            values = {k: v for k, v in attrs.items() if k != "unit"}
            values["unit_id"] = self.unit_ids.get(attrs["unit"])
            if state == "new":
                inserts.append(values)
            else:
                updates.append(dict(values, id=old["id"]))
                self.changed_cadres.add(old["id"])
                if old["unit_id"] != values["unit_id"]:
                    self.moved_units[old["id"]] = old["unit_id"]
        self._insert(Cadre, inserts)
        self._update(Cadre, updates)

    def households(self) -> None:
        wanted: dict[str, str] = {}
        for row in self.valid(PERSONS):
            wanted.setdefault(row.refs["household"], row.attrs["village_code"])
        stored: dict[str, tuple[int, str]] = {}
        for batch in chunks(list(wanted)):
            for hid, code, village in self.session.execute(
                select(Household.id, Household.code, Household.village_code).where(Household.code.in_(batch))
            ):
                stored[code] = (hid, village)
        inserts, updates = [], []
        for code, village in wanted.items():
            if code not in stored:
                self.counts[HOUSEHOLDS].new += 1
                inserts.append({"code": code, "village_code": village})
            elif stored[code][1] != village:
                self.counts[HOUSEHOLDS].updated += 1
                self.old_villages.add(stored[code][1])
                self.households_moved = True
                updates.append({"id": stored[code][0], "village_code": village})
            else:
                self.counts[HOUSEHOLDS].unchanged += 1
        self._insert(Household, inserts)
        self._update(Household, updates)

    def _resolve_ids(self) -> None:
        """Household and cadre ids for every code the later sheets refer to."""
        households = {r.refs["household"] for s in (PERSONS, PAIRINGS, CONTACTS, NEEDS, RETURN_VISITS)
                      for r in self.valid(s)}
        cadres = {r.refs["cadre"] for s in (PAIRINGS, CONTACTS, RETURN_VISITS) for r in self.valid(s)}
        for batch in chunks(list(households)):
            self.household_ids.update(self.session.execute(
                select(Household.code, Household.id).where(Household.code.in_(batch))).all())
        for batch in chunks(list(cadres)):
            self.cadre_ids.update(self.session.execute(select(Cadre.code, Cadre.id).where(Cadre.code.in_(batch))).all())

    def persons(self) -> None:
        rows = self.valid(PERSONS)
        stored: dict[str, list[dict]] = defaultdict(list)
        columns = ("name", "sex", "birth_date", "group", "village_code", "phone", "guardian", "status", "exit_date",
                   "exit_reason", "verification_flag")
        for batch in chunks([r.attrs["id_number"] for r in rows]):
            for person, code in self.session.execute(
                select(Person, Household.code).join(Household, Household.id == Person.household_id)
                .where(Person.id_number.in_(batch))
            ):
                stored[person.id_number].append(
                    {"id": person.id, "household": code, **{c: getattr(person, c) for c in columns}}
                )
        inserts, updates = [], []
        for row in rows:
            attrs = dict(row.attrs, household=row.refs["household"])
            candidates = stored.get(attrs["id_number"], [])
            old = next((c for c in candidates if c["household"] == attrs["household"]), None)
            if old is None and len(candidates) == 1:
                old = candidates[0]
            state = self._count(PERSONS, old, {k: v for k, v in attrs.items() if k != "id_number"})
            if state == "unchanged":
                continue
            self.touched_villages.add(attrs["village_code"])
            values = {k: v for k, v in attrs.items() if k != "household"}
            values["household_id"] = self.household_ids.get(attrs["household"])
            if state == "new":
                values.setdefault("status", "在册")
                inserts.append(values)
            else:
                self.old_villages.add(old["village_code"])
                updates.append(dict(values, id=old["id"]))
        self._insert(Person, inserts)
        self._update(Person, updates)

    def _child_households(self, codes: set[str]) -> set[str]:
        children = {r.refs["household"] for r in self.valid(PERSONS) if r.attrs["group"] in CHILD_GROUPS}
        booked = {r.attrs["id_number"] for r in self.valid(PERSONS)}
        for batch in chunks(list(codes)):
            for code, number in self.session.execute(
                select(Household.code, Person.id_number).join(Person, Person.household_id == Household.id)
                .where(Household.code.in_(batch), Person.group.in_(CHILD_GROUPS))
            ):
                if number not in booked:
                    children.add(code)
        return children

    def pairings(self) -> None:
        rows = self.valid(PAIRINGS)
        households = {r.refs["household"] for s in (PAIRINGS, CONTACTS, NEEDS, RETURN_VISITS) for r in self.valid(s)}
        stored: dict[tuple[str, str, dt.date], dict] = {}
        for batch in chunks(list(households)):
            for pairing, hcode, ccode in self.session.execute(
                select(Pairing, Household.code, Cadre.code)
                .join(Household, Household.id == Pairing.household_id)
                .join(Cadre, Cadre.id == Pairing.cadre_id)
                .where(Household.code.in_(batch))
            ):
                stored[(hcode, ccode, pairing.start_date)] = {
                    "id": pairing.id, "start_date": pairing.start_date, "end_date": pairing.end_date, "end_reason": pairing.end_reason, "role": pairing.role,
                }
        children = self._child_households({r.refs["household"] for r in rows})
        inserts, updates = [], []
        booked: set[tuple[str, str, dt.date]] = set()
        for row in rows:
            key = (row.refs["household"], row.refs["cadre"], row.attrs["start_date"])
            booked.add(key)
            attrs = dict(row.attrs, role=ROLE_PARENT if key[0] in children else ROLE_FAMILY)
            old = stored.get(key)
            state = self._count(PAIRINGS, old, attrs)
            if state != "unchanged":
                self.touched_households.add(key[0])
                # a pairing is active on a day between its start and its end: a new one changes
                # the days from its start, a changed end the days from the earlier of the two ends
                if state == "new":
                    self.record_days.add(attrs["start_date"])
                elif old["end_date"] != attrs["end_date"]:
                    self.record_days.add(min(d for d in (old["end_date"], attrs["end_date"]) if d is not None))
            values = dict(attrs, household_id=self.household_ids.get(key[0]), cadre_id=self.cadre_ids.get(key[1]))
            if state == "new":
                inserts.append(values)
            elif state == "updated":
                updates.append(dict(attrs, id=old["id"]))
        for key, old in stored.items():
            self.pairing_ids[key] = old["id"]
            if key not in booked:
                self.periods[key[:2]].append((key[2], old["end_date"]))
        for row in rows:
            self.periods[(row.refs["household"], row.refs["cadre"])].append((row.attrs["start_date"], row.attrs["end_date"]))
        self._insert(Pairing, inserts)
        self._update(Pairing, updates)
        if self.write and inserts:
            new_households = list({r.refs["household"] for r in rows})
            for batch in chunks(new_households):
                for pid, hcode, ccode, start in self.session.execute(
                    select(Pairing.id, Household.code, Cadre.code, Pairing.start_date)
                    .join(Household, Household.id == Pairing.household_id)
                    .join(Cadre, Cadre.id == Pairing.cadre_id)
                    .where(Household.code.in_(batch))
                ):
                    self.pairing_ids[(hcode, ccode, start)] = pid

    def _pairing_start(self, household: str, cadre: str, day: dt.date) -> dt.date | None:
        for start, end in self.periods.get((household, cadre), []):
            if start <= day and (end is None or day < end):
                return start
        return None

    def contacts(self) -> None:
        rows = self.valid(CONTACTS)
        if not rows:
            return
        by_record: dict[str, dict] = {}
        by_fields: dict[tuple, dict] = {}
        columns = (Contact.id, Contact.contact_date, Contact.method, Contact.content, Contact.gift_yuan,
                   Contact.record_no, Household.code, Cadre.code, Pairing.start_date, Contact.pairing_id)

        def stored(where) -> None:
            for cid, day, method, content, gift, record_no, hcode, ccode, start, pid in self.session.execute(
                select(*columns)
                .join(Pairing, Pairing.id == Contact.pairing_id)
                .join(Household, Household.id == Pairing.household_id)
                .join(Cadre, Cadre.id == Pairing.cadre_id)
                .where(where)
            ):
                entry = {"id": cid, "pairing": (hcode, ccode, start), "contact_date": day, "method": method,
                         "content": content, "gift_yuan": gift, "record_no": record_no, "pairing_id": pid}
                if record_no:
                    by_record[record_no] = entry
                else:
                    by_fields[(hcode, ccode, day, method, content)] = entry

        for batch in chunks(list({r.refs["household"] for r in rows})):
            stored(Household.code.in_(batch))
        # a record number stored under a household this workbook does not name
        numbers = [r.attrs["record_no"] for r in rows if r.attrs["record_no"] and r.attrs["record_no"] not in by_record]
        for batch in chunks(numbers):
            # the ids first, through the record number's unique index: joined in one query, SQLite
            # scanned every household and contact of a province database (30 s per 500 numbers)
            ids = list(self.session.scalars(select(Contact.id).where(Contact.record_no.in_(batch))))
            if ids:
                stored(Contact.id.in_(ids))
        inserts, updates, corrections = [], [], []
        for row in rows:
            household, cadre, attrs = row.refs["household"], row.refs["cadre"], row.attrs
            start = self._pairing_start(household, cadre, attrs["contact_date"])
            pairing = (household, cadre, start)
            old = by_record.get(attrs["record_no"]) if attrs["record_no"] else None
            if old is None:
                old = by_fields.get((household, cadre, attrs["contact_date"], attrs["method"], attrs["content"]))
            state = self._count(CONTACTS, old, dict(attrs, pairing=pairing))
            if state == "unchanged":
                continue
            self.touched_households.add(household)
            self.contact_days.add(attrs["contact_date"])
            if old is not None:
                self.contact_days.add(old["contact_date"])
            values = dict(attrs, pairing_id=self.pairing_ids.get(pairing), note_key=note_key(attrs["content"]))
            self.note_keys.add(values["note_key"])
            if old is not None:
                self.note_keys.add(note_key(old["content"]))
            if state == "new":
                entered = row.refs.get("entered_at")
                inserts.append(dict(values, entered_at=entered or self.now, entered_by=self.username,
                                    entry_source=ENTRY_FROM_SHEET if entered else ENTRY_AT_IMPORT))
            else:
                # The first entry time stands; a changed 日期 or 方式 is a correction with its own time.
                if (old["contact_date"], old["method"]) != (attrs["contact_date"], attrs["method"]):
                    values["corrected_at"] = self.now
                    corrections.append({"contact_id": old["id"], "at": self.now, "username": self.username,
                                        "source": ENTRY_AT_IMPORT, "old_date": old["contact_date"],
                                        "old_method": old["method"], "new_date": attrs["contact_date"],
                                        "new_method": attrs["method"]})
                updates.append(dict(values, id=old["id"]))
                self.moved_from.add(old["pairing_id"])
        self._insert(Contact, inserts)
        self._update(Contact, updates)
        self._insert(ContactCorrection, corrections)

    def needs(self) -> None:
        rows = self.valid(NEEDS)
        stored: dict[str, dict] = {}
        columns = ("raised_date", "category", "content", "level", "due_date", "status", "closed_date", "closure_note")
        for batch in chunks([r.attrs["code"] for r in rows]):
            for need, hcode in self.session.execute(
                select(Need, Household.code).join(Household, Household.id == Need.household_id).where(Need.code.in_(batch))
            ):
                stored[need.code] = {"id": need.id, "code": need.code, "household": hcode, "version": need.version,
                                     **{c: getattr(need, c) for c in columns}}
        inserts, updates, events = [], [], []
        for row in rows:
            attrs = dict(row.attrs, household=row.refs["household"])
            if attrs["due_date"] is None:
                attrs["due_date"] = attrs["raised_date"] + dt.timedelta(days=self.policy.need_due_days)
            old = stored.get(attrs["code"])
            state = self._count(NEEDS, old, attrs)
            if state == "unchanged":
                continue
            self.touched_households.add(attrs["household"])
            self.record_days.add(attrs["due_date"])  # a need counts in the quarter it is due
            if old is not None and old["due_date"] is not None:
                self.record_days.add(old["due_date"])
            values = {k: v for k, v in attrs.items() if k != "household"}
            values["household_id"] = self.household_ids.get(attrs["household"])
            if state == "new":
                values["pairing_id"] = self._pairing_on(attrs["household"], attrs["raised_date"])
                inserts.append(values)
                events.append((attrs["code"], attrs["raised_date"], "提出", attrs["level"], "导入"))
                if attrs["status"] == NEED_CLOSED:
                    events.append((attrs["code"], attrs["closed_date"], "办结", None, attrs["closure_note"]))
            else:
                updates.append(dict(values, id=old["id"], version=old["version"] + 1))
                if attrs["level"] != old["level"]:
                    events.append((attrs["code"], self.today, "上报", attrs["level"], "导入更新责任层级"))
                if attrs["status"] == NEED_CLOSED and old["status"] != NEED_CLOSED:
                    events.append((attrs["code"], attrs["closed_date"], "办结", None, attrs["closure_note"]))
        self._insert(Need, inserts)
        self._update(Need, updates)
        if self.write and events:
            ids: dict[str, int] = {}
            for batch in chunks(list({e[0] for e in events})):
                ids.update(self.session.execute(select(Need.code, Need.id).where(Need.code.in_(batch))).all())
            self._insert(NeedEvent, [
                {"need_id": ids[code], "event_date": day, "kind": kind, "level": level, "note": note}
                for code, day, kind, level, note in events
            ])

    def policy_deliveries(self) -> None:
        rows = self.valid(POLICY)
        if not rows:
            return
        # ID number → (person id, household code, village); the validator made each ID unambiguous.
        people: dict[str, tuple[int, str, str]] = {}
        for batch in chunks(list({r.refs["person"] for r in rows})):
            for pid, number, hcode, village in self.session.execute(
                select(Person.id, Person.id_number, Household.code, Person.village_code)
                .join(Household, Household.id == Person.household_id).where(Person.id_number.in_(batch))
            ):
                people[number] = (pid, hcode, village)
        stored: dict[tuple[str, str], dict] = {}
        for batch in chunks([pid for pid, _, _ in people.values()]):
            for row, number in self.session.execute(
                select(PolicyDelivery, Person.id_number).join(Person, Person.id == PolicyDelivery.person_id)
                .where(PolicyDelivery.person_id.in_(batch))
            ):
                stored[(number, row.policy)] = {"id": row.id, "policy": row.policy, "status": row.status,
                                                "delivered": row.delivered, "delivered_date": row.delivered_date,
                                                "note": row.note}
        inserts, updates = [], []
        for row in rows:
            number, attrs = row.refs["person"], row.attrs
            old = stored.get((number, attrs["policy"]))
            state = self._count(POLICY, old, attrs)
            if state == "unchanged":
                continue
            person = people.get(number)
            if person:
                self.touched_villages.add(person[2])
            if state == "new":
                # A person of this workbook has no id in a dry run: nothing is written then anyway.
                inserts.append(dict(attrs, person_id=person[0] if person else None))
            else:
                updates.append(dict(attrs, id=old["id"]))
        self._insert(PolicyDelivery, inserts)
        self._update(PolicyDelivery, updates)

    def return_visits(self) -> None:
        rows = self.valid(RETURN_VISITS)
        if not rows:
            return
        by_code: dict[str, dict] = {}
        by_key: dict[tuple, dict] = {}
        columns = ("code", "survey_date", "method", "level", "visitor", "cadre_came", "note")

        def stored(where) -> None:
            for visit, hcode, ccode in self.session.execute(
                select(Satisfaction, Household.code, Cadre.code)
                .join(Household, Household.id == Satisfaction.household_id)
                .outerjoin(Cadre, Cadre.id == Satisfaction.cadre_id)
                .where(where)
            ):
                entry = {"id": visit.id, "household": hcode, "cadre": ccode, **{c: getattr(visit, c) for c in columns}}
                if visit.code:
                    by_code[visit.code] = entry
                else:
                    by_key[(hcode, visit.survey_date, visit.method)] = entry

        for batch in chunks(list({r.refs["household"] for r in rows})):
            stored(Household.code.in_(batch))
        codes = [r.attrs["code"] for r in rows if r.attrs["code"] and r.attrs["code"] not in by_code]
        for batch in chunks(codes):
            stored(Satisfaction.code.in_(batch))
        inserts, updates = [], []
        for row in rows:
            household, cadre, attrs = row.refs["household"], row.refs["cadre"], row.attrs
            old = by_code.get(attrs["code"]) if attrs["code"] else None
            if old is None and not attrs["code"]:
                old = by_key.get((household, attrs["survey_date"], attrs["method"]))
            state = self._count(RETURN_VISITS, old, dict(attrs, household=household, cadre=cadre))
            if state == "unchanged":
                continue
            self.touched_households.add(household)
            self.record_days.add(attrs["survey_date"])
            if old is not None:
                self.record_days.add(old["survey_date"])
            values = dict(attrs, household_id=self.household_ids.get(household), cadre_id=self.cadre_ids.get(cadre),
                          pairing_id=self._pairing_of(household, cadre, attrs["survey_date"]))
            if state == "new":
                inserts.append(dict(values, entered_at=self.now, entry_source=ENTRY_AT_IMPORT, entered_by=self.username))
            else:
                updates.append(dict(values, id=old["id"]))
        self._insert(Satisfaction, inserts)
        self._update(Satisfaction, updates)

    def _pairing_of(self, household: str, cadre: str, day: dt.date) -> int | None:
        """The pair's pairing active on `day`, else the latest one started before it."""
        best: tuple[bool, dt.date, int] | None = None
        for start, end in self.periods.get((household, cadre), []):
            pid = self.pairing_ids.get((household, cadre, start))
            if pid and start <= day:
                candidate = (end is None or day < end, start, pid)
                if best is None or candidate > best:
                    best = candidate
        return best[2] if best else None

    def _pairing_on(self, household: str, day: dt.date) -> int | None:
        """The household's pairing active on `day` (the latest started), for a need's pairing."""
        best: tuple[dt.date, int] | None = None
        if not hasattr(self, "_by_household"):
            self._by_household: dict[str, list[str]] = defaultdict(list)
            for hcode, ccode in self.periods:
                self._by_household[hcode].append(ccode)
        for ccode in self._by_household.get(household, []):
            hcode = household
            for start, end in self.periods[(hcode, ccode)]:
                pid = self.pairing_ids.get((hcode, ccode, start))
                if pid and start <= day and (end is None or day < end) and (best is None or start > best[0]):
                    best = (start, pid)
        return best[1] if best else None

    def run(self) -> dict[str, SheetCounts]:
        self.regions()
        self.units()
        self.cadres()
        self.households()
        if self.write:
            self._resolve_ids()
        self.persons()
        self.pairings()
        self.contacts()
        self.needs()
        self.policy_deliveries()
        self.return_visits()
        if self.write:
            self.freshness()
        return dict(self.counts)

    def freshness(self) -> None:
        """The townships whose rows this import added or changed: their data came in now."""
        villages = set(self.touched_villages)
        for batch in chunks(list(self.touched_households)):
            villages.update(self.session.scalars(select(Household.village_code).where(Household.code.in_(batch))))
        freshness.mark(self.session, {code[:9] for code in villages if len(code) >= 9}, self.now, ENTRY_AT_IMPORT)


def load(session: Session, checked: Checked, policy: Policy, today: dt.date, write: bool,
         username: str | None = None, now: dt.datetime | None = None) -> Loader:
    """Compare (and with `write`, store) the valid rows; the loader, with its counts per sheet."""
    loader = Loader(session, checked, policy, today, write, username, now)
    loader.run()
    return loader


def touched_counties(session: Session, checked: Checked, loader: Loader) -> set[str]:
    """The counties whose daily counts (daily_counts) the stored rows can have changed: those of
    every household a valid row names and of every person written, before and after, and of the
    households a contact was moved away from."""
    households = {r.refs["household"] for rows in checked.valid.values() for r in rows if "household" in r.refs}
    ids: set[int] = set()
    for batch in chunks(list(households)):
        ids.update(session.scalars(select(Household.id).where(Household.code.in_(batch))))
    for batch in chunks(list(loader.moved_from)):
        ids.update(session.scalars(select(Pairing.household_id).where(Pairing.id.in_(batch))))
    found = daily_counts.counties_of_households(session, ids)
    found.update(code[:6] for code in loader.touched_villages | loader.old_villages)
    return found


def register_changed(loader: Loader) -> bool:
    """Whether the import added or changed a person, household or pairing (else only contacts and
    other records: the register and pairing coverage stand)."""
    return any(loader.counts[sheet].new or loader.counts[sheet].updated for sheet in (PERSONS, PAIRINGS, HOUSEHOLDS))


def gaps_changed(loader: Loader) -> bool:
    """Whether the import added or changed a person, household, pairing, cadre or need: what
    gap_store's items follow from (contacts, return visits and the rest change none of them)."""
    return any(loader.counts[sheet].new or loader.counts[sheet].updated
               for sheet in (PERSONS, PAIRINGS, HOUSEHOLDS, CADRES, NEEDS))


def touched_pairings(session: Session, checked: Checked, loader: Loader) -> list[int]:
    """Every pairing whose status (compliance.pairing_status) the stored rows can have changed: all
    pairings of every household a valid row names (its village, pairings, contacts), and those a
    contact was moved away from."""
    households = {r.refs["household"] for rows in checked.valid.values() for r in rows if "household" in r.refs}
    found = set(loader.moved_from)
    for batch in chunks(list(households)):
        found.update(session.scalars(
            select(Pairing.id).join(Household, Household.id == Pairing.household_id).where(Household.code.in_(batch))
        ))
    return sorted(found)


def evidence_pairings(session: Session, checked: Checked, loader: Loader) -> list[int] | None:
    """Every pairing whose case evidence (cases.evidence_rows) the stored rows can have changed:
    touched_pairings and the pairings of the households of every person a policy delivery names.
    None when the import changed a person, need or survey already stored (one may have moved to
    another household, whose pairings no row names): the stored evidence is then made afresh."""
    if any(loader.counts[sheet].updated for sheet in (PERSONS, NEEDS, RETURN_VISITS)):
        return None
    found = set(touched_pairings(session, checked, loader))
    numbers = {r.refs["person"] for r in checked.valid.get(POLICY, ()) if "person" in r.refs}
    for batch in chunks(list(numbers)):
        found.update(session.scalars(
            select(Pairing.id).join(Person, Person.household_id == Pairing.household_id)
            .where(Person.id_number.in_(batch)).distinct()))
    return sorted(found)


def touched_cadres(session: Session, checked: Checked, loader: Loader, pairing_ids: list[int]) -> set[int]:
    """Every cadre whose authenticity signals the import can have changed: the cadres of the touched
    pairings (`touched_pairings`) and those a contact or 回访 row names."""
    found: set[int] = set()
    for batch in chunks(pairing_ids):
        found.update(session.scalars(select(Pairing.cadre_id).where(Pairing.id.in_(batch))))
    named = {r.refs.get("cadre") for sheet in (CONTACTS, RETURN_VISITS) for r in checked.valid.get(sheet, [])}
    found.update(loader.cadre_ids[code] for code in named if code in loader.cadre_ids)
    for batch in chunks(sorted(code for code in named if code and code not in loader.cadre_ids)):
        found.update(session.scalars(select(Cadre.id).where(Cadre.code.in_(batch))))
    return found
