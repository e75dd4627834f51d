"""Anonymisation reaches every place that holds the person, keeps the statistics, and is idempotent."""

from __future__ import annotations

import datetime as dt
import io
import re
from email.message import EmailMessage

import pytest
from django.apps import apps
from django.db import models
from django.db.models import Count
from PIL import Image

from kentmasa.cases import services
from kentmasa.cases.attachments import add_attachment
from kentmasa.cases.intake import Inbound
from kentmasa.cases.models import Attachment, Case, Channel, Citizen, Event
from kentmasa.channels.email.intake import receive_email
from kentmasa.channels.intake import receive
from kentmasa.channels.models import Message
from kentmasa.feedback.models import FeedbackCall
from kentmasa.notify.models import Notification
from kentmasa.privacy import anonymise
from kentmasa.privacy.anonymise import HANDLED, anonymise_case, anonymise_citizen, is_anonymised

NAME = "Zeynep Karakoçlu"
PHONE = "+905327654321"
TC = "17291716060"
EMAIL = "zeynep.karakoclu@example.com"
# Every way the person could still be found: name words (also without Turkish letters), the number in its
# written forms, the TC kimlik no, the e-mail address and its local part.
TRACES = ["zeynep", "karako", "5327654321", "532 765 43 21", "7654321", TC, "zeynep.karakoclu", "example.com"]


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _mail(subject: str, body: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"{NAME} <{EMAIL}>"
    mail["To"] = "alo153@esenler.bel.tr"
    mail["Subject"] = subject
    mail["Message-ID"] = "<abc123@example.com>"
    mail.set_content(body)
    return bytes(mail)


@pytest.fixture
def person_cases(institution, category, operator, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    sms = receive(
        Inbound(
            channel=Channel.SMS,
            institution=institution,
            external_id="netgsm-777",
            address=PHONE,
            phone=PHONE,
            name=NAME,
            tc_kimlik=TC,
            proven=frozenset({"phone"}),
            text=f"Ben {NAME}, TC {TC}. Sokağımızda çukur var, beni 0532 765 43 21 numaradan arayın.",
            category=category,
            location={"neighbourhood": "Menderes", "street": "Karakoçlu Sokak", "building_no": "12"},
            latitude=41.037412,
            longitude=28.891233,
            data={"to": "4440153", "payload": {"msg": "raw webhook", "gsmno": "905327654321"}},
        )
    ).case
    assert sms is not None
    sms.refresh_from_db()
    citizen = sms.citizen
    Citizen.objects.filter(pk=citizen.pk).update(email=EMAIL, address="Karakoçlu Sok. No:12 Esenler")
    services.comment(sms, actor=operator, note=f"{NAME} tekrar aradı, e-postası {EMAIL}.")
    add_attachment(sms, _png(), actor=operator, name="zeynep-karakoclu-cukur.png")
    services.resolve(sms, actor=None, resolution=f"Sayın Zeynep Karakoçlu, çukur kapatıldı ({PHONE}).")
    Message.objects.create(
        direction=Message.Direction.OUT,
        channel=Channel.SMS,
        state=Message.State.SENT,
        institution=institution,
        case=sms,
        address=PHONE,
        body="Sayın Zeynep Karakoçlu, başvurunuz çözüldü.",
        external_id="out-1",
    )
    FeedbackCall.objects.create(
        institution=institution,
        case=sms,
        resolve_event=Event.objects.get(case=sms, action="resolve"),
        method="call",
        due_at=sms.resolved_at or dt.datetime(2026, 3, 20, tzinfo=dt.UTC),
        resolved_at=sms.resolved_at or dt.datetime(2026, 3, 20, tzinfo=dt.UTC),
        channel=Channel.SMS,
        neighbourhood="Menderes",
        address=PHONE,
        note="Zeynep Hanım memnun kaldığını söyledi, 05327654321",
        created_at=dt.datetime(2026, 3, 20, tzinfo=dt.UTC),
    )
    Notification.objects.create(
        user=operator,
        case=sms,
        kind="comment",
        text=f"Zeynep Karakoçlu: yeni not ({sms.tracking_number})",
        body=f"{EMAIL} adresinden",
        created_at=dt.datetime(2026, 3, 20, tzinfo=dt.UTC),
    )
    services.close(sms, actor=None)
    mail = receive_email(
        _mail("Park lambası yanmıyor", f"Merhaba, lamba yanmıyor.\n{NAME}\nTel: 0532 765 43 21\n"),
        institution,
    ).case
    assert mail is not None
    return sms, mail, citizen


def _text_of_database() -> str:
    """Every text, JSON and file-name column of every kentmasa table, as one lower-case string."""
    chunks = []
    for model in apps.get_models():
        if not model.__module__.startswith("kentmasa"):
            continue
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField | models.FileField)
        ]
        for row in model._default_manager.values_list(*names) if names else ():
            chunks.append(" ".join(str(value) for value in row if value not in (None, "")))
    return "\n".join(chunks).lower()


def _traces(text: str) -> list[str]:
    return [trace for trace in TRACES if trace.lower() in text]


