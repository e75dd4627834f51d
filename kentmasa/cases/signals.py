"""Sent after the transaction that appended a timeline event has committed.

Channels (replies to the citizen) and notifications listen to it; the sender never waits for them.
"""

from django.dispatch import Signal

# kwargs: case (Case), event (Event)
case_event = Signal()
