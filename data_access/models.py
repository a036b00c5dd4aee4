"""The schema: the programme as it is (regions, units, cadres, households, persons, pairings with
history, contacts, needs with escalation records, supervision actions, policies, satisfaction,
typical cases) plus users, sessions, audit, imports, policy settings and the data version.

Stored vocabulary values are the Chinese terms of `vocabulary.py`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    column,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from data_access import entry_times, notes
from data_access.vocabulary import ENTRY_IN_APP, POLICY_DELIVERED, POLICY_UNDELIVERED


class Base(DeclarativeBase):
    pass


def _now() -> dt.datetime:
    """A record saved without an entry time was entered now (the app's own writes)."""
    return dt.datetime.now().replace(microsecond=0)


def _status_from_delivered(context) -> str:
    return POLICY_DELIVERED if context.get_current_parameters().get("delivered") else POLICY_UNDELIVERED


class Region(Base):
    """Administrative divisions. Codes nest by prefix: 6-digit county (or 620000 province / 621200
    city), 9-digit township, 12-digit village; `parent_code` makes the tree explicit."""

    __tablename__ = "regions"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10))  # province / city / county / township / village
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)


class OfficialRegion(Base):
    """The official province / city / county codes of China (GB/T 2260), shipped as reference data
    (data_access/reference/gbt2260.csv, loaded by migration 0007). Not the programme's regions: the
    import copies a county (with its city and province) into `regions` when a workbook uses it."""

    __tablename__ = "official_regions"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10))  # province / city / county
    parent_code: Mapped[str | None] = mapped_column(String(6))


