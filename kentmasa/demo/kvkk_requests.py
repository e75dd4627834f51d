"""KVKK applications (art. 11) for the demo (kentmasa.privacy.requests): run by the loader at every load.

Once, when Adana has none yet, three applications of Selma Arslan, a citizen with two earlier cases (a
pothole answered and closed, a street light still open), each taken to its state by the privacy services
exactly as `yonetici` (Adana's administrator) would on /kvkk/basvurular/, at moments in the past so the
clocks read true today:

- at the desk 6 days ago: her identity card seen at the desk, the rights chosen (learn, information,
  correction): proven, to be answered — open its page to see her records, her cases, the export and the fee;
- by e-mail 26 days ago, from an address nobody proved: recorded, its clock near the end (the day-25 warning
  went to the administrators), nothing exportable until she proves who she is;
- at the desk 45 days ago, answered there (access granted, erasure refused while a case is open).

Nothing is sent to anybody (replies suppressed). A second load finds them and adds nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from kentmasa.cases import services as cases
from kentmasa.cases.citizens import STAFF, find_or_create_citizen
from kentmasa.cases.models import Channel, Citizen, Kind
from kentmasa.channels import replies
from kentmasa.demo.tables import ADANA_SLUG
from kentmasa.directory.models import Institution, User
from kentmasa.privacy import requests
from kentmasa.privacy.models import DataSubjectRequest

ADMINISTRATOR = "yonetici"
SELMA_TC = "26473105660"  # a valid (made-up) number


def set_up(*, now: dt.datetime | None = None) -> int:
    """Add Adana's KVKK applications once; returns how many were made."""
    adana = Institution.objects.filter(slug=ADANA_SLUG).first()
    if adana is None or DataSubjectRequest.objects.filter(institution=adana).exists():
        return 0
    admin = User.objects.filter(username=ADMINISTRATOR, institution=adana, is_active=True).first()
    if admin is None:
        return 0
    now = now or timezone.now()
    with replies.suppressed(), transaction.atomic():
        selma = find_or_create_citizen(
            adana,
            name="Selma Arslan",
            tc_kimlik=SELMA_TC,
            phone="+905327770011",
            email="selma.arslan@example.com",
            address="Reşatbey Mah. 62010 Sok. No:4 Seyhan",
            proven=STAFF,
        )
        if selma is None:  # pragma: no cover - a name and identifiers were given
            return 0
        pothole = cases.open_case(
            institution=adana,
            channel=Channel.PHONE,
            subject="62010 Sokak'ta çukur",
            description="Evimin önündeki çukur büyüyor.",
            citizen=selma,
            received_at=now - dt.timedelta(days=90),
        )
        cases.resolve(
            pothole, actor=None, resolution="Çukur asfaltla kapatıldı.", now=now - dt.timedelta(days=85)
        )
        cases.close(pothole, actor=None, now=now - dt.timedelta(days=80))
        cases.open_case(
            institution=adana,
            channel=Channel.WEB,
            subject="Sokak lambası yanmıyor",
            description="62010 Sokak'taki lamba bir haftadır yanmıyor.",
            citizen=selma,
            received_at=now - dt.timedelta(days=10),
        )
        made = [
            _at_desk(adana, selma, admin, now - dt.timedelta(days=6), ["learn", "information", "correction"]),
            _by_email(adana, now - dt.timedelta(days=26)),
        ]
        answered = _at_desk(adana, selma, admin, now - dt.timedelta(days=45), ["learn", "erasure"])
        requests.answer(
            answered,
            by=admin,
            given=requests.Answer(
                decisions={
                    "learn": {"decision": "granted"},
                    "erasure": {
                        "decision": "refused",
                        "ground": "Açık başvurunuz sürüyor; cevap yükümlülüğü için saklanır (KVKK m.5/2-ç).",
                    },
                },
                delivery="desk",
            ),
        )
        made.append(answered)
        requests.warn_due(now=now)
    return len(made)


def _at_desk(
    adana: Institution, selma: Citizen, admin: User, received: dt.datetime, types: list[str]
) -> DataSubjectRequest:
    case = cases.open_case(
        institution=adana,
        channel=Channel.DESK,
        kind=Kind.DATA_SUBJECT_REQUEST,
        subject="KVKK başvurusu",
        description="Belediyenin hakkımda tuttuğu kişisel verileri öğrenmek istiyorum.",
        citizen=selma,
        received_at=received,
        actor=admin,
    )
    cases.record_on_opening(
        case, "desk", {"identity_seen": True, "identity_document": "id_card", "seen_by": admin.pk}
    )
    request = DataSubjectRequest.objects.get(case=case)
    return requests.set_types(request, by=admin, types=types)


def _by_email(adana: Institution, received: dt.datetime) -> DataSubjectRequest:
    sender = Citizen.objects.create(institution=adana, name="S. Arslan", email="selma.a.1985@example.net")
    case = cases.open_case(
        institution=adana,
        channel=Channel.EMAIL,
        kind=Kind.DATA_SUBJECT_REQUEST,
        subject="KVKK kapsamında bilgi talebi",
        description="Hakkımdaki tüm kayıtların bir kopyasını e-posta ile gönderin. T.C. 26473105660",
        citizen=sender,
        received_at=received,
        opening_data={"contacts": {"email": sender.email}},
    )
    return DataSubjectRequest.objects.get(case=case)
