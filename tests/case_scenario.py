"""A hand-built county for the typical-case tests, with known ID numbers, phones and names that no
publicity view or export may ever show.

2025, as of 31 December:
- H1 (汉源镇城关村): orphan 王小明 (11), guardian 王大山, paired since 2024 with the leading cadre
  赵建国 (县级, 爱心爸妈). Diligent: 8 contacts (4 visits), two on festivals, a schooling need
  closed in 8 days, a policy delivered, a 满意 survey, long notes naming the child and his phone.
- H2 (长道镇长道村): severely disabled 孙桂兰 (65), 爱心家人 钱红 (一般干部). Exactly what is owed,
  a medical need closed in 40 days, one long note about a wheelchair.
- H3 (汉源镇南关村): extremely poor 周福贵, 爱心家人 钱红: one phone call; no evidence, no candidate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from data_access import models as m
from data_access.vocabulary import (
    GROUP_DISABLED,
    GROUP_EXTREME_POOR,
    GROUP_ORPHAN,
    RANK_COUNTY,
    RANK_GENERAL,
    ROLE_FAMILY,
    ROLE_PARENT,
)
from tests import builders as b

AS_OF = dt.date(2025, 12, 31)

CHILD_NAME = "王小明"
CHILD_ID = "621225201405011236"
CHILD_PHONE = "13912345678"
GUARDIAN_NAME = "王大山"
GUARDIAN_PHONE = "13698765432"
ADULT_NAME = "孙桂兰"
ADULT_ID = "62122519600303002X"
ADULT_PHONE = "18809876543"
POOR_NAME = "周福贵"
POOR_ID = "621225194505050017"
CADRE_PHONE = "13300001111"

SECRETS = (CHILD_NAME, CHILD_ID, CHILD_PHONE, GUARDIAN_PHONE, ADULT_ID, ADULT_PHONE, POOR_ID, CADRE_PHONE,
           GUARDIAN_NAME, "小明")

LONG = "，详细了解了生活、学习和身体情况，并与监护人商量下一步打算"  # makes a note "rich" (≥ 30 chars)


@dataclass(frozen=True)
class Ids:
    p1: int
    p2: int
    p3: int
    h1: int
    h2: int
    leader: int
    general: int


def need(session: Session, household_id: int, pairing_id: int | None, raised: dt.date, category: str, content: str,
         closed: dt.date | None = None, closure_note: str | None = None) -> int:
    row = m.Need(code=f"N{household_id}-{raised:%m%d}-{category}", household_id=household_id, pairing_id=pairing_id,
                 raised_date=raised, category=category, content=content, due_date=raised + dt.timedelta(days=30),
                 status="已办结" if closed else "办理中", closed_date=closed, closure_note=closure_note)
    session.add(row)
    session.flush()
    return row.id


def build(session: Session) -> Ids:
    b.region_tree(session)
    session.add_all([m.HolidayDay(day=dt.date(2025, 1, 29), name="春节"),
                     m.HolidayDay(day=dt.date(2025, 1, 30), name="春节"),
                     m.HolidayDay(day=dt.date(2025, 10, 6), name="中秋节")])
    edu = b.unit(session, "县教育局")
    civil = b.unit(session, "县民政局")
    leader = b.cadre(session, edu, "赵建国", rank=RANK_COUNTY, is_leader=True)
    general = b.cadre(session, civil, "钱红", rank=RANK_GENERAL)
    session.get(m.Cadre, leader).phone = CADRE_PHONE

    h1 = b.household(session, b.VILLAGE_A1)
    child = b.person(session, h1, b.VILLAGE_A1, GROUP_ORPHAN, dt.date(2014, 5, 1), CHILD_NAME, CHILD_ID,
                     phone=CHILD_PHONE, guardian=GUARDIAN_NAME)
    session.get(m.Person, child).sex = "男"
    p1 = b.pairing(session, h1, leader, dt.date(2024, 1, 10), role=ROLE_PARENT)
    notes = [
        (dt.date(2025, 1, 29), "实地走访", f"春节前走访{CHILD_NAME}，送去新衣和慰问金{LONG}", Decimal("500")),
        (dt.date(2025, 3, 15), "电话", f"电话询问{CHILD_NAME}开学情况，监护人{GUARDIAN_NAME}电话{GUARDIAN_PHONE}", None),
        (dt.date(2025, 5, 20), "实地走访", f"到家辅导作业，了解到孩子想转到县城学校上学{LONG}", None),
        (dt.date(2025, 6, 30), "微信", "微信视频聊天，孩子期末考试进步明显", None),
        (dt.date(2025, 8, 18), "实地走访", f"与学校沟通入学手续，身份证号{CHILD_ID}{LONG}", Decimal("300")),
        (dt.date(2025, 9, 2), "电话", "了解入学后适应情况", None),
        (dt.date(2025, 10, 6), "实地走访", f"中秋节陪孩子过节，一起吃团圆饭{LONG}", Decimal("200")),
        (dt.date(2025, 11, 20), "电话", "询问冬季取暖", None),
    ]
    for day, method, content, gift in notes:
        b.contact(session, p1, day, method, content=content, gift_yuan=gift)
    need(session, h1, p1, dt.date(2025, 8, 20), "上学", f"{CHILD_NAME}希望转入县城小学",
         closed=dt.date(2025, 8, 28), closure_note=f"{CHILD_NAME}已转入县城第二小学就读")
    session.add(m.PolicyDelivery(person_id=child, policy="教育资助", delivered=True, delivered_date=dt.date(2025, 9, 1)))
    session.add(m.Satisfaction(household_id=h1, pairing_id=p1, survey_date=dt.date(2025, 10, 10), level="满意",
                               note=f"{GUARDIAN_NAME}说赵书记比亲人还亲"))

    h2 = b.household(session, b.VILLAGE_B1)
    b.person(session, h2, b.VILLAGE_B1, GROUP_DISABLED, dt.date(1960, 3, 3), ADULT_NAME, ADULT_ID, phone=ADULT_PHONE)
    p2 = b.pairing(session, h2, general, dt.date(2024, 6, 1), role=ROLE_FAMILY)
    for day, method, content in [
        (dt.date(2025, 2, 10), "电话", "电话问候"),
        (dt.date(2025, 4, 12), "实地走访", f"走访{ADULT_NAME}，了解到需要轮椅，已联系县残联申请{LONG}"),
        (dt.date(2025, 8, 5), "电话", "询问轮椅使用情况"),
        (dt.date(2025, 11, 3), "实地走访", "送去棉被"),
    ]:
        b.contact(session, p2, day, method, content=content)
    need(session, h2, None, dt.date(2025, 4, 12), "就医", "需要轮椅和康复指导",
         closed=dt.date(2025, 5, 22), closure_note="县残联已配发轮椅")

    h3 = b.household(session, b.VILLAGE_A2)
    b.person(session, h3, b.VILLAGE_A2, GROUP_EXTREME_POOR, dt.date(1945, 5, 5), POOR_NAME, POOR_ID)
    p3 = b.pairing(session, h3, general, dt.date(2024, 6, 1), role=ROLE_FAMILY)
    b.contact(session, p3, dt.date(2025, 3, 1), "电话", content="问候")
    return Ids(p1, p2, p3, h1, h2, leader, general)