def _stats(institution) -> list:
    return list(
        Case.objects.filter(institution=institution)
        .values(
            "unit", "status", "neighbourhood", "channel", "category", "received_at", "due_at", "closed_at"
        )
        .annotate(n=Count("id"))
        .order_by("unit", "status", "neighbourhood", "channel")
    )


@pytest.mark.django_db
def test_no_trace_of_the_person_is_left_anywhere(
    person_cases, institution, tmp_path, django_capture_on_commit_callbacks
):
    sms, mail, citizen = person_cases
    before = _text_of_database()
    assert set(_traces(before)) >= {"zeynep", "karako", TC, "zeynep.karakoclu"}, (
        "the test must see the person"
    )
    files = [a.file.path for a in Attachment.objects.filter(case__in=[sms, mail])]
    assert len(files) >= 2  # the photo and the original e-mail (message/rfc822)
    assert Attachment.objects.filter(case=mail, content_type="message/rfc822").exists()
    stats = _stats(institution)

    with django_capture_on_commit_callbacks(execute=True):
        summary = anonymise_citizen(citizen, reason="Başvuru sahibinin silme talebi")
        summary.merge(anonymise_case(mail, reason="Başvuru sahibinin silme talebi"))

    assert summary.cases == 2 and summary.citizens == 2  # the e-mail came with a record of its own
    assert summary.files_deleted == len(files)
    assert not any(__import__("os").path.exists(path) for path in files)
    assert not Attachment.objects.filter(case__in=[sms, mail]).exists()
    assert _traces(_text_of_database()) == []
    assert _stats(institution) == stats  # status, dates, unit, mahalle, channel: unchanged
    sms.refresh_from_db()
    assert sms.neighbourhood == "Menderes" and sms.street == "" and sms.citizen is None
    assert (float(sms.latitude), float(sms.longitude)) == (41.04, 28.89)
    marked = Event.objects.get(case=sms, data__kvkk=anonymise.MARK)
    assert marked.public is False and "silme talebi" in marked.note
    assert sms.tracking_number in Notification.objects.get(case=sms).text  # a tracking number is no phone
    citizen.refresh_from_db()
    assert (citizen.name, citizen.tc_kimlik, citizen.phone, citizen.email) == ("", None, "", "")
    assert not (citizen.phone_verified or citizen.tc_kimlik_verified)


@pytest.mark.django_db
def test_idempotent_and_sends_nothing(person_cases, django_capture_on_commit_callbacks):
    sms, mail, citizen = person_cases
    with django_capture_on_commit_callbacks(execute=True):
        anonymise_case(sms, reason="saklama süresi doldu")
    messages = Message.objects.filter(direction=Message.Direction.OUT).count()
    events = Event.objects.filter(case=sms).count()
    with django_capture_on_commit_callbacks(execute=True):
        again = anonymise_case(sms, reason="saklama süresi doldu")
    assert again.cases == 0 and again.already == 1 and not again.fields
    assert Event.objects.filter(case=sms).count() == events
    assert Message.objects.filter(direction=Message.Direction.OUT).count() == messages
    assert is_anonymised(sms) and not is_anonymised(mail)
    # The citizen still has a case that holds them? No: the SMS case was the only one, so it is blanked.
    citizen.refresh_from_db()
    assert citizen.name == ""


@pytest.mark.django_db
def test_a_record_with_another_case_keeps_its_contact(person_cases, make_case, category):
    sms, _mail, citizen = person_cases
    other = make_case(citizen=citizen, subject="Başka bir talep")
    anonymise_case(sms, reason="saklama süresi doldu")
    citizen.refresh_from_db()
    assert citizen.phone == PHONE  # the open case still answers on it
    other.refresh_from_db()
    assert other.citizen_id == citizen.pk


# Text-bearing fields whose names suggest the person: each is either handled by anonymise (HANDLED) or listed
# here with why it holds nobody's personal data as a citizen (staff, configuration, legal records).
SUSPECT = re.compile(
    r"name|phone|mail|address|tc_kimlik|payload|raw|text|body|note|description|data|answer|report|finding"
    r"|place|location|subject|file|letter|mobile|caller|person|contact|params|instructions|asked|recommendation"
)


def test_every_personal_looking_field_is_handled_or_exempt():
    from kentmasa.privacy.exempt import EXEMPT as exempt

    missing = []
    for model in apps.get_models():
        if not model.__module__.startswith("kentmasa"):
            continue
        label = model._meta.label
        for f in model._meta.concrete_fields:
            kinds = models.CharField | models.TextField | models.JSONField | models.FileField
            if not isinstance(f, kinds) or not SUSPECT.search(f.name):
                continue
            key = f"{label}.{f.name}"
            if f.name in HANDLED.get(label, set()) or key in exempt or label in exempt:
                continue
            missing.append(key)
    assert missing == [], (
        "New fields that may hold a person's data: handle them in kentmasa.privacy.anonymise (HANDLED) "
        "or list them in kentmasa.privacy.exempt with the reason: " + ", ".join(missing)
    )
    for key, reason in exempt.items():
        assert reason.strip(), key
