"""Time-of-day profile: how much slower the urban part of a trip is at a given hour.

Business days (Monday to Friday) have a morning peak 07:00-09:00 and an afternoon peak
15:00-18:00 at ``PEAK_FACTOR``, with one-hour shoulders either side at ``SHOULDER_FACTOR``;
nights and weekends are free flow (factor 1). The factor multiplies only the urban part of a trip
(access legs to towns of ``RoadSpeeds.urban_min_population``+, town delays and city arterials);
motorways, expressways and national roads between towns keep their speeds.

The solver knows no calendar and no time zone: it takes the local hour of the week, and a public
holiday is passed as the same hour on a Sunday (``dispatch.travel`` does both with the Polish
calendar).
"""

from __future__ import annotations

PEAK_FACTOR = 1.5
SHOULDER_FACTOR = 1.25
HOURS_PER_WEEK = 168.0
# (start hour, end hour, factor) on a business day; hours not listed are free flow.
_BUSINESS_DAY = (
    (6.0, 7.0, SHOULDER_FACTOR),
    (7.0, 9.0, PEAK_FACTOR),
    (9.0, 10.0, SHOULDER_FACTOR),
    (14.0, 15.0, SHOULDER_FACTOR),
    (15.0, 18.0, PEAK_FACTOR),
    (18.0, 19.0, SHOULDER_FACTOR),
)


def rush_factor(hour_of_week: float) -> float:
    """Slow-down of urban travel at ``hour_of_week`` (0 = Monday 00:00 local time).

    Raises
    ------
    ValueError
        ``hour_of_week`` outside [0, 168).
    """
    if not 0.0 <= hour_of_week < HOURS_PER_WEEK:
        raise ValueError(f"depart_hour_of_week must be within [0, 168), got {hour_of_week}")
    day, hour = divmod(hour_of_week, 24.0)
    if day >= 5:
        return 1.0
    for start, end, factor in _BUSINESS_DAY:
        if start <= hour < end:
            return factor
    return 1.0
