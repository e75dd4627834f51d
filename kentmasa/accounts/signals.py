"""Sent after commit when a sign-in matter must reach people (kentmasa.notify listens and tells them).

kwargs: user (the account), kind ("sign_in_locked" or "recovery_code_used"), text (to the user), others
(further staff to tell: the institution's administrators for a lock-out), others_text (to them).
"""

from django.dispatch import Signal

account_alert = Signal()
