"""Identity numbers and phone numbers that pass the checks real records must pass: 18-character
GB 11643 citizen ID numbers (region, birth date, sequence with the sex digit, check digit) and
11-digit mainland mobile numbers."""

from __future__ import annotations

import datetime as dt
import random

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"

# Prefixes of the three carriers' mobile ranges (13x–19x).
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "157", "158", "159", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189", "191", "199",
)


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_number(region: str, birth: dt.date, sex: str, sequence: int) -> str:
    """`sequence` 0..499 picks the order code; its last digit is odd for men and even for women."""
    order = sequence * 2 + (1 if sex == "男" else 0)
    first17 = f"{region}{birth:%Y%m%d}{order:03d}"
    return first17 + check_digit(first17)


def is_valid_id(number: str) -> bool:
    return len(number) == 18 and number[:17].isdigit() and check_digit(number[:17]) == number[17]


def sex_of_id(number: str) -> str:
    return "男" if int(number[16]) % 2 else "女"


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
