"""Feedback in the demo (Adana's "geri bildirim"): Adana calls every citizen after resolution.

Set up by the loader before the cases are played, so every resolution the player makes puts its case on
the call list of `geribildirim` (Elif Güneş) through kentmasa.feedback, in the resolve's transaction. The
player's feedback steps then record real calls: most cases closed after a call that reached a satisfied
citizen (with a score), a few wrong numbers, and the "reopened" story's citizen not satisfied (the case
back with its unit, the unit told). The cases the stories leave resolved are the calls still waiting.
History is replayed quietly: no rating link is sent by SMS or e-mail for it (kentmasa.feedback.services.
quiet). A second load adds nothing (the loader builds the demo once).
"""

from __future__ import annotations

import datetime as dt
import random

from kentmasa.cases import services
from kentmasa.cases.models import Case
from kentmasa.demo.tables import ADANA_SLUG
from kentmasa.directory.models import Institution, User
from kentmasa.feedback import services as feedback
from kentmasa.feedback.models import FeedbackCall, FeedbackSettings, Mode

REASONS = (
    "Vatandaş çukurun yeniden açıldığını, asfaltın çöktüğünü söylüyor.",
    "Vatandaş ekibin gelmediğini, sorunun aynen devam ettiğini bildirdi.",
    "Vatandaş yapılan işin yarım kaldığını söylüyor; kaldırım taşları yerinde değil.",
)
SCORES = (5, 5, 5, 4, 4, 3)
WRONG_NUMBER_SHARE = 0.08


def set_up() -> FeedbackSettings:
    """Adana calls everyone; three attempts four hours apart; those without a phone get a link by e-mail."""
    adana = Institution.objects.get(slug=ADANA_SLUG)
    found, _created = FeedbackSettings.objects.get_or_create(
        institution=adana, defaults={"mode": Mode.ALL, "max_attempts": 3, "retry_hours": 4}
    )
    return found


def _waiting_call(case: Case) -> FeedbackCall | None:
    return FeedbackCall.objects.filter(case=case, state=FeedbackCall.State.WAITING, method="call").first()


def after_call(case: Case, operator: User, note: str, rng: random.Random, now: dt.datetime) -> Case:
    """The feedback operator's call on a resolved case: recorded through kentmasa.feedback when the case is
    on her list (satisfied with a score, now and then a wrong number); else closed as before, with the
    note."""
    call = _waiting_call(case)
    if call is None:
        return services.close(case, actor=operator, note=note, now=now)
    if rng.random() < WRONG_NUMBER_SHARE:
        return feedback.record_call(call, actor=operator, outcome="wrong_number", now=now).case
    score = rng.choice(SCORES)
    return feedback.record_call(
        call, actor=operator, outcome="satisfied", score=score, reason=note, now=now
    ).case


def not_satisfied(case: Case, operator: User, note: str, rng: random.Random, now: dt.datetime) -> Case:
    """The citizen says on the call that it is not solved: the case goes back to its unit, which is told."""
    call = _waiting_call(case)
    if call is None:
        if case.status == "resolved":
            return services.reopen(case, actor=operator, note=note, now=now)
        return case
    reason = rng.choice(REASONS)
    return feedback.record_call(
        call, actor=operator, outcome="not_satisfied", score=rng.choice((1, 2)), reason=reason, now=now
    ).case
