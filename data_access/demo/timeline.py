"""How cadres keep in touch, over the demo's two years: the calendar (festival days, county
activities, inspection rounds), cadre behaviour profiles, the contacts of one pairing (first home
visit, regular contacts, festival visits with gifts, collective activities) and the inspection
team's reminders (提醒 / 督办), some answered by a contact before the deadline, some not.

Days are date ordinals (ints) while generating; `Clock.iso` turns them into stored strings.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass

from data_access.demo import texts
from data_access.holidays import festival_days
from data_access.policy import Policy
from data_access.vocabulary import ACTION_REMIND, ACTION_SUPERVISE, METHOD_VISIT

# Non-visit methods, weighted: phone calls dominate, as in the Xihe report.
REMOTE_METHODS = ("电话",) * 62 + ("微信",) * 16 + ("视频",) * 8 + ("短信",) * 5 + ("邀请到家",) * 4

# Gifts in yuan by festival: (cash choices, goods value choices).
FESTIVAL_GIFTS = {
    "春节": ((100, 200, 200, 300, 500), (100, 150, 200)),
    "中秋节": ((100, 200), (50, 80, 100)),
    "重阳节": ((100, 200), (60, 100)),
    "元宵节": ((100,), (50,)),
}
# Rich visit notes that may come with something the cadre paid for: (lowest, highest) yuan.
NOTE_GIFTS = {
    "送去书包、文具和冬季校服": (150, 300),
    "送去轮椅一台，帮助调试使用": (300, 600),
    "送去米、面、油等生活用品": (80, 200),
    "帮助购买冬季取暖煤炭": (150, 300),
    "给孩子过生日，送去生日蛋糕和课外书": (80, 150),
}


@dataclass(frozen=True)
class Profile:
    """How one cadre behaves. gap: days between regular contacts (uniform range)."""

    name: str
    gap: tuple[int, int]
    visit_share: float
    festival_share: float
    first_visit_share: float
    gift_share: float
    rich_share: float
    event_share: float
    answers_reminders: float


PROFILES = {
    "diligent": Profile("diligent", (18, 40), 0.55, 0.92, 0.98, 0.35, 0.7, 0.6, 1.0),
    "steady": Profile("steady", (32, 80), 0.5, 0.55, 0.92, 0.15, 0.3, 0.3, 0.8),
    "late": Profile("late", (95, 220), 0.35, 0.12, 0.5, 0.1, 0.1, 0.08, 0.55),
    "silent": Profile("silent", (32, 80), 0.45, 0.45, 0.85, 0.15, 0.2, 0.25, 0.0),
}
PROFILE_CHOICES = ("diligent",) * 22 + ("steady",) * 58 + ("late",) * 13 + ("silent",) * 7


class Clock:
    """The demo's calendar: Jan 1 of the previous year up to the as-of date."""

    def __init__(self, as_of: dt.date, policy: Policy):
        self.as_of = as_of
        self.policy = policy
        self.start = dt.date(as_of.year - 1, 1, 1)
        self.first = self.start.toordinal()
        self.last = as_of.toordinal()
        self._base = self.first - 5 * 366
        self._iso = [dt.date.fromordinal(day).isoformat() for day in range(self._base, self.last + 400)]
        years = range(self.start.year, as_of.year + 1)
        by_festival: dict[tuple[int, str], list[int]] = {}
        for day, name in festival_days(years).items():
            if name in texts.FESTIVAL_NOTES and day <= as_of:
                by_festival.setdefault((day.year, name), []).append(day.toordinal())
        self.festivals = [(name, tuple(days)) for (_, name), days in sorted(by_festival.items())]
        self.events = [
            (dt.date(year, month, day).toordinal(), note, kinds)
            for year in years
            for month, day, note, kinds in texts.COLLECTIVE_EVENTS
            if dt.date(year, month, day) <= as_of
        ]
        self.school_days = [dt.date(year, 8, 28).toordinal() for year in years if dt.date(year, 8, 28) <= as_of]
        self.quarter_ends = [
            dt.date(year, month, day).toordinal()
            for year in years
            for month, day in ((3, 31), (6, 30), (9, 30), (12, 31))
        ]
        # Monthly inspection rounds on the 10th; those after a quarter end also check the counts.
        self.inspections = [
            (dt.date(year, month, 10).toordinal(), month in (1, 4, 7, 10))
            for year in years
            for month in range(1, 13)
            if dt.date(year, month, 10) <= as_of
        ]
        self.survey_waves = [
            (dt.date(year, m1, d1).toordinal(), min(dt.date(year, m2, d2).toordinal(), self.last))
            for year in years
            for (m1, d1), (m2, d2) in (((6, 15), (7, 15)), ((11, 20), (12, 20)))
            if dt.date(year, m1, d1) <= as_of
        ]

    def iso(self, day: int) -> str:
        return self._iso[day - self._base]

    def stamp(self, day: int, hour: int = 9) -> str:
        """A timestamp on `day` for created/updated columns."""
        return f"{self._iso[day - self._base]} {hour:02d}:00:00.000000"


Contact = tuple[int, str, str, int | None]  # day, method, note, gift yuan


