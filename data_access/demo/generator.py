"""Generates the demo, one county at a time, as plain row tuples (no ORM objects), in the column
order of `COLUMNS`. Deterministic: every county draws from its own `random.Random` seeded with the
run's seed and the county code, and nothing reads the clock.

Besides ordinary records, each county carries every situation the pages must show, in counts that
stay non-zero at small sizes: silent and late cadres, ended pairings with and without successors,
exited persons (some still paired), verification flags and real duplicate ID numbers, households
without a pairing, overloaded cadres, orphans paired with ordinary cadres, overdue and escalated
needs, unanswered reminders, unhappy survey answers and typical cases in every status.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from data_access.demo import cases, habits, ledger, people, regions
from data_access.demo.households import HouseholdMaker
from data_access.demo.lifecycle import Lifecycle
from data_access.demo.people import Cadre, Household, Member
from data_access.demo.plan import CountyPlan, DemoConfig, plan_counties
from data_access.demo.rows import COLUMNS, Ids, Rows
from data_access.demo.timeline import PROFILES, Clock, pairing_contacts, supervise
from data_access.notes import key as note_key
from data_access.policy import Policy
from data_access.vocabulary import (
    CADRE_CAME_NO,
    CADRE_CAME_UNSURE,
    CADRE_CAME_YES,
    ENTRY_FROM_SHEET,
    METHOD_VISIT,
    PERSON_ACTIVE,
    PERSON_EXITED,
    POLICY_DELIVERED,
    POLICY_NOT_APPLICABLE,
    POLICY_UNDELIVERED,
    ROLE_FAMILY,
    ROLE_PARENT,
)

# Who made a 满意度回访 (回访人), picked by the check's id.
_VISITORS = ("县督查组", "乡镇民政办", "12345热线", "县民政局")


def _spread(key: int) -> int:
    """A fixed pseudo-random number 0..99 from an id (no draw from the county's generator, so the
    rest of the demo stays what it was)."""
    return (key * 2654435761 >> 7) % 100


def generate(config: DemoConfig, policy: Policy) -> Iterator[Rows]:
    """The demo rows: first the province and its cities, then one batch per county."""
    clock = Clock(config.as_of, policy)
    plans = plan_counties(config)
    cities = sorted({regions.city_of(plan.code) for plan in plans})
    province_code, province_name = regions.PROVINCE
    region_rows = [(province_code, province_name, "province", None)]
    region_rows += [(code, name, "city", province_code) for code, name in regions.CITIES if code in cities]
    yield {"regions": region_rows}
    ids = Ids()
    used_ids: set[str] = set()
    for plan in plans:
        yield CountyGenerator(config, clock, ids, used_ids, plan).run()


class CountyGenerator:
    def __init__(self, config: DemoConfig, clock: Clock, ids: Ids, used_ids: set[str], plan: CountyPlan):
        self.rng = random.Random(f"{config.seed}:{plan.code}")
        self.clock = clock
        self.ids = ids
        self.plan = plan
        self.rows: Rows = {table: [] for table in COLUMNS}
        city = regions.city_of(plan.code)
        neighbours = [code for code, _ in regions.COUNTIES if regions.city_of(code) == city and code != plan.code]
        self.factory = people.PersonFactory(self.rng, clock, plan.code, neighbours, used_ids)

    def run(self) -> Rows:
        rng, clock, plan = self.rng, self.clock, self.plan
        townships = regions.townships_for(plan.code, rng)
        self._regions(townships)
        units = people.make_units(plan.code, plan.name, townships, self.ids.peek("units"))
        self.ids.take("units", len(units))
        self.rows["units"] = [(u.id, u.name, u.region_code) for u in units]
        cadres = people.make_cadres(rng, clock, plan.code, units, plan.households, self.ids.take("cadres", plan.households))
        self.rows["cadres"] = [(c.id, c.code, c.name, c.unit.id, c.rank, int(c.is_leader), c.phone) for c in cadres]
        houses = HouseholdMaker(rng, clock, self.ids, plan, self.factory).make(townships)
        lifecycle = Lifecycle(rng, clock, plan)
        lifecycle.stories(houses)
        spares = lifecycle.assign(houses, cadres)
        lifecycle.transfers(houses)
        successors = lifecycle.successors(houses, cadres, spares)
        chains = self._pairings(houses, successors)
        self._activity(houses, chains)
        self._persons(houses)
        return self.rows

    def _regions(self, townships: list[regions.Township]) -> None:
        code, name = self.plan.code, self.plan.name
        rows = self.rows["regions"]
        rows.append((code, name, "county", regions.city_of(code)))
        for township in townships:
            rows.append((township.code, township.name, "township", code))
            rows.extend((village_code, village, "village", township.code) for village_code, village in township.villages)

    def _pairings(self, houses: list[Household], successors: dict[int, Cadre]) -> dict[int, list]:
        """Pairing rows; returns each household's chain [(pairing_id, cadre, start, end)], end exclusive."""
        clock = self.clock
        chains: dict[int, list] = {}
        rows = self.rows["pairings"]
        end_of_time = clock.last + 1
        for house in houses:
            if house.cadre is None:
                continue
            role = ROLE_PARENT if house.kind == "child" else ROLE_FAMILY
            chain = []
            for cadre, start, end, reason in Lifecycle.periods(house, successors):
                pairing_id = self.ids.take("pairings")
                rows.append(
                    (
                        pairing_id, house.id, cadre.id, role, clock.iso(start),
                        clock.iso(end) if end is not None else None, reason if end is not None else None,
                    )
                )
                chain.append((pairing_id, cadre, start, end if end is not None else end_of_time))
            chains[house.id] = chain
        return chains

    # --- contacts, supervision, needs, surveys, cases --------------------------------------

    def _activity(self, houses: list[Household], chains: dict[int, list]) -> None:
        rng, clock = self.rng, self.clock
        contact_rows = self.rows["contacts"]
        action_rows = self.rows["supervision_actions"]
        subjects: list[cases.CaseSubject] = []
        iso = clock.iso
        for house in houses:
            paired: dict[int, tuple[Cadre, list[int]]] = {}
            chain = chains.get(house.id, [])
            for pairing_id, cadre, start, end in chain:
                profile = PROFILES[cadre.profile]
                contacts = pairing_contacts(rng, clock, profile, house.kind, start, end, cadre.stop)
                if cadre.profile in ("late", "silent"):
                    for kind, issued, deadline, reason in supervise(rng, clock, profile, contacts, start, end, cadre.stop):
                        batch_no = f"{self.plan.code}-{iso(issued)[:7].replace('-', '')}"
                        action_rows.append(
                            (
                                self.ids.take("supervision_actions"), cadre.id, pairing_id, kind, iso(issued),
                                iso(deadline), reason, batch_no, clock.stamp(issued),
                            )
                        )
                kept = habits.habit(cadre.id)
                if kept == habits.CALLS_ONLY:  # every visit made a phone call instead
                    contacts = [(day, "电话", "电话问候，了解近况", None) if method == METHOD_VISIT else
                                (day, method, note, gift) for day, method, note, gift in contacts]
                first_id = self.ids.take("contacts", len(contacts))
                surname = house.members[0].surname
                for i, (day, method, note, gift) in enumerate(contacts):
                    text = habits.copied(cadre.id) if kept == habits.COPY else habits.personal(note, first_id + i, surname)
                    contact_rows.append(
                        (first_id + i, pairing_id, iso(day), method, text, gift,
                         self._entered(first_id + i, day, cadre.id, kept == habits.BACKFILL), ENTRY_FROM_SHEET,
                         note_key(text))
                    )
                paired[pairing_id] = (cadre, [c[0] for c in contacts if c[1] == METHOD_VISIT])
                if cadre.profile == "diligent" and end > clock.last and len(subjects) < 300:
                    visits = sum(1 for contact in contacts if contact[1] == METHOD_VISIT)
                    if visits >= 3 and len(contacts) >= 8:
                        subjects.append(self._subject(house, cadre, pairing_id, start, visits, len(contacts) - visits))
            self._needs(house, [(pid, start, end) for pid, _, start, end in chain])
            for day, pairing_id, level, note in ledger.surveys(
                rng, clock, [(pid, start, end, cadre.profile) for pid, cadre, start, end in chain]
            ):
                survey_id = self.ids.take("satisfaction")
                cadre, visits = paired[pairing_id]
                self.rows["satisfaction"].append(
                    (survey_id, f"HF{self.plan.code}{survey_id:07d}", house.id, pairing_id, cadre.id, iso(day),
                     "实地" if _spread(survey_id) < 30 else "电话", _VISITORS[survey_id % len(_VISITORS)], level,
                     self._came(survey_id, cadre, visits, day), note, clock.stamp(day, 16), ENTRY_FROM_SHEET)
                )
        for row in cases.typical_cases(rng, clock, subjects):
            self.rows["typical_cases"].append((self.ids.take("typical_cases"), *row))

    def _entered(self, contact_id: int, day: int, cadre_id: int, backfills: bool) -> str:
        """The source system's entry time of a contact: mostly the same day, some a few days later,
        one in a hundred a week or two later; a back-filler's in one sitting before the half-year
        ends (habits.py). Never after the as-of day."""
        if backfills:
            return self.clock.stamp(habits.backfill_day(day, cadre_id, self.clock.last), 8 + cadre_id % 9)
        spread = _spread(contact_id)
        delay = 0 if spread < 72 else (1 + spread % 3 if spread < 97 else (4 + spread % 4 if spread < 99 else 8 + contact_id % 10))
        return self.clock.stamp(min(day + delay, self.clock.last), 8 + contact_id % 11)

    def _came(self, survey_id: int, cadre: Cadre, visits: list[int], day: int) -> str:
        """The family's account of whether the cadre came home in the 90 days before the check:
        true to the records, except some late or silent cadres' families deny a recorded visit."""
        visited = any(day - 90 <= visit <= day for visit in visits)
        spread = _spread(survey_id + 1)
        if spread < 6:
            return CADRE_CAME_UNSURE
        if visited and cadre.profile in ("late", "silent") and spread < 40:
            return CADRE_CAME_NO
        return CADRE_CAME_YES if visited else CADRE_CAME_NO

    def _subject(self, house: Household, cadre: Cadre, pairing_id: int, start: int, visits: int, calls: int):
        person = house.members[0]
        return cases.CaseSubject(
            pairing_id=pairing_id, kind=house.kind, cadre=cadre.name, cadre_sex=cadre.sex, unit=cadre.unit.name,
            place=house.place, person=person.name, surname=person.surname, sex=person.sex,
            birth=person.birth, group=person.group, guardian=person.guardian, start=start, visits=visits, calls=calls,
        )

    def _needs(self, house: Household, chain: list[tuple[int, int, int]]) -> None:
        clock = self.clock
        for plan in ledger.household_needs(self.rng, clock, house.kind, chain):
            need_id = self.ids.take("needs")
            self.rows["needs"].append(
                (
                    need_id, f"SQ{self.plan.code}{need_id:07d}", house.id, plan.pairing_id, clock.iso(plan.raised),
                    plan.category, plan.content, plan.level, clock.iso(plan.due), plan.status,
                    clock.iso(plan.closed) if plan.closed else None, plan.closure_note, 1,
                )
            )
            self.rows["need_events"].extend(
                (self.ids.take("need_events"), need_id, clock.iso(day), kind, level, note, clock.stamp(day, 10))
                for day, kind, level, note in plan.events
            )

    def _persons(self, houses: list[Household]) -> None:
        rng, clock = self.rng, self.clock
        person_rows = self.rows["persons"]
        delivery_rows = self.rows["policy_deliveries"]
        household_rows = self.rows["households"]
        for house in houses:
            household_rows.append((house.id, house.code, house.village_code))
            for member in house.members:
                person_rows.append(self._person_row(house, member))
                for policy, delivered, day, note in ledger.policy_deliveries(
                        rng, clock, member.group, house.entered, member.birth):
                    spread = _spread(member.id * 7 + len(policy))
                    if delivered is None:  # 不适用 for a reason of the person's own (too young)
                        delivery_rows.append((self.ids.take("policy_deliveries"), member.id, policy,
                                              POLICY_NOT_APPLICABLE, 0, None, note))
                        continue
                    if not delivered and spread < 25:
                        continue  # 未报送: the office has not reported this policy
                    status = POLICY_DELIVERED if delivered else (
                        POLICY_NOT_APPLICABLE if spread < 45 else POLICY_UNDELIVERED)
                    delivery_rows.append(
                        (self.ids.take("policy_deliveries"), member.id, policy, status, int(delivered),
                         clock.iso(day) if day is not None else None,
                         "已享受同类政策" if status == POLICY_NOT_APPLICABLE else note)
                    )

    def _person_row(self, house: Household, member: Member) -> tuple:
        exited = member.exit_day is not None
        return (
            member.id, member.id_number, member.name, member.sex, member.birth.isoformat(), member.group, house.id,
            house.village_code, member.phone, member.guardian, PERSON_EXITED if exited else PERSON_ACTIVE,
            self.clock.iso(member.exit_day) if exited else None, member.exit_reason if exited else None, member.flag,
        )
