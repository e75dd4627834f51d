"""A citizen reports a pothole with a photo on the web form, the unit resolves it, and the answer reaches the
citizen by e-mail: Chromium for the two people, the real task worker, a real SMTP server for the mail."""

import email
import os
import re
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from PIL import Image

from kentmasa.cases.models import Case, Status
from kentmasa.cases.tests.test_browser import log_in
from kentmasa.channels.email.tests.conftest import free_port
from kentmasa.channels.models import Message

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Inbox:
    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):
        mail = email.message_from_bytes(envelope.content, policy=policy.default)
        self.mails.append((envelope.rcpt_tos, mail))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield inbox
    controller.stop()


def test_pothole_photo_to_resolution_to_the_citizens_inbox(
    new_page, smtp, category, road_staff, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    photo = tmp_path / "cukur.jpg"
    Image.new("RGB", (320, 240), (90, 90, 90)).save(photo, format="JPEG")

    # The citizen, on their phone, on the public form.
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/basvuru/{category.institution.slug}/")
    page.select_option("#id_category", str(category.pk))
    page.fill("#id_subject", "Okul önünde derin çukur")
    page.fill("#id_text", "Gazi Mahallesi, İnönü Caddesi 14 önünde; araçlar lastik patlatıyor.")
    page.set_input_files("#id_photo", str(photo))
    page.fill("#id_name", "Derya Işıklı")
    page.fill("#id_email", "derya@example.com")
    page.check("#id_kvkk")
    page.click("#case-submit")
    number = page.inner_text("#receipt-number").strip()
    case = Case.objects.get(tracking_number=number.replace("-", ""))
    assert case.channel == "web" and case.attachments.filter(kind="photo").count() == 1

    # The worker sends the acknowledgement.
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", verbosity=0)
    assert [m.template for m in Message.objects.filter(case=case, direction="out")] == ["open"]
    assert smtp.mails and smtp.mails[0][0] == ["derya@example.com"]

    # The road unit resolves it from the case page.
    staff = new_page()
    log_in(staff, "road_staff")
    staff.goto(f"/vaka/{case.tracking_number}/")
    staff.click("#action-resolve")
    staff.fill("#id_resolve-resolution", "Çukur 24 Kasım'da sıcak asfaltla kapatıldı.")
    staff.click("#submit-resolve")
    staff.wait_for_selector("#case-status[data-status=resolved]")
    case.refresh_from_db()
    assert case.status == Status.RESOLVED

    # The worker sends the answer; it arrives in the citizen's mailbox, on the channel they gave us.
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", verbosity=0)
    answer = Message.objects.get(case=case, direction="out", template="resolve")
    assert answer.state == "sent" and answer.channel == "email"
    recipients, mail = smtp.mails[-1]
    assert recipients == ["derya@example.com"]
    assert number in mail["Subject"]
    assert "sıcak asfaltla kapatıldı" in mail.get_body(preferencelist=("plain",)).get_content()

    # And the case page shows staff that it went out.
    staff.reload()
    assert staff.get_attribute(f"#message-{answer.pk}", "data-state") == "sent"
    assert re.search(r"derya@example\.com", staff.content()) is None  # unit staff do not see the address
