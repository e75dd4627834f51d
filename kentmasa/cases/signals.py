"""Sent after the transaction that appended a timeline event has committed.

Channels (replies to the citizen) and notifications listen to it; the sender never waits for them.
"""

from django.dispatch import Signal

# kwargs: case (Case), event (Event)
case_event = Signal()

# Sent (synchronously, inside the request) when a citizen asks for a one-time code to prove a phone number
# (kentmasa.cases.phone_codes). kwargs: institution, phone (E.164), text, code. A receiver that sent the SMS
# returns True; one that could not returns False. With no receiver that sent it, the citizen is told.
phone_code_requested = Signal()
