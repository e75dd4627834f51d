"""Answers go to the contacts given on THIS case, not to what the citizen's record holds today.

Ayşe's record at Esenler holds her phone (proven) and an old e-mail, old@... On the public form she proves
her phone with a code and types a new e-mail: the record finds her by the phone, and the typed e-mail never
joins it (kentmasa.cases.citizens) — but it was given on this case, so this case's answer goes there (the
local SMTP server gets it), never to the old one. A case that gave no e-mail never e-mails the old address;
with no e-mail on the record at all, the typed one still gets the answer she asked for by e-mail. A typed
number beside a proven e-mail gets this case's SMS, within the limits for unproven numbers. Cases opened
before the addresses were kept (the open event names only the kinds) are answered as then.
"""

from __future__ import annotations

import pytest

from kentmasa.cases.citizens import STAFF, find_or_create_citizen
from kentmasa.cases.intake import Inbound, open_from
from kentmasa.cases.models import Case, Channel, Citizen, Event
from kentmasa.channels import replies
from kentmasa.channels.models import AnswerRule, Message
from kentmasa.channels.tests.test_answer_channels import (  # the local Netgsm and SMTP servers
    NATIONAL,
    PHONE,
    answered,
    answers,
    mails_to,
    netgsm,
    smtp,
    texts_to,
)

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["netgsm", "smtp"]

OLD = "ayse.old@example.com"
NEW = "ayse.yeni@example.org"
Reach = AnswerRule.Reach


def record(institution, email: str = OLD) -> Citizen:
    """Her record: the phone and (if any) the e-mail staff recorded on an earlier case, both proven."""
    found = find_or_create_citizen(institution, name="Ayşe Kaya", phone=PHONE, email=email, proven=STAFF)
    assert found is not None
    return found


def public_form(institution, category, *, email: str = NEW, phone: str = PHONE, proven=("phone",), **more):
    """What the public form hands over: her phone proven by the one-time code, the e-mail typed."""
    inbound = Inbound(
        channel=Channel.WEB,
        institution=institution,
        subject="Sokakta çukur var",
        text="Atatürk Caddesi üzerinde büyük bir çukur oluştu.",
        name="Ayşe Kaya",
        phone=phone,
        email=email,
        proven=frozenset(proven),
        category=category,
    )
    for name, value in more.items():
        setattr(inbound, name, value)
    return open_from(inbound)


def test_the_e_mail_typed_on_this_case_gets_the_answer_not_the_records_old_one(
    institution, category, road_staff, netgsm, smtp
):
    AnswerRule.objects.create(institution=institution, reach=Reach.GIVEN)
    her = record(institution)
    case = public_form(institution, category, email="Ayse.Yeni@Example.org")
    assert case.citizen == her
    her.refresh_from_db()
    assert her.email == OLD  # the typed e-mail never joined the record
    assert replies.given_contacts(case) == {"sms": PHONE, "email": NEW}
    answered(case, road_staff)
    assert answers(case) == {("sms", PHONE, "sent"), ("email", NEW, "sent")}
    assert mails_to(smtp, NEW) and mails_to(smtp, OLD) == []
    assert any("asfaltla kapatıldı" in text for text in texts_to(netgsm, NATIONAL))


def test_a_case_that_gave_no_e_mail_never_e_mails_the_records_one(
    institution, category, road_staff, netgsm, smtp
):
    AnswerRule.objects.create(institution=institution, reach=Reach.REQUIRED)
    record(institution)
    case = public_form(institution, category, email="")
    answered(case, road_staff)
    assert answers(case) == {("sms", PHONE, "sent")}
    assert mails_to(smtp, OLD) == []
    # Her next case by SMS gave only the phone: the e-mail typed on the first case reaches it neither.
    public_form(institution, category)
    by_sms = public_form(institution, category, email="", channel=Channel.SMS)
    answered(by_sms, road_staff)
    assert answers(by_sms) == {("sms", PHONE, "sent")}
    assert not Message.objects.filter(case=by_sms, address=NEW).exists()


def test_with_no_e_mail_on_the_record_the_typed_one_gets_the_answer_she_asked_for(
    institution, category, road_staff, netgsm, smtp
):
    her = record(institution, email="")
    case = public_form(institution, category, opening={"answer_by": ["email"]})
    her.refresh_from_db()
    assert case.citizen == her and her.email == ""
    answered(case, road_staff)
    assert answers(case) == {("email", NEW, "sent")}
    assert mails_to(smtp, NEW) and texts_to(netgsm, NATIONAL) == []


def test_a_typed_number_beside_a_proven_e_mail_is_texted_within_the_unproven_limits(
    institution, category, road_staff, netgsm, smtp, settings
):
    AnswerRule.objects.create(institution=institution, reach=Reach.GIVEN)
    her = record(institution)
    typed = "+905559998877"
    case = public_form(institution, category, email=OLD, phone=typed, proven=("email",))
    her.refresh_from_db()
    assert case.citizen == her and her.phone == PHONE  # the typed number never joined the record
    answered(case, road_staff)
    assert answers(case) == {("sms", typed, "sent"), ("email", OLD, "sent")}
    assert texts_to(netgsm, NATIONAL) == []  # her record's number was not given on this case
    # A number nobody proved counts against the SMS limits, though the record's own number is proven.
    settings.KENTMASA_UNPROVEN_SMS_LIMITS = {"per_number_day": 0, "per_day": 2000}
    other = public_form(institution, category, email=OLD, phone=typed, proven=("email",))
    answered(other, road_staff)
    assert answers(other) == {("email", OLD, "sent")}
    assert Event.objects.filter(case=other, data__reply_failed=True).exists()


def test_a_case_opened_before_the_addresses_were_kept_is_answered_as_then(
    institution, category, road_staff, netgsm, smtp
):
    AnswerRule.objects.create(institution=institution, reach=Reach.GIVEN)
    record(institution)
    case = public_form(institution, category)
    opened = Event.objects.get(case=case, action="open")
    opened.data = {**opened.data, "contacts": ["email", "phone"]}
    opened.save(update_fields=["data"])
    assert replies.given_contacts(Case.objects.get(pk=case.pk)) == {"sms": PHONE, "email": OLD}
    answered(case, road_staff)
    assert answers(case) == {("sms", PHONE, "sent"), ("email", OLD, "sent")}
