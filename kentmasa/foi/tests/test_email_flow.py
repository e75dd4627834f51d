"""Ayşe e-mails bilgiedinme@esenler.bel.tr over real SMTP: the listener opens an information request, the
service checks it, extends it, decides it, and what goes out reaches her through the institution's outgoing
mail server (a local SMTP server that records every mail)."""

import pytest

from kentmasa.cases.models import Case, Kind
from kentmasa.channels.email.tests.conftest import MAILBOX
from kentmasa.channels.email.tests.test_email import citizen_mail, run_due, send
from kentmasa.foi import services
from kentmasa.foi.models import FoiRequest, Stage
from kentmasa.foi.services import Identity
from kentmasa.foi.tests.conftest import AYSE_TC, INFO_MAILBOX


def subjects_to(outgoing, address):
    return [m["Subject"] for m in outgoing.mails if m["To"] == address]


@pytest.mark.django_db(transaction=True)
def test_an_emailed_request_checked_extended_and_answered(mail, foi_settings, elif_, roads):
    incoming, outgoing = mail
    body = (
        "4982 sayılı Kanun uyarınca Gül Sokak asfalt ihalesinin sözleşme bedelini öğrenmek istiyorum.\n"
        f"Ayşe Kaya, T.C. {AYSE_TC}, Gül Sok. No:4 Esenler"
    )
    send(
        incoming,
        citizen_mail(subject="Bilgi edinme başvurusu", body=body, to=INFO_MAILBOX),
        to=[INFO_MAILBOX],
    )
    case = Case.objects.get()
    assert case.kind == Kind.INFORMATION_REQUEST
    request = FoiRequest.objects.get(case=case)
    assert request.stage == Stage.CHECKING
    # Mail to the ordinary mailbox stays an ordinary case.
    send(incoming, citizen_mail(subject="Lamba yanmıyor", to=MAILBOX), to=[MAILBOX])
    assert Case.objects.exclude(pk=case.pk).get().kind == Kind.REQUEST

    services.accept(
        request, actor=elif_, identity=Identity(name="Ayşe Kaya", tc_kimlik=AYSE_TC, email="ayse@example.com")
    )
    services.forward_to_unit(request, actor=elif_, unit=roads)
    services.extend(request, actor=elif_, reason="İhale dosyası Fen İşleri arşivinden getirilecek.")
    run_due()
    extended = [m for m in outgoing.mails if "süresi uzatıldı" in m["Subject"]]
    assert len(extended) == 1 and extended[0]["To"] == "ayse@example.com"
    text = extended[0].get_body(preferencelist=("plain",)).get_content()
    assert "30 iş gününe uzatıldı" in text and "Fen İşleri arşivinden" in text

    request.refresh_from_db()
    services.decide(request, actor=elif_, decision="granted", answer="Sözleşme bedeli 1.200.000 TL'dir.")
    run_due()
    request.refresh_from_db()
    answers = [m for m in outgoing.mails if "sonuçlandı" in m["Subject"]]
    assert len(answers) == 1
    answer = answers[0].get_body(preferencelist=("plain",)).get_content()
    assert "1.200.000 TL" in answer
    assert f"https://kentmasa.esenler.bel.tr/bilgi-edinme/yanit/{request.letter_key}/" in answer
