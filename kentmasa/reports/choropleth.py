"""How the mahalle map is coloured: the classes its values fall into (natural breaks), the colour of each
class, the legend naming them, and the values written as the map's labels show them.

Pure arithmetic and formatting over the values `neighbourhoods.measure_value` gives: no database access.
"""

import bisect
from collections.abc import Sequence
from typing import Any

import numpy
from django.utils import formats
from django.utils.translation import gettext as _

CLASSES = 5
MAX_RUNS = 2000  # natural breaks cost CLASSES × MAX_RUNS² / 2 steps at most
# Light to dark; the class of a mahalle without a value is drawn in NO_DATA_COLOUR.
COLOURS = ("#e8f0f7", "#bcd3e6", "#85afd3", "#4f86b8", "#245a8c")
NO_DATA_COLOUR = "#d9d9d9"


def class_breaks(values: Sequence[float], classes: int = CLASSES) -> list[float]:
    """Upper bounds of every class but the last: Jenks' natural breaks, found exactly (Fisher's method).

    The sorted values are cut into ``classes`` runs so that the values within each run differ least (the
    smallest total of squared deviations from the runs' means). Quantiles fail on what a map usually holds:
    when most mahalles share one value (no case yet), every quantile falls on it and a mahalle with 1 case
    is drawn like one with 17. Natural breaks keep the crowd of equal values in one class and spread the
    others. Zero ("no case", "none overdue") is a class of its own whenever the data has it, however few
    mahalles are in it. A break is always a value of the data, so equal values never straddle one; with
    no more distinct values than classes each value is its own class.
    """
    if not values:
        return []
    distinct, weights = numpy.unique(numpy.asarray(values, dtype=float), return_counts=True)
    if len(distinct) <= classes:
        return [float(value) for value in distinct[:-1]]
    if distinct[0] == 0 and classes > 2:
        return [0.0, *class_breaks([value for value in values if value != 0], classes - 1)]
    # Breaks may fall after any of at most MAX_RUNS runs of neighbouring distinct values (all of them for
    # any realistic number of mahalles); a run's sums are exact, so the costs below stay exact too.
    runs = numpy.array_split(numpy.arange(len(distinct)), min(len(distinct), MAX_RUNS))
    ends = numpy.array([run[-1] for run in runs])
    heads = [run[0] for run in runs]

    def running(numbers: numpy.ndarray) -> numpy.ndarray:
        return numpy.concatenate(([0.0], numpy.cumsum(numpy.add.reduceat(numbers, heads))))

    centred = distinct - distinct.mean()  # the deviations do not change; the sums stay small
    count = running(weights.astype(float))
    total = running(weights * centred)
    squares = running(weights * centred * centred)
    size = len(runs)

    def cost(first: numpy.ndarray, last: int) -> numpy.ndarray:
        """Squared deviations of the runs first…last (inclusive) from their mean, for each first."""
        n = count[last + 1] - count[first]
        s = total[last + 1] - total[first]
        deviations: numpy.ndarray = (squares[last + 1] - squares[first]) - s * s / n
        return deviations

    best = squares[1:] - total[1:] * total[1:] / count[1:]  # runs 0…last as one class
    starts = []  # starts[j][last]: where the last class begins in the best cut of runs 0…last in j+2 classes
    for j in range(1, classes):
        current = numpy.full(size, numpy.inf)
        start = numpy.zeros(size, dtype=int)
        for last in range(j, size):
            first = numpy.arange(j, last + 1)
            candidates = best[first - 1] + cost(first, last)
            pick = int(numpy.argmin(candidates))
            current[last], start[last] = candidates[pick], first[pick]
        best = current
        starts.append(start)
    breaks = []
    last = size - 1
    for chosen in reversed(starts):
        head = int(chosen[last])
        breaks.append(float(distinct[ends[head - 1]]))
        last = head - 1
    return sorted(breaks)


def class_of(value: float | None, breaks: list[float]) -> int | None:
    return None if value is None else bisect.bisect_left(breaks, value)


def format_value(measure: str, value: float | None) -> str:
    if value is None:
        return _("no data")
    if measure == "count":
        return formats.number_format(int(value), force_grouping=True)
    if measure == "per_1000":
        return formats.number_format(value, 1, force_grouping=True)
    if measure == "overdue_share":
        return _("%(value)s%%") % {"value": formats.number_format(value, 1)}
    return describe_days(value)


def describe_days(days: float | None) -> str:
    if days is None:
        return "—"
    if days < 1:
        return _("%(hours)s h") % {"hours": formats.number_format(days * 24, 1)}
    return _("%(days)s days") % {"days": formats.number_format(days, 1)}


def legend(measure: str, breaks: list[float], values: Sequence[float]) -> list[dict[str, Any]]:
    """One entry per class, named by the smallest and largest value the map has in it ("1–3", "4–9"),
    then the entry of the mahalles without a value."""
    members: list[list[float]] = [[] for _ in range(len(breaks) + 1)]
    for value in values:
        members[bisect.bisect_left(breaks, value)].append(value)  # class_of a value
    classes = len(members)
    entries = []
    for index, inside in enumerate(members):
        if not inside:
            continue
        low, high = format_value(measure, min(inside)), format_value(measure, max(inside))
        if low == high:
            label = low
        elif measure == "median_days":  # "5,0 sa – 2,0 gün": units on both sides, spaced
            label = _("%(low)s – %(high)s") % {"low": low, "high": high}
        else:
            label = f"{low}–{high}"
        entries.append({"class": index, "label": label, "colour": colour_of(index, classes)})
    entries.append({"class": None, "label": _("no data"), "colour": NO_DATA_COLOUR})
    return entries


def colour_of(index: int | None, classes: int) -> str:
    """Spread the palette over the classes there are (fewer when many mahalles share a value)."""
    if index is None:
        return NO_DATA_COLOUR
    if classes <= 1:
        return COLOURS[len(COLOURS) // 2]
    return COLOURS[round(index * (len(COLOURS) - 1) / (classes - 1))]
