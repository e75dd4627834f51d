"""A 4982 request from e-mail to the answer letter, in a real Chromium.

Ayşe e-mails bilgiedinme@esenler.bel.tr over real SMTP. Elif of the information service finds it in the
queue with its 2 iş günü check clock, checks it on its page (her TC kimlik no typed in), extends it to 30 iş
günü with its reason (the notice reaches Ayşe through the outgoing mail server), and decides it: the answer
letter is a PDF, its link reaches Ayşe by mail, and the tracking page shows the answer with the link.
"""

import os
import re

import pytest

from kentmasa.cases.models import Case
from kentmasa.channels.email.tests.test_email import citizen_mail, run_due, send
from kentmasa.conftest import PASSWORD
from kentmasa.foi.models import FoiRequest, Stage
from kentmasa.foi.tests.conftest import AYSE_TC, INFO_MAILBOX

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def plain(mail) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def test_an_emailed_request_through_the_check_the_extension_and_the_answer_letter(
    new_page, mail, foi_settings, elif_, live_server, settings
):
    incoming, outgoing = mail
    body = "4982 sayılı Kanun uyarınca Gül Sokak asfalt ihalesinin bedelini öğrenmek istiyorum.\nAyşe Kaya"
    send(
        incoming,
        citizen_mail(subject="Bilgi edinme başvurusu", body=body, to=INFO_MAILBOX),
        to=[INFO_MAILBOX],
    )
    request = FoiRequest.objects.select_related("case").get()
    case = request.case
    settings.KENTMASA_PUBLIC_URL = live_server.url

    page = new_page()
    page.goto("/giris/")
    page.fill("#id_username", "elif")
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()
    page.goto("/bilgi-edinme/")
    row = page.locator(f"#foi-{request.pk}")
    assert row.get_attribute("data-stage") == "checking"
    assert request.check_due_at.astimezone().strftime("%d.%m.%Y") in row.locator(".foi-check").inner_text()
    row.locator("a").click()
    page.wait_for_url(re.compile(rf"/bilgi-edinme/{request.pk}/$"))

    # The check: without her TC kimlik no it is refused and nothing changes; with it, processing starts.
    page.fill("#id_check-tc_kimlik", "12345678901")
    page.click("#foi-submit-check")
    assert "geçerli değil" in page.inner_text("#foi-form-check")
    page.fill("#id_check-tc_kimlik", AYSE_TC)
    page.click("#foi-submit-check")
    page.wait_for_selector("#foi-message")
    assert page.get_attribute("#foi-facts", "data-stage") == "processing"
    request.refresh_from_db()
    assert request.stage == Stage.PROCESSING

    # The extension, with its reason, told to Ayşe by mail.
    page.click("#foi-step-extend summary")
    page.fill("#id_extend-reason", "İhale dosyası Fen İşleri arşivinden getirilecek.")
    page.click("#foi-submit-extend")
    page.wait_for_selector("#foi-message")
    assert "30 iş gününe uzatıldı" in page.inner_text("#foi-message")
    run_due()
    notice = [m for m in outgoing.mails if "süresi uzatıldı" in m["Subject"]]
    assert len(notice) == 1 and notice[0]["To"] == "ayse@example.com"
    assert "Fen İşleri arşivinden" in plain(notice[0])

    # The decision and its letter.
    page.check("#foi-form-decide input[name=decide-decision][value=granted]")
    page.fill("#id_decide-answer", "Sözleşme bedeli 1.200.000 TL'dir.")
    page.click("#foi-submit-decide")
    page.wait_for_selector("#foi-letter")
    assert page.get_attribute("#foi-facts", "data-stage") == "decided"
    pdf = page.request.get(page.get_attribute("#foi-letter", "href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    run_due()
    request.refresh_from_db()
    link = f"{live_server.url}/bilgi-edinme/yanit/{request.letter_key}/"
    answer = [m for m in outgoing.mails if "sonuçlandı" in m["Subject"]]
    assert len(answer) == 1 and link in plain(answer[0])
    public = page.request.get(link)
    assert public.status == 200 and public.headers["content-type"] == "application/pdf"

    # Ayşe's tracking page shows the answer with the letter's link.
    case = Case.objects.get(pk=case.pk)
    track = new_page()
    track.goto("/basvuru/takip/")
    track.fill("#track-number", case.tracking_number)
    track.fill("#track-code", case.verification_code)
    track.click("#track-submit")
    track.wait_for_selector("#track-resolution")
    assert link in track.inner_text("#track-resolution")