class Unit(Base):
    """A work unit (工作单位) that cadres belong to."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)


class Cadre(Base):
    __tablename__ = "cadres"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # 干部编号
    name: Mapped[str] = mapped_column(String(50))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    rank: Mapped[str] = mapped_column(String(10))  # 县级 / 科级 / 一般干部
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str | None] = mapped_column(String(20))  # a work contact: shown to inspectors and leaders
    # 在岗 / 调离 / 退休 / 其他 (干部 sheet 状态, 状态日期; admins edit it): a cadre who left keeps
    # their pairings until a successor pairing exists, shown meanwhile as 待调整结对.
    status: Mapped[str] = mapped_column(String(4), default="在岗", server_default="在岗")
    status_date: Mapped[dt.date | None] = mapped_column(Date)


class Household(Base):
    __tablename__ = "households"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # 户编号
    village_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)


class Person(Base):
    """A person cared for. The ID number is the import's natural key but is deliberately not unique
    here: the same identity entered twice (身份重复) is a fact the verification page must find."""

    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(50))
    sex: Mapped[str] = mapped_column(String(2))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    group: Mapped[str] = mapped_column("group_name", String(20))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    village_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    phone: Mapped[str | None] = mapped_column(String(20))
    guardian: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(4), default="在册")
    exit_date: Mapped[dt.date | None] = mapped_column(Date)
    exit_reason: Mapped[str | None] = mapped_column(String(200))
    verification_flag: Mapped[str | None] = mapped_column(String(20))

    __table_args__ = (
        Index("ix_persons_village_group", "village_code", "group_name"),
        # 数据核查's 核查标记 list: the few flagged persons, by place.
        Index("ix_persons_verification_flag", "verification_flag", "village_code"),
    )


class Pairing(Base):
    """Household ↔ cadre, with history: a change ends one row and starts another.
    Active on day d when start_date <= d and (end_date is null or d < end_date)."""

    __tablename__ = "pairings"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    role: Mapped[str] = mapped_column(String(10))  # 爱心爸妈 / 爱心家人
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("household_id", "cadre_id", "start_date", name="uq_pairing_natural"),
        Index("ix_pairings_household", "household_id", "start_date"),
    )


class Contact(Base):
    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"))
    contact_date: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(10))
    content: Mapped[str | None] = mapped_column(Text)
    gift_yuan: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    record_no: Mapped[str | None] = mapped_column(String(60), unique=True)
    # When the record was entered (录入时间): the source system's time from the workbook, else the
    # moment the import stored it, or the moment it was saved in the app. Never rewritten by a
    # re-import of the same record; `entry_source` says which (vocabulary.ENTRY_SOURCES).
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    entry_source: Mapped[str] = mapped_column(String(10), default=ENTRY_IN_APP)
    entered_by: Mapped[str | None] = mapped_column(String(60))  # the importer or the recorder
    # The moment 日期 or 方式 was last corrected (ContactCorrection holds each correction).
    corrected_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # `content` without spaces and punctuation (notes.key), written with the note so 雷同记录 groups
    # an index instead of normalising every note of the year per read. Filled on insert by this
    # default (ORM and Core inserts), explicitly by the import (COPY, updates) and the demo build.
    note_key: Mapped[str | None] = mapped_column(Text, default=notes.contact_note_key)
    # Entry day minus date in whole days (entry_times.entry_delay_of): computed by the database from
    # the row on every insert and update — by the import (COPY too), recording, corrections, the
    # demo build and any later writer alike — so 补录, 集中补录 and 临检突击 range over an index.
    # Generated: VIRTUAL on SQLite (held in its index), STORED on PostgreSQL. Migration 0027.
    entry_delay_days: Mapped[int | None] = mapped_column(Integer, Computed(entry_times.entry_delay_of(
        column("contact_date"), column("entered_at"), column("entry_source"))))

    __table_args__ = (
        # Covers every per-pairing count and "last contact" seek the compliance rule makes.
        Index("ix_contacts_pairing_date", "pairing_id", "contact_date", "method"),
        # Covers date-range figures (contacts, visits, gifts per period and region) without reading
        # the table: the province-wide gift sum went from 6-11 s to an index scan.
        Index("ix_contacts_date_covering", "contact_date", "pairing_id", "method", "gift_yuan"),
        # 雷同记录: the year's notes grouped by key, and the records carrying one key.
        Index("ix_contacts_note_key", "note_key", "contact_date", "pairing_id"),
        # 补录 / 临检突击 (delay over late_entry_days) and 集中补录's candidate bursts: a range of delays.
        Index("ix_contacts_entry_delay", "entry_delay_days", "contact_date", "pairing_id"),
    )


class ContactCorrection(Base):
    """A correction of a stored contact's 日期 or 方式 (a re-import of the same 记录编号 with another
    date or method, or an edit in the app), kept with its own time; the first entry time stands."""

    __tablename__ = "contact_corrections"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    username: Mapped[str | None] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(String(10))  # 导入 / 平台录入
    old_date: Mapped[dt.date] = mapped_column(Date)
    old_method: Mapped[str] = mapped_column(String(10))
    new_date: Mapped[dt.date] = mapped_column(Date)
    new_method: Mapped[str] = mapped_column(String(10))


class Need(Base):
    """A need raised by a household (诉求). `level` and `status` mirror the latest event for fast
    filtering; as-of views read the events."""

    __tablename__ = "needs"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)  # 诉求编号
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairings.id"), index=True)
    raised_date: Mapped[dt.date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(10))
    content: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(10), default="干部个人")
    due_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(4), default="办理中")
    closed_date: Mapped[dt.date | None] = mapped_column(Date)
    closure_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic lock for concurrent edits

    __table_args__ = (Index("ix_needs_status_due", "status", "due_date"),)


class NeedEvent(Base):
    """A dated record on a need: escalation (new level), note, or closure. Never overwritten."""

    __tablename__ = "need_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), index=True)
    event_date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))  # 提出 / 上报 / 备注 / 办结
    level: Mapped[str | None] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())

    __table_args__ = (
        # Covers the as-of look-ups of needs.level_on / level_since (latest level event on or before D).
        Index("ix_need_events_level_history", "need_id", "event_date", "level"),
    )


class BatchCounter(Base):
    """The last 提醒/督办 batch number given per prefix (kind and day, e.g. DB20261203-): taken with
    one atomic INSERT … ON CONFLICT DO UPDATE … RETURNING, so inspectors issuing at once never get
    the same number (supervision._next_batch_no)."""

    __tablename__ = "batch_counters"
    prefix: Mapped[str] = mapped_column(String(30), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class SupervisionAction(Base):
    """A reminder (提醒) or formal supervision order (督办) to a cadre about one pairing."""

    __tablename__ = "supervision_actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(4))
    issued_date: Mapped[dt.date] = mapped_column(Date)
    deadline: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    batch_no: Mapped[str | None] = mapped_column(String(40), index=True)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    # The kind of contact that answers it (RULES.md): 实地走访 when visits were short, else any (null).
    required_method: Mapped[str | None] = mapped_column(String(10))


class ActionResponse(Base):
    """For each reminder/督办 about a pairing, the two dates its outcome on any day D follows from
    (supervision.stored_outcome; RULES.md): the first contact of the kind asked for from its issue
    day to its deadline entered in time (answered when on or before D), and the first contact of
    that kind since its issue day (a response by D when on or before D) — with the action's kind,
    days, the cadre's unit and the household's village, so the counts per outcome are one scan.
    Derived: kept by the write path (supervision.refresh_responses), valid while ActionStoreState
    matches the status_version and the grace setting."""

    __tablename__ = "action_responses"
    __table_args__ = (Index("ix_action_responses_village", "village_code"),)
    action_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pairing_id: Mapped[int] = mapped_column(Integer, index=True)
    cadre_id: Mapped[int] = mapped_column(Integer, index=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    village_code: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(4))
    issued_date: Mapped[dt.date] = mapped_column(Date)
    deadline: Mapped[dt.date] = mapped_column(Date)
    answered_on: Mapped[dt.date | None] = mapped_column(Date)
    first_response: Mapped[dt.date | None] = mapped_column(Date)


class ActionStoreState(Base):
    """When action_responses is valid: built at this status_version with this grace setting
    (late_entry_grace_days). One row (id 1), absent until first built."""

    __tablename__ = "action_store_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status_version: Mapped[int] = mapped_column(Integer)
    grace_days: Mapped[int] = mapped_column(Integer)


class SupervisionEscalation(Base):
    """An action escalated by a later issue while it was pending (提醒 → 督办, deadline renewed):
    what it was before, so the batch that escalated it can be withdrawn (撤回) without loss."""

    __tablename__ = "supervision_escalations"
    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("supervision_actions.id", ondelete="CASCADE"), index=True)
    batch_no: Mapped[str] = mapped_column(String(40), index=True)  # the batch that escalated it
    escalated_date: Mapped[dt.date] = mapped_column(Date)
    from_kind: Mapped[str] = mapped_column(String(4))
    from_deadline: Mapped[dt.date] = mapped_column(Date)
    from_batch_no: Mapped[str | None] = mapped_column(String(40))
    from_reason: Mapped[str | None] = mapped_column(Text)
    from_required_method: Mapped[str | None] = mapped_column(String(10))
    escalated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ReturnVisitTask(Base):
    """A 回访核实 task: an inspector is to ask one household, by phone or in person, whether its cadre
    really comes (a sample drawn at random within a region or weighted toward authenticity signals,
    or scheduled from a row of 真实性核查). Entering the result stores a 满意度回访 and closes it."""

    __tablename__ = "return_visit_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    list_no: Mapped[str] = mapped_column(String(40), index=True)  # the dated list it belongs to
    inspector: Mapped[str] = mapped_column(String(60), index=True)  # username of who is to ask
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"))
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200))  # 随机抽查 / 按信号抽查：补录、… / 真实性核查安排
    assigned_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(4))  # 待回访 / 已回访 / 已撤销
    satisfaction_id: Mapped[int | None] = mapped_column(ForeignKey("satisfaction.id"))
    created_by: Mapped[str] = mapped_column(String(60))
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class PolicyDelivery(Base):
    """One entitled policy of one person (政策落实) as reported: `status` 已落实 / 未落实 / 不适用
    (vocabulary.POLICY_STATUSES); `delivered` mirrors status == 已落实 for older readers. A person's
    entitled policy with no row is 未报送."""

    __tablename__ = "policy_deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    policy: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(4), default=_status_from_delivered)
    delivered: Mapped[bool] = mapped_column(Boolean, default=False)
    delivered_date: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("person_id", "policy", name="uq_policy_person"),)


class Satisfaction(Base):
    """A satisfaction and return-visit check (满意度回访, 让群众说了算): a household asked about
    its cadre. `cadre_came` is the family's own account of whether the cadre came to the home in
    the quarter before `survey_date` (是 / 否 / 不清楚); 否 with a visit recorded is 回访不符."""

    __tablename__ = "satisfaction"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(60), unique=True)  # 回访编号
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairings.id"), index=True)
    cadre_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"), index=True)  # the cadre asked about
    survey_date: Mapped[dt.date] = mapped_column(Date)  # 回访日期
    method: Mapped[str | None] = mapped_column(String(4))  # 回访方式: 电话 / 实地 (null: stored before 0006)
    visitor: Mapped[str | None] = mapped_column(String(60))  # 回访人
    level: Mapped[str] = mapped_column(String(6))  # 满意 / 基本满意 / 不满意
    cadre_came: Mapped[str | None] = mapped_column(String(4))  # 干部是否上门
    note: Mapped[str | None] = mapped_column(Text)  # 说明
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    entry_source: Mapped[str] = mapped_column(String(10), default=ENTRY_IN_APP)
    entered_by: Mapped[str | None] = mapped_column(String(60))

    # the date index holds the answers too: a period's counts read the index alone (migration 0024)
    __table_args__ = (Index("ix_satisfaction_answers", "survey_date", "household_id", "cadre_came", "level",
                            "cadre_id"),)


class DataFreshness(Base):
    """When each township's data last came in (an import storing its rows, or an entry in the app),
    written by those writes so 工作总览 and the sidebar read one small table."""

    __tablename__ = "data_freshness"
    township_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(10))  # 导入 / 平台录入 / 补填


class TypicalCase(Base):
    """A publicity case built on one pairing. Headline and narrative are editable text; the
    records they tell about are never changed through the case."""

    __tablename__ = "typical_cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    status: Mapped[str] = mapped_column(String(6))
    headline: Mapped[str | None] = mapped_column(String(200))
    narrative: Mapped[str | None] = mapped_column(Text)
    theme: Mapped[str | None] = mapped_column(String(20))
    alias: Mapped[str | None] = mapped_column(String(50))
    consent_by: Mapped[str | None] = mapped_column(String(50))
    consent_relation: Mapped[str | None] = mapped_column(String(20))  # 本人 / 监护人
    consent_date: Mapped[dt.date | None] = mapped_column(Date)
    consent_scope: Mapped[str | None] = mapped_column(String(200))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


class CasePublication(Base):
    """Where and when a published case appeared (several per case): channel, date, link. Rows are
    added, never changed; each is audited ("case_publication")."""

    __tablename__ = "case_publications"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("typical_cases.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    published_on: Mapped[dt.date] = mapped_column(Date)
    link: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(60))
    password_hash: Mapped[str | None] = mapped_column(String(200))  # null for identity-provider users
    role: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str] = mapped_column(String(12))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


class LoginThrottle(Base):
    """Wrong passwords in a row per name typed at the login, whether or not an account has that
    name (so a lock tells nothing about which names exist). The name is stored only as an HMAC
    (`accounts.name_key`): a password typed into the name box is never kept. Replaced the users
    row's failed_attempts / locked_until (dropped in migration 0017)."""

    __tablename__ = "login_throttle"
    name_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    locked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # start of the latest lock
    last_failed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class UserSession(Base):
    """Server-side login sessions; the browser cookie carries only the signed token."""

    __tablename__ = "user_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class LoginTicket(Base):
    """A one-time ticket for the browser that just logged in, exchanged within seconds by the
    server route that sets the HttpOnly session cookie (dashboard/server.py). Only the ticket's
    hash is kept, and the session's token sealed with a key derived from the ticket itself."""

    __tablename__ = "login_tickets"
    ticket_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    sealed_token: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    username: Mapped[str | None] = mapped_column(String(60), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    region_code: Mapped[str | None] = mapped_column(String(12))
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)  # JSON


