"""Tier names: the five named tiers, custom tiers and refusals."""

import pytest

from dispatch.errors import InvalidInput
from dispatch.tiers import NAMED_TIERS, Priority, TargetKind, Tier


@pytest.mark.parametrize("name", NAMED_TIERS)
def test_named_tiers_round_trip(name: str) -> None:
    """Each built-in tier parses and prints back under its own name."""
    assert str(Tier.parse(name)) == name


@pytest.mark.parametrize(
    ("name", "kind", "hours", "canonical"),
    [
        ("8x5x4", TargetKind.SERVICE_HOURS, 4, "8x5x4"),
        ("24x7x24", TargetKind.ELAPSED_HOURS, 24, "24x7x24"),
        ("7-19x6x8", TargetKind.SERVICE_HOURS, 8, "7-19x6x8"),
        ("07:30-18:00x5x6", TargetKind.SERVICE_HOURS, 6, "7:30-18x5x6"),
        ("24x5x8", TargetKind.SERVICE_HOURS, 8, "24x5x8"),
        ("8x5xnbd", TargetKind.NEXT_BUSINESS_DAY, None, "8x5xNBD"),
    ],
)
def test_custom_tiers_are_accepted(
    name: str, kind: TargetKind, hours: float | None, canonical: str
) -> None:
    """Any intake window with any target parses to the right kind of target."""
    tier = Tier.parse(name)
    assert (tier.kind, tier.target_hours, str(tier)) == (kind, hours, canonical)


@pytest.mark.parametrize(
    "name",
    [
        "8x5xNBX",  # unknown target
        "9x5x4",  # 9-hour window without explicit hours
        "19-7x5x4",  # window closes before it opens
        "8x8x4",  # eight days a week
        "8x5x0",  # zero target
        "gold",  # a marketing name, not a tier
        "",  # empty
    ],
)
def test_unknown_tiers_are_refused(name: str) -> None:
    """Unknown tiers raise InvalidInput naming the field."""
    with pytest.raises(InvalidInput) as info:
        Tier.parse(name, field="tier")
    assert info.value.field == "tier"


def test_priority_orders_4h_over_8h_over_nbd() -> None:
    """Missed 4 h deadlines weigh most, NBD least."""
    four, eight, nbd = (Tier.parse(t).priority for t in ("24x7x4", "8x5x8", "8x5xNBD"))
    assert four > eight > nbd
    assert nbd is Priority.NBD
