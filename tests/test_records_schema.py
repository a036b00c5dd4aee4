"""Migration 0006 on a database that already holds records: entry times, 回访 fields and 政策落实
status are backfilled as its docstring says, and the columns are NOT NULL afterwards."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from data_access import db
from data_access.models import Contact, DataFreshness, Satisfaction


def _migrate(url: str, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    with db.get_engine(url).begin() as connection:
        cfg.attributes["connection"] = connection
        if revision == "head":
            command.upgrade(cfg, revision)
        else:
            command.downgrade(cfg, revision)


SEED = [
    "INSERT INTO regions (code, name, level, parent_code) VALUES ('621225', '西和县', 'county', NULL)",
    "INSERT INTO regions (code, name, level, parent_code) VALUES ('621225100', '汉源镇', 'township', '621225')",
    "INSERT INTO regions (code, name, level, parent_code) VALUES ('621225100001', '城关村', 'village', '621225100')",
    "INSERT INTO units (id, name, region_code) VALUES (1, '县民政局', '621225')",
    "INSERT INTO cadres (id, code, name, unit_id, rank, is_leader) VALUES (1, 'GB1', '李明', 1, '科级', false)",
    "INSERT INTO households (id, code, village_code) VALUES (1, 'H1', '621225100001')",
    "INSERT INTO persons (id, id_number, name, sex, birth_date, group_name, household_id, village_code, status) "
    "VALUES (1, '62122520100307002X', '王小花', '女', '2010-03-07', '孤儿', 1, '621225100001', '在册')",
    "INSERT INTO pairings (id, household_id, cadre_id, role, start_date) VALUES (1, 1, 1, '爱心爸妈', '2023-01-01')",
    "INSERT INTO contacts (id, pairing_id, contact_date, method) VALUES (1, 1, '2023-02-01', '电话')",
    "INSERT INTO contacts (id, pairing_id, contact_date, method) VALUES (2, 1, '2023-06-01', '实地走访')",
    "INSERT INTO import_runs (id, at, file_name, sha256, dry_run, outcome) "
    "VALUES (1, '2023-03-10 15:00:00', 'a.xlsx', 'x', false, '成功')",
    "INSERT INTO import_runs (id, at, file_name, sha256, dry_run, outcome) "
    "VALUES (2, '2023-04-10 15:00:00', 'b.xlsx', 'x', false, '拒绝')",
    "INSERT INTO satisfaction (id, household_id, pairing_id, survey_date, level) VALUES (1, 1, 1, '2023-07-01', '满意')",
    "INSERT INTO policy_deliveries (id, person_id, policy, delivered, delivered_date) "
    "VALUES (1, 1, '基本生活保障', true, '2023-01-05')",
    "INSERT INTO policy_deliveries (id, person_id, policy, delivered) VALUES (2, 1, '医疗保障', false)",
]


def test_backfill_of_records_stored_before_0006(db_url):
    _migrate(db_url, "0005")
    with db.get_engine(db_url).begin() as connection:
        for statement in SEED:
            connection.execute(text(statement))
    _migrate(db_url, "head")
    with db.session_scope(db_url) as connection:  # read through the models: dates as dates on SQLite too
        contacts = connection.execute(
            select(Contact.id, Contact.entered_at, Contact.entry_source).order_by(Contact.id)).all()
        # contact of 2023-02-01: the first stored import on or after its date (the refused run does not count);
        # contact of 2023-06-01: no import after it, so its own date at midnight.
        assert [(c.id, c.entered_at, c.entry_source) for c in contacts] == [
            (1, dt.datetime(2023, 3, 10, 15, 0), "补填"),
            (2, dt.datetime(2023, 6, 1, 0, 0), "补填"),
        ]
        survey = connection.execute(select(Satisfaction.cadre_id, Satisfaction.entered_at, Satisfaction.entry_source,
                                           Satisfaction.method)).one()
        assert tuple(survey) == (1, dt.datetime(2023, 7, 1), "补填", None)
        statuses = connection.execute(text("SELECT policy, status FROM policy_deliveries ORDER BY id")).all()
        assert [tuple(s) for s in statuses] == [("基本生活保障", "已落实"), ("医疗保障", "未落实")]
        fresh = connection.execute(select(DataFreshness.township_code, DataFreshness.changed_at,
                                          DataFreshness.source)).all()
        assert [tuple(f) for f in fresh] == [("621225100", dt.datetime(2023, 6, 1), "补填")]
    # NOT NULL from now on: a contact without an entry time is refused by the database itself.
    with pytest.raises(IntegrityError), db.get_engine(db_url).begin() as connection:
        connection.execute(text("INSERT INTO contacts (pairing_id, contact_date, method, entry_source) "
                                "VALUES (1, '2023-08-01', '电话', '导入')"))


def test_0019_stores_the_key_of_every_stored_note(db_url):
    """Notes stored before 0019 get their key (without spaces and punctuation) from the migration,
    so 雷同记录 finds a note copied before and after it."""
    _migrate(db_url, "0018")
    with db.get_engine(db_url).begin() as connection:
        for statement in SEED[:6] + SEED[7:8]:  # regions, unit, cadre, household, pairing
            connection.execute(text(statement))
        for cid, content in ((1, "了解近况， 叮嘱按时服药。"), (2, "，。"), (3, None)):
            connection.execute(text(
                "INSERT INTO contacts (id, pairing_id, contact_date, method, content, entered_at, entry_source) "
                "VALUES (:id, 1, '2023-02-01', '电话', :content, '2023-02-01 18:00:00', '导入')"),
                {"id": cid, "content": content})
    _migrate(db_url, "head")
    with db.session_scope(db_url) as s:
        stored = s.execute(select(Contact.id, Contact.note_key).order_by(Contact.id)).all()
    assert [tuple(r) for r in stored] == [(1, "了解近况叮嘱按时服药"), (2, None), (3, None)]  # nothing left: no key
