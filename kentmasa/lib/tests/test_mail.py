"""kentmasa.lib.mail over real SMTP: a local mail server (aiosmtpd on 127.0.0.1) that records what it is
given, or refuses it the way mail servers do; permanent refusals are told apart from temporary ones."""

import socket
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from kentmasa.lib import mail
from kentmasa.lib.outbound import SendError

AYSE = "ayse.kaya@example.com"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MailServer:
    """The outgoing mail server: records every mail, or answers RCPT / DATA with what the test says."""

    def __init__(self):
        self.mails: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse_rcpt = ""
        self.refuse_data = ""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            return self.refuse_data
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.mails.append(BytesParser(policy=policy.default).parsebytes(envelope.original_content))
        return "250 OK"


@pytest.fixture
def smtp_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there unless the server is started
    settings.EMAIL_TIMEOUT = 5
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.DEFAULT_FROM_EMAIL = "bildirim@esenler.bel.tr"
    return settings


@pytest.fixture
def server(smtp_settings):
    handler = MailServer()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_settings.EMAIL_PORT)
    controller.start()
    yield handler
    controller.stop()


def test_a_mail_goes_with_its_html_headers_and_message_id(server):
    sent = mail.send(
        AYSE,
        "Başvuru 26-0000123-4:\nbirime\tatandı",
        "Başvuru birime atandı.\nhttps://basvuru.esenler.bel.tr/vaka/123/",
        html="<p>Başvuru birime <b>atandı</b>.</p>",
        from_email="Esenler Belediyesi <alo153@esenler.bel.tr>",
        headers={"Auto-Submitted": "auto-generated", "X-Kentmasa-Kind": "assigned"},
    )
    assert sent.state == "sent"
    (received,) = server.mails
    assert server.envelopes == [("alo153@esenler.bel.tr", [AYSE])]
    assert received["To"] == AYSE and received["From"] == "Esenler Belediyesi <alo153@esenler.bel.tr>"
    assert received["Subject"] == "Başvuru 26-0000123-4: birime atandı"  # one line, as a header must be
    assert received["Message-ID"] == sent.external_id and sent.external_id.endswith("@esenler.bel.tr>")
    assert (received["Auto-Submitted"], received["X-Kentmasa-Kind"]) == ("auto-generated", "assigned")
    text = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert text is not None and "vaka/123/" in text.get_content()
    assert html is not None and "<b>atandı</b>" in html.get_content()


def test_without_a_sender_it_comes_from_the_site_and_keeps_a_given_message_id(server):
    sent = mail.send(AYSE, "Özet", "3 yeni başvuru", headers={"Message-ID": "<ozet-1@esenler.bel.tr>"})
    assert sent.external_id == "<ozet-1@esenler.bel.tr>"
    (received,) = server.mails
    assert received["From"] == "bildirim@esenler.bel.tr" and received["Message-ID"] == sent.external_id
    assert received.get_content_type() == "text/plain"  # no HTML given, none sent


@pytest.mark.parametrize(
    ("refusal", "permanent"),
    [
        ({"refuse_rcpt": "550 5.1.1 <ayse.kaya@example.com>: Recipient address rejected"}, True),
        ({"refuse_rcpt": "450 4.2.0 <ayse.kaya@example.com>: Mailbox busy, try later"}, False),
        ({"refuse_data": "554 5.7.1 Message rejected as spam"}, True),
        ({"refuse_data": "451 4.3.0 Local error, try again"}, False),
    ],
    ids=["recipient-unknown", "recipient-busy", "mail-rejected", "server-trouble"],
)
def test_the_servers_refusals_are_permanent_only_when_it_says_5xx(server, refusal, permanent):
    for name, answer in refusal.items():
        setattr(server, name, answer)
    with pytest.raises(SendError) as refused:
        mail.send(AYSE, "Bildirim", "Metin")
    assert refused.value.permanent is permanent
    code = next(iter(refusal.values()))[:3]
    assert code in str(refused.value)
    assert server.mails == []


def test_a_server_that_is_down_is_tried_again_later(smtp_settings):
    with pytest.raises(SendError) as refused:
        mail.send(AYSE, "Bildirim", "Metin")
    assert not refused.value.permanent and "unreachable" in str(refused.value)


def test_refused_credentials_are_ours_to_fix_not_the_recipients(smtp_settings):
    def nobody(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)

    smtp_settings.EMAIL_HOST_USER = "bildirim"
    smtp_settings.EMAIL_HOST_PASSWORD = "yanlis-parola"
    handler = MailServer()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=smtp_settings.EMAIL_PORT,
        authenticator=nobody,
        auth_require_tls=False,
    )
    controller.start()
    try:
        with pytest.raises(SendError) as refused:
            mail.send(AYSE, "Bildirim", "Metin")
    finally:
        controller.stop()
    assert not refused.value.permanent and "authentication" in str(refused.value)
    assert handler.mails == []


@pytest.mark.parametrize(
    ("to", "headers"),
    [
        ("ayse.kaya", None),
        ("Ayşe <ayse.kaya@example.com>", None),
        ("ayse.kaya@example.com\nBcc: x@example.com", None),
        (AYSE, {"X-Kentmasa-Kind": "assigned\r\nBcc: x@example.com"}),
    ],
    ids=["no-domain", "display-name", "injected-recipient", "injected-header"],
)
def test_what_cannot_be_written_is_refused_for_good_without_the_server(server, to, headers):
    with pytest.raises(SendError) as refused:
        mail.send(to, "Bildirim", "Metin", headers=headers)
    assert refused.value.permanent
    assert server.mails == [] and server.envelopes == []