def _festival_contact(rng: random.Random, profile: Profile, name: str, day: int) -> Contact:
    cash_note, goods_note, visit_note, remote_note = texts.FESTIVAL_NOTES[name]
    if rng.random() < 0.78:
        if rng.random() < profile.gift_share:
            cash, goods = FESTIVAL_GIFTS[name]
            if rng.random() < 0.5:
                amount = rng.choice(cash)
                return day, METHOD_VISIT, cash_note.format(gift=amount), amount
            amount = rng.choice(goods)
            return day, METHOD_VISIT, goods_note.format(gift=amount), amount
        return day, METHOD_VISIT, visit_note, None
    return day, rng.choice(("电话", "视频", "微信")), remote_note, None


def _festivals_for(kind: str, name: str) -> bool:
    if name == "重阳节":
        return kind == "poor"
    if name == "元宵节":
        return kind == "child"
    return True


def pairing_contacts(
    rng: random.Random, clock: Clock, profile: Profile, kind: str, start: int, end: int, stop: int
) -> list[Contact]:
    """The contacts of one pairing active on days start..end-1, by a cadre who stops contacting
    after `stop` (silent cadres), in date order."""
    limit = min(end, stop + 1, clock.last + 1)
    out: list[Contact] = []
    if start >= limit:
        return out
    rand, randint, choice = rng.random, rng.randint, rng.choice
    if rand() < profile.first_visit_share:
        day = start + randint(1, 25)
        if day < limit:
            out.append((day, METHOD_VISIT, choice(texts.FIRST_VISIT_NOTES), None))
    else:
        day = start + randint(15, 60)
    low, high = profile.gap
    rich = texts.RICH_NOTES[kind]
    terse = texts.TERSE_NOTES
    day += randint(low, high)
    while day < limit:
        if rand() < profile.visit_share:
            if rand() < profile.rich_share:
                note = choice(rich)
                span = NOTE_GIFTS.get(note)
                paid = span is not None and rand() < profile.gift_share
                out.append((day, METHOD_VISIT, note, randint(*span) // 10 * 10 if paid else None))
            else:
                out.append((day, METHOD_VISIT, choice(terse[METHOD_VISIT]), None))
        else:
            method = choice(REMOTE_METHODS)
            out.append((day, method, choice(terse[method]), None))
        day += randint(low, high)
    for name, days in clock.festivals:
        if _festivals_for(kind, name) and rand() < profile.festival_share:
            day = choice(days)
            if start <= day < limit:
                out.append(_festival_contact(rng, profile, name, day))
    for day, note, kinds in clock.events:
        if start <= day < limit and kind in kinds and rand() < profile.event_share:
            out.append((day, "集体活动", note, None))
    if kind == "child":
        for day in clock.school_days:
            if start <= day < limit and rand() < profile.gift_share:
                amount = randint(15, 30) * 10
                out.append((day, METHOD_VISIT, texts.CHILD_SCHOOL_NOTE.format(gift=amount), amount))
    out.sort()
    return out


Action = tuple[str, int, int, str]  # kind, issued day, deadline day, reason


def _quarter_label(day: int) -> str:
    date = dt.date.fromordinal(day)
    return f"{date.year}年第{(date.month - 1) // 3 + 1}季度末"


def _contact_between(days: list[int], after: int, before: int) -> bool:
    index = bisect.bisect_right(days, after)
    return index < len(days) and days[index] < before


def supervise(
    rng: random.Random, clock: Clock, profile: Profile, contacts: list[Contact], start: int, end: int, stop: int
) -> list[Action]:
    """Inspection rounds over one pairing: a 提醒 when it looks behind or silent, a 督办 when the
    previous reminder went unanswered. A cadre who answers adds a contact before the deadline,
    inserted into `contacts` (kept in date order)."""
    policy = clock.policy
    limit = min(end, clock.last + 1)
    days = [contact[0] for contact in contacts]
    actions: list[Action] = []
    for day, quarterly in clock.inspections:
        if day < start + 60 or day >= limit or len(actions) >= 5:
            continue
        index = bisect.bisect_left(days, day)
        last_contact = days[index - 1] if index else start
        silent = day - last_contact > policy.silent_days
        behind = False
        if quarterly:
            period_end = clock.quarter_ends[bisect.bisect_left(clock.quarter_ends, day) - 1]
            year_start = dt.date(dt.date.fromordinal(period_end).year, 1, 1).toordinal()
            owed = sum(
                1
                for quarter_end in clock.quarter_ends
                if year_start <= quarter_end <= period_end and quarter_end - policy.grace_days >= start
            )
            done = bisect.bisect_right(days, period_end) - bisect.bisect_left(days, max(year_start, start))
            behind = done < owed * policy.contacts_per_period
        if not (behind or silent):
            continue
        reason = (
            texts.REASON_SILENT.format(days=policy.silent_days)
            if silent
            else texts.REASON_BEHIND.format(period=_quarter_label(period_end))
        )
        kind = ACTION_REMIND
        if actions:
            previous_day = actions[-1][1]
            if day - previous_day < 25:
                continue
            if not _contact_between(days, previous_day, day):
                kind = ACTION_SUPERVISE
        deadline = day + (15 if kind == ACTION_REMIND else 10)
        actions.append((kind, day, deadline, reason if kind == ACTION_REMIND else f"{texts.REASON_ESCALATED}：{reason}"))
        if day < stop and rng.random() < profile.answers_reminders:
            answer_day = day + rng.randint(1, deadline - day)
            if answer_day < limit:
                method = METHOD_VISIT if rng.random() < 0.5 else "电话"
                contact = (answer_day, method, texts.RESPONSE_NOTES[method], None)
                position = bisect.bisect_right(days, answer_day)
                days.insert(position, answer_day)
                contacts.insert(position, contact)
    return actions