class ImportRun(Base):
    __tablename__ = "import_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    username: Mapped[str | None] = mapped_column(String(60))
    file_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str] = mapped_column(String(20))  # 成功 / 拒绝 / 部分导入
    counts: Mapped[str | None] = mapped_column(Text)  # JSON


class PolicySetting(Base):
    """Overrides of the default policy (policy.py); a missing key means the default."""

    __tablename__ = "policy_settings"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))  # JSON
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[str | None] = mapped_column(String(60))


class HolidayDay(Base):
    """Traditional-festival days (from the chinese-calendar library), for holiday-contact measures."""

    __tablename__ = "holiday_days"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(20))


class DataVersion(Base):
    """One row whose counter every write bumps; cached queries key on it, so no process serves
    figures older than the last write, even when several app processes share one database."""

    __tablename__ = "data_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped only by writes that can change a pairing's status (households, pairings, contacts):
    # stored status evaluations are keyed on it, so a reminder or a need does not invalidate them.
    status_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The status_version the per-county daily counts (daily_counts) are whole for: set by a full
    # rebuild, carried over by the writes that keep them; NULL or older: read from the records.
    daily_counts_version: Mapped[int | None] = mapped_column(Integer)
    # Bumped by every write that can change a pairing's case evidence (案例挖掘: contacts, needs,
    # surveys, policy deliveries, persons, households, pairings; see db.bump_version): stored
    # evidence (case_evidence_sets) is keyed on it, so a reminder or an account does not invalidate it.
    evidence_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Bumped by every write except those that cannot change an authenticity signal (needs, cases,
    # accounts): stored signal evaluations (signal_store) are valid for the value they were made at.
    signal_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Bumped by every write that can change what gap_store keeps (needs, pairings, persons,
    # households, cadres: gap_store.keep); the kept days are valid at the gap_version they name.
    gap_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SignalEvaluation(Base):
    """One stored evaluation of the authenticity signals (signals.located_counts over the whole
    database) for one as-of day and one reading of their settings, valid while signal_version is
    `signal_version` (signal_store)."""

    __tablename__ = "signal_evaluations"
    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    policy_key: Mapped[str] = mapped_column(String(300))
    signal_version: Mapped[int] = mapped_column(Integer)
    built_at: Mapped[dt.datetime] = mapped_column(DateTime)
    build_ms: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_signal_evaluations_lookup", "as_of", "policy_key", "signal_version"),)


class SignalCount(Base):
    """A row of signals.located_counts in a stored evaluation: a cadre's records behind one signal
    whose household lies in one township."""

    __tablename__ = "signal_counts"
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("signal_evaluations.id"), primary_key=True)
    cadre_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    township: Mapped[str] = mapped_column(String(12), primary_key=True)
    signal: Mapped[str] = mapped_column(String(10), primary_key=True)
    records: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_signal_counts_township", "evaluation_id", "township"),)


class StatusSnapshot(Base):
    """One stored evaluation of the compliance rule (compliance.pairing_status) over the whole
    database, for one as-of day, one reading of the policy and one status_version."""

    __tablename__ = "status_snapshots"
    __table_args__ = (UniqueConstraint("as_of", "policy_key", "status_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    policy_key: Mapped[str] = mapped_column(String(100))
    status_version: Mapped[int] = mapped_column(Integer)
    built_at: Mapped[dt.datetime] = mapped_column(DateTime)
    pairings: Mapped[int] = mapped_column(Integer, default=0)
    build_ms: Mapped[int] = mapped_column(Integer, default=0)  # how long the evaluation took
    units_kept: Mapped[bool] = mapped_column(Boolean, default=False)  # its status_unit_rollups are kept


LAGGING = "is_behind = 1 OR is_silent = 1"  # ix_status_rows_lagging's rows (migration 0026)


class StatusRow(Base):
    """A pairing_status row of one stored evaluation (the same columns, the same meaning)."""

    __tablename__ = "status_rows"
    __table_args__ = (
        Index("ix_status_rows_region", "snapshot_id", "village_code"),
        Index("ix_status_rows_cadre", "snapshot_id", "cadre_id"),
        # 逾期事项's 认门逾期 (compliance.first_visit_rows): the few percent of a day's rows flagged
        Index("ix_status_rows_first_visit", "snapshot_id", "start_date",
              sqlite_where=text("first_visit_overdue = 1"), postgresql_where=text("first_visit_overdue = 1")),
        # 达标督查's laggard list and per-cadre roll-up (behind or silent): a seventh of a day's rows
        Index("ix_status_rows_lagging", "snapshot_id", "village_code",
              sqlite_where=text(LAGGING), postgresql_where=text(LAGGING)),
    )
    snapshot_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pairing_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cadre_id: Mapped[int] = mapped_column(Integer)
    household_id: Mapped[int] = mapped_column(Integer)
    village_code: Mapped[str] = mapped_column(String(12))
    start_date: Mapped[dt.date] = mapped_column(Date)
    owed_contacts: Mapped[int] = mapped_column(Integer)
    owed_visits: Mapped[int] = mapped_column(Integer)
    done_contacts: Mapped[int] = mapped_column(Integer)
    done_visits: Mapped[int] = mapped_column(Integer)
    last_contact: Mapped[dt.date | None] = mapped_column(Date)
    is_behind: Mapped[int] = mapped_column(Integer)
    is_silent: Mapped[int] = mapped_column(Integer)
    first_visit_overdue: Mapped[int] = mapped_column(Integer)


class AssessmentFreeze(Base):
    """A quarter's assessment (季考核) frozen by a leader for a region: the settings used and who/when.
    Its rows (AssessmentRow) are written once and never updated."""

    __tablename__ = "assessment_freezes"
    __table_args__ = (UniqueConstraint("year", "quarter", "region_code", name="uq_assessment_freeze"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(12))  # "" for the whole database
    as_of: Mapped[dt.date] = mapped_column(Date)
    frozen_at: Mapped[dt.datetime] = mapped_column(DateTime)
    frozen_by: Mapped[str] = mapped_column(String(60))
    settings: Mapped[str] = mapped_column(Text)  # JSON: the weights and grade thresholds used


class AssessmentRow(Base):
    """One unit's or township's frozen score, with the inputs behind each part (scores in tenths)."""

    __tablename__ = "assessment_rows"
    freeze_id: Mapped[int] = mapped_column(ForeignKey("assessment_freezes.id"), primary_key=True)
    level: Mapped[str] = mapped_column(String(10), primary_key=True)  # unit / township
    key: Mapped[str] = mapped_column(String(40), primary_key=True)  # unit id or township code
    name: Mapped[str] = mapped_column(String(200))
    contacts_done: Mapped[int] = mapped_column(Integer)
    contacts_owed: Mapped[int] = mapped_column(Integer)
    visits_done: Mapped[int] = mapped_column(Integer)
    visits_owed: Mapped[int] = mapped_column(Integer)
    needs_in_time: Mapped[int] = mapped_column(Integer)
    needs_due: Mapped[int] = mapped_column(Integer)
    satisfied: Mapped[int] = mapped_column(Integer)
    surveys: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    supervisions: Mapped[int] = mapped_column(Integer)
    score_tenths: Mapped[int | None] = mapped_column(Integer)
    grade: Mapped[str | None] = mapped_column(String(4))
    rank: Mapped[int | None] = mapped_column(Integer)
    change_tenths: Mapped[int | None] = mapped_column(Integer)


class AssessmentInputSet(Base):
    """One quarter's 季考核 inputs of the whole database, stored per unit, township and cadre and per
    county (derived data, assessment_store): valid while the data version and the settings it was
    counted with are unchanged."""

    __tablename__ = "assessment_input_sets"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    policy_key: Mapped[str] = mapped_column(String(200))
    data_version: Mapped[int] = mapped_column(BigInteger)
    built_at: Mapped[dt.datetime] = mapped_column(DateTime)
    build_ms: Mapped[int] = mapped_column(Integer)


class AssessmentInput(Base):
    """The ten inputs of one unit / township / cadre over its households in one county."""

    __tablename__ = "assessment_inputs"
    set_id: Mapped[int] = mapped_column(ForeignKey("assessment_input_sets.id"), primary_key=True)
    level: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    county: Mapped[str] = mapped_column(String(6), primary_key=True)
    contacts_done: Mapped[int] = mapped_column(BigInteger)
    contacts_owed: Mapped[int] = mapped_column(BigInteger)
    visits_done: Mapped[int] = mapped_column(BigInteger)
    visits_owed: Mapped[int] = mapped_column(BigInteger)
    needs_in_time: Mapped[int] = mapped_column(BigInteger)
    needs_due: Mapped[int] = mapped_column(BigInteger)
    satisfied: Mapped[int] = mapped_column(BigInteger)
    surveys: Mapped[int] = mapped_column(BigInteger)
    answered: Mapped[int] = mapped_column(BigInteger)
    supervisions: Mapped[int] = mapped_column(BigInteger)


class AccountabilityStep(Base):
    """A step of the accountability chain on a cadre (约谈 / 通报批评 / 问责), recorded by a person
    after an unanswered 督办; dated, with a note and the document number. Never overwritten."""

    __tablename__ = "accountability_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadres.id"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_actions.id"), index=True)
    step: Mapped[str] = mapped_column(String(6))
    step_date: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    doc_no: Mapped[str | None] = mapped_column(String(60))
    recorded_by: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)


class StatusRollup(Base):
    """The summary figures (compliance.summary) of one stored evaluation for one region prefix: ""
    (the whole database), a province (2 digits), a city (4) or a county (6). Kept by the write path."""

    __tablename__ = "status_rollups"
    snapshot_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_prefix: Mapped[str] = mapped_column(String(12), primary_key=True)
    active_pairings: Mapped[int] = mapped_column(BigInteger)
    pairings_on_track: Mapped[int] = mapped_column(BigInteger)
    pairings_behind: Mapped[int] = mapped_column(BigInteger)
    pairings_silent: Mapped[int] = mapped_column(BigInteger)
    cadres: Mapped[int] = mapped_column(BigInteger)
    cadres_on_track: Mapped[int] = mapped_column(BigInteger)
    owed_contacts: Mapped[int] = mapped_column(BigInteger)
    done_contacts: Mapped[int] = mapped_column(BigInteger)
    owed_visits: Mapped[int] = mapped_column(BigInteger)
    done_visits: Mapped[int] = mapped_column(BigInteger)
    first_visits_overdue: Mapped[int] = mapped_column(BigInteger)


class StatusUnitRollup(Base):
    """The roll-up per work unit (compliance.unit_rollup) of one stored evaluation inside one region
    prefix ("" the whole database, a province, a city or a county): its cadres with a pairing in
    the region, judged by their worst status over those pairings, and those pairings. Kept by the
    write path with the evaluation, like StatusRollup."""

    __tablename__ = "status_unit_rollups"
    snapshot_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_prefix: Mapped[str] = mapped_column(String(12), primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cadres: Mapped[int] = mapped_column(BigInteger)
    cadres_on_track: Mapped[int] = mapped_column(BigInteger)
    cadres_behind: Mapped[int] = mapped_column(BigInteger)
    cadres_silent: Mapped[int] = mapped_column(BigInteger)
    pairings: Mapped[int] = mapped_column(BigInteger)


class CaseEvidenceSet(Base):
    """One stored evaluation of 案例挖掘's evidence (cases.evidence_rows) for every pairing active on
    `as_of` in the whole database, over the period `period_start`..`as_of`, for one reading of the
    settings and one evidence_version (data_version). Kept by the write path (cases.evidence_store)."""

    __tablename__ = "case_evidence_sets"
    __table_args__ = (UniqueConstraint("as_of", "period_start", "policy_key", "evidence_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    period_start: Mapped[dt.date] = mapped_column(Date)
    policy_key: Mapped[str] = mapped_column(String(200))
    evidence_version: Mapped[int] = mapped_column(Integer)
    built_at: Mapped[dt.datetime] = mapped_column(DateTime)
    build_ms: Mapped[int] = mapped_column(Integer, default=0)


class CaseEvidenceRow(Base):
    """A row of cases.evidence_rows of one stored set (the same columns, the same meaning)."""

    __tablename__ = "case_evidence_rows"
    __table_args__ = (
        Index("ix_case_evidence_rows_region", "set_id", "village_code"),
        Index("ix_case_evidence_rows_score", "set_id", text("score DESC"), "pairing_id"),
    )
    set_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pairing_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(Integer)
    cadre_id: Mapped[int] = mapped_column(Integer)
    village_code: Mapped[str] = mapped_column(String(12))
    start_date: Mapped[dt.date] = mapped_column(Date)
    done_contacts: Mapped[int] = mapped_column(Integer)
    owed_contacts: Mapped[int] = mapped_column(Integer)
    done_visits: Mapped[int] = mapped_column(Integer)
    owed_visits: Mapped[int] = mapped_column(Integer)
    needs_solved: Mapped[int] = mapped_column(Integer)
    fast_solved: Mapped[int] = mapped_column(Integer)
    solve_days: Mapped[int] = mapped_column(Integer)
    holidays: Mapped[int] = mapped_column(Integer)
    policies: Mapped[int] = mapped_column(Integer)
    satisfied: Mapped[int] = mapped_column(Integer)
    dissatisfied: Mapped[int] = mapped_column(Integer)
    rich_notes: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)  # cases.scoring.score of the row under the set's settings


class ContactDay(Base):
    """Contacts recorded per county (the first 6 digits of the household's village code) and contact
    date: what the pages sum over periods (trends.monthly_activity, trends.activity, the year's
    gifts of coverage.headline). Derived from `contacts` by `daily_counts` and kept by the write
    path (import, recording, demo build) in the write's own transaction."""

    __tablename__ = "contact_days"
    county_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    contacts: Mapped[int] = mapped_column(BigInteger)
    visits: Mapped[int] = mapped_column(BigInteger)
    gifts_yuan: Mapped[Decimal] = mapped_column(Numeric(16, 2))


class FestivalReach(Base):
    """Contacts on one traditional festival's days (holiday_days of one name in one year, first to
    last day) per county, and the pairings they reached (distinct): what 趋势分析's festival table
    sums (trends.holiday_contacts). Kept with contact_days by the write path (daily_counts)."""

    __tablename__ = "festival_reach"
    county_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    first_day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last_day: Mapped[dt.date] = mapped_column(Date)
    contacts: Mapped[int] = mapped_column(BigInteger)
    reached: Mapped[int] = mapped_column(BigInteger)


class CoverageChange(Base):
    """Changes of the register and of pairing coverage per county (the first 6 digits of the
    person's village code), group and day: persons entering (day 0001-01-01: the register has no
    entry date) or leaving the register, persons whose household gains or loses its last active
    pairing while they are in the register, households with a person of the group in the register
    (group "": with any person in the register) and, in group "", pairings starting or ending (in
    their household's county). The figure on day D is the sum of the rows dated on or before D
    (daily_counts.coverage_counts). Kept by the write path like ContactDay."""

    __tablename__ = "coverage_changes"
    county_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    group: Mapped[str] = mapped_column("group_name", String(20), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    persons: Mapped[int] = mapped_column(BigInteger)
    paired: Mapped[int] = mapped_column(BigInteger)
    households: Mapped[int] = mapped_column(BigInteger)
    pairings: Mapped[int] = mapped_column(BigInteger)


class GapItem(Base):
    """One item of a kind gap_store keeps per stored day (逾期诉求, 结对断档, 待调整结对, 未结对对象):
    the need, pairing or person, the village it lies in, the cadre it counts under (the need's
    answering cadre, the former or departed cadre; none for a person) and the date it is listed by.
    Derived: kept by the write path (gap_store), valid while its day's GapDay row is."""

    __tablename__ = "gap_items"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_code: Mapped[str] = mapped_column(String(12))
    cadre_id: Mapped[int | None] = mapped_column(Integer)
    sort_date: Mapped[dt.date | None] = mapped_column(Date)

    __table_args__ = (
        Index("ix_gap_items_place", "day", "kind", "village_code"),
        Index("ix_gap_items_order", "day", "kind", "sort_date", "item_id"),
    )


class GapDay(Base):
    """A day gap_store keeps: valid while DataVersion.gap_version equals `gap_version` and the
    successor gap setting (结对断档) is `successor_gap_days`."""

    __tablename__ = "gap_days"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    gap_version: Mapped[int] = mapped_column(Integer)
    successor_gap_days: Mapped[int] = mapped_column(Integer)
