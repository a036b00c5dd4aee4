"""Persons by alias and age, and the redaction of names, ID numbers and phones from record texts."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from data_access import masking
from data_access.models import (
    Person,
)
from data_access.policy import Policy
from data_access.vocabulary import (
    PERSON_ACTIVE,
)


@dataclass(frozen=True)
class PersonView:
    alias: str
    sex: str
    age: int
    group: str
    is_minor: bool

    @property
    def label(self) -> str:
        return f"{self.alias}（{self.age}岁，{self.group}）"


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _alias(name: str, sex: str, is_minor: bool) -> str:
    return masking.child_alias(name, sex if is_minor else None)


@dataclass
class HouseholdPersons:
    """The persons of one household as the case shows them, and the redactor for its texts."""

    persons: list[PersonView] = field(default_factory=list)
    replacements: list[tuple[str, str]] = field(default_factory=list)

    @property
    def involves_minor(self) -> bool:
        return any(p.is_minor for p in self.persons)

    @property
    def who(self) -> str:
        if not self.persons:
            return "—"
        first = self.persons[0]
        more = f"等{len(self.persons)}人" if len(self.persons) > 1 else ""
        return f"{first.alias}（{first.age}岁）{more}"

    def redact(self, text: str | None) -> str:
        return redact(text, self.replacements)


ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


MOBILE_PATTERN = re.compile(r"(?<!\d)1\d{2}[- ]?\d{4}[- ]?\d{4}(?!\d)")


LANDLINE_PATTERN = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")


def redact(text: str | None, replacements: list[tuple[str, str]]) -> str:
    """`text` with each (real name → alias) replaced, longest first, and any ID or phone number masked."""
    if not text:
        return ""
    for real, alias in sorted(replacements, key=lambda pair: -len(pair[0])):
        text = text.replace(real, alias)
    text = ID_PATTERN.sub(lambda m: masking.mask_id_number(m.group()), text)
    text = MOBILE_PATTERN.sub(lambda m: masking.mask_phone(m.group()), text)
    return LANDLINE_PATTERN.sub(lambda m: masking.mask_phone(m.group()), text)


def household_persons(
    session: Session, household_ids: list[int], day: dt.date, policy: Policy, aliases: Mapping[int, str | None]
) -> dict[int, HouseholdPersons]:
    """Persons per household (primary person first) as PersonView; `aliases` maps a household to its
    case alias, which replaces the primary person's generated alias."""
    result = {hid: HouseholdPersons() for hid in household_ids}
    if not household_ids:
        return result
    rows = session.execute(
        select(Person.household_id, Person.name, Person.sex, Person.birth_date, Person.group, Person.guardian)
        .where(Person.household_id.in_(household_ids))
        .order_by(Person.household_id, case((Person.status == PERSON_ACTIVE, 0), else_=1), Person.id)
    ).all()
    for hid, name, sex, birth, group, guardian in rows:
        house = result[hid]
        age = age_on(birth, day)
        minor = age < policy.adult_age
        alias = (aliases.get(hid) if not house.persons else None) or _alias(name, sex, minor)
        house.persons.append(PersonView(alias, sex, age, group, minor))
        house.replacements.append((name, alias))
        if minor and len(name) >= 3:  # a child is called by the given name alone (an adult's, such as
            # 建国 or 国庆, is too often an ordinary word to replace)
            house.replacements.append((name[1:], alias))
        if guardian:
            house.replacements.append((guardian, masking.child_alias(guardian)))
    return result
