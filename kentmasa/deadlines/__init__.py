"""Deadlines: reading service-standard completion times and computing due dates on the Turkish calendar.

Pure Python: no Django import anywhere in this package.
"""

from kentmasa.deadlines.calendar import BusinessCalendar, Remaining, merge_pauses
from kentmasa.deadlines.standards import (
    CompletionTime,
    CompletionTimeError,
    Duration,
    TimeUnit,
    governs_forwarding,
    parse_completion_time,
    parse_duration,
)

__all__ = [
    "BusinessCalendar",
    "CompletionTime",
    "CompletionTimeError",
    "Duration",
    "Remaining",
    "TimeUnit",
    "governs_forwarding",
    "merge_pauses",
    "parse_completion_time",
    "parse_duration",
]
