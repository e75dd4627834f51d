"""The feedback tests' world: Esenler asks every citizen after resolution; Fatma is its feedback operator,
Hasan clears the roads (Fen İşleri, managed by Murat), and the citizens' texts and e-mails go to an outbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

from kentmasa.cases import services
from kentmasa.cases.citizens import STAFF, find_or_create_citizen
from kentmasa.cases.models import Case, Channel
from kentmasa.channels import tasks
from kentmasa.channels.base import Sent
from kentmasa.channels.models import Message
from kentmasa.directory.models import Institution, Unit, User
from kentmasa.feedback.models import FeedbackCall, FeedbackSettings

RESOLVED_AT = dt.datetime.fromisoformat("2026-03-20T11:00+03:00")


class Outbox:
    """A sender for SMS and e-mail that keeps what it was given (the provider's side of the edge)."""

    sent: ClassVar[list[Message]] = []

    def __init__(self, channel: str = "sms"):
        self.channel = channel

    def can_reach(self, message: Message) -> bool:
        return True

    def send(self, message: Message) -> Sent:
        Outbox.sent.append(message)
        return Sent(external_id=f"prov-{message.pk}")


class SmsOutbox(Outbox):
    def __init__(self) -> None:
        super().__init__("sms")


class EmailOutbox(Outbox):
    def __init__(self) -> None:
        super().__init__("email")


def use_outbox(settings: Any) -> None:
    settings.KENTMASA_SENDERS = {"sms": f"{__name__}.SmsOutbox", "email": f"{__name__}.EmailOutbox"}
    settings.KENTMASA_PUBLIC_URL = "https://basvuru.esenler.bel.tr"
    Outbox.sent = []


def deliver_all() -> list[Message]:
    """What the worker does with the queued messages; returns what reached the provider."""
    for message in Message.objects.filter(direction="out", state=Message.State.QUEUED):
        tasks.deliver(message.pk)
    return list(Outbox.sent)


@dataclass
class World:
    institution: Institution
    roads: Unit
    fatma: User  # feedback operator
    hasan: User  # road unit staff
    murat: User  # road unit manager
    settings: FeedbackSettings
    make_case: Any
    counter: int = 0

    def resolved(
        self,
        *,
        name: str = "Ayşe Kaya",
        phone: str = "+905321234567",
        email: str = "",
        channel: str = Channel.PHONE,
        at: dt.datetime = RESOLVED_AT,
        assign: bool = True,
        by: User | None = None,
        **kwargs: Any,
    ) -> Case:
        """A case of the road unit answered by Hasan at ``at``."""
        self.counter += 1
        citizen = find_or_create_citizen(self.institution, name=name, phone=phone, email=email, proven=STAFF)
        case = self.make_case(
            citizen=citizen,
            channel=channel,
            received_at=at - dt.timedelta(days=2),
            location={"district": "Esenler", "neighbourhood": "Menderes"},
            **kwargs,
        )
        if assign:
            case = services.assign(case, actor=self.murat, assignee=self.hasan, now=at - dt.timedelta(days=1))
        return services.resolve(case, actor=by or self.hasan, resolution="Çukur asfaltla kapatıldı.", now=at)

    @staticmethod
    def call_of(case: Case) -> FeedbackCall:
        return FeedbackCall.objects.get(case=case)


def build(institution: Institution, roads: Unit, make_user: Any, make_case: Any) -> World:
    fatma = make_user(User.Role.FEEDBACK_OPERATOR, "fatma")
    fatma.first_name, fatma.last_name = "Fatma", "Çelik"
    fatma.save()
    hasan = make_user(User.Role.UNIT_STAFF, "hasan", units=[roads])
    hasan.first_name, hasan.last_name = "Hasan", "Öz"
    hasan.save()
    murat = make_user(User.Role.UNIT_MANAGER, "murat", units=[roads])
    murat.first_name, murat.last_name = "Murat", "Aksoy"
    murat.save()
    found = FeedbackSettings.objects.create(institution=institution)
    return World(institution, roads, fatma, hasan, murat, found, make_case)
