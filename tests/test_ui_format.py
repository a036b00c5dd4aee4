"""Numbers on cards: exact up to 99,999, then in 万 as offices write them, so a province-wide figure
fits its card instead of being cut off."""

from dashboard.ui import fmt_count


def test_fmt_count():
    assert [fmt_count(v) for v in (None, 0, 7, 99_999)] == ["—", "0", "7", "99,999"]
    assert [fmt_count(v) for v in (100_000, 388_291, 999_949, 3_246_468, 21_683_940.0)] == [
        "10万", "38.8万", "100万", "325万", "2,168万"
    ]
    assert (fmt_count(27_398, 10_000), fmt_count(9_999, 10_000)) == ("2.7万", "9,999")  # two figures on a card
