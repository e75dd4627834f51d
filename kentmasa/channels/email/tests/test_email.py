"""E-mail over real SMTP: Ayşe writes to alo153@esenler.bel.tr, the listener opens her case, the answer
goes back through the institution's outgoing mail server (a local SMTP server that records what it gets),
her reply threads onto the case, and robots (auto-replies, bounces) never open one."""

import io
import smtplib
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import make_msgid

import pytest
from aiosmtpd.controller import Controller
from django.core.management import CommandError, call_command
from django.db import OperationalError
from PIL import Image

from kentmasa.cases import services
from kentmasa.cases.models import Case, Status
from kentmasa.cases.tracking import find_tracking_numbers, format_tracking_number
from kentmasa.channels import intake, replies, tasks
from kentmasa.channels.email.htmltext import html_to_text, read_html
from kentmasa.channels.email.parse import decode_text
from kentmasa.channels.email.quotes import strip_quoted_reply
from kentmasa.channels.email.smtpd import listener as mail_listener
from kentmasa.channels.email.tests.conftest import AUTHSERV_ID, KAYSERI_MAILBOX, MAILBOX, free_port
from kentmasa.channels.models import Message

end_to_end = pytest.mark.django_db(transaction=True)
DMARC_PASS = f"{AUTHSERV_ID}; spf=pass smtp.mailfrom=example.com; dmarc=pass header.from=example.com"


class OutgoingServer:
    """The institution's outgoing mail server: records every mail, or refuses recipients when told to."""

    def __init__(self):
        self.mails: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse = ""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.mails.append(BytesParser(policy=policy.default).parsebytes(envelope.original_content))
        return "250 OK"


@pytest.fixture
def outgoing(mail_settings):
    handler = OutgoingServer()
    controller = Controller(handler, hostname="127.0.0.1", port=mail_settings.EMAIL_PORT)
    controller.start()
    yield handler
    controller.stop()


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 180, 20)).save(out, format="JPEG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def citizen_mail(
    subject="Sokak lambası yanmıyor",
    body="Merhaba,\nGül Sokak 4 önündeki lamba üç gündür yanmıyor. Işık yok, çok karanlık.\nAyşe Kaya",
    *,
    sender="Ayşe Kaya <ayse@example.com>",
    to=MAILBOX,
    charset="utf-8",
    **headers,
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="example.com")
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body, charset=charset)
    return mail


def send(listener, mail, *, envelope_from=None, to=(MAILBOX,)):
    with smtplib.SMTP(listener.hostname, listener.port) as smtp:
        return smtp.send_message(mail, from_addr=envelope_from, to_addrs=list(to))


def run_due() -> list[str]:
    """What the worker does now: send every queued reply."""
    return [tasks.deliver(pk) for pk in Message.objects.filter(state="queued").values_list("pk", flat=True)]


def mail_to(outgoing, address, template_subject) -> EmailMessage:
    found = [m for m in outgoing.mails if m["To"] == address and template_subject in m["Subject"]]
    assert len(found) == 1, [m["Subject"] for m in outgoing.mails]
    return found[0]


# Intake ----------------------------------------------------------------------------------------------


@end_to_end
def test_ayses_mail_opens_one_case_with_her_photo_and_pdf(listener, institution):
    mail = citizen_mail(charset="iso-8859-9")
    mail.add_attachment(photo(), maintype="image", subtype="jpeg", filename="lamba.jpg")
    mail.add_attachment(PDF, maintype="application", subtype="pdf", filename="dilekçe.pdf")

    send(listener, mail)
    send(listener, mail)  # the mail server delivers it again: nothing new

    case = Case.objects.get()
    assert (case.institution, case.channel, case.subject) == (institution, "email", "Sokak lambası yanmıyor")
    assert "Işık yok, çok karanlık." in case.description
    assert (case.citizen.name, case.citizen.email) == ("Ayşe Kaya", "ayse@example.com")
    public = case.attachments.filter(public=True)
    assert sorted(public.values_list("kind", flat=True)) == ["document", "photo"]
    inbound = Message.objects.get(direction="in")
    assert inbound.external_id == inbound.thread_key == mail["Message-ID"]
    assert inbound.address == "ayse@example.com" and inbound.state == "received"
    # She is told her tracking number by mail.
    ack = Message.objects.get(direction="out")
    assert (ack.channel, ack.address, ack.template, ack.state) == (
        "email",
        "ayse@example.com",
        "open",
        "queued",
    )


RAW_OUTLOOK_MAIL = (
    b"From: =?windows-1254?Q?Mehmet_=DE=FDk?= <mehmet@example.com>\r\n"
    b"To: alo153@esenler.bel.tr\r\n"
    b"Subject: =?iso-8859-9?Q?=DEikayet=3A_=E7=F6p_konteyneri_ta=FEt=FD?=\r\n"
    b"Message-ID: <0001@outlook.example.com>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: text/html; charset="windows-1254"\r\n'
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"<html><head><style>p {margin:0}</style></head><body>"
    + b"<p>Kar&#x15F;&#x131; k&ouml;&#351;edeki &#231;&#246;p konteyneri ta&#351;t&#305;.</p>"
    + "<p>Mahalle: Menderes, Atışalanı Cd.</p></body></html>\r\n".encode("cp1254")
)


@end_to_end
def test_an_html_only_mail_in_the_turkish_code_page_is_read_as_text(listener, institution):
    with smtplib.SMTP(listener.hostname, listener.port) as smtp:
        smtp.sendmail("mehmet@example.com", [MAILBOX], RAW_OUTLOOK_MAIL)
    case = Case.objects.get()
    assert case.subject == "Şikayet: çöp konteyneri taştı"
    assert case.description == "Karşı köşedeki çöp konteyneri taştı.\n\nMahalle: Menderes, Atışalanı Cd."
    assert (case.citizen.name, case.citizen.email) == ("Mehmet Şık", "mehmet@example.com")


@end_to_end
def test_a_mailbox_we_do_not_serve_is_refused(listener, institution):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(listener, citizen_mail(to="baskan@esenler.bel.tr"), to=["baskan@esenler.bel.tr"])
    assert refused.value.recipients["baskan@esenler.bel.tr"][0] == 550
    assert not Message.objects.exists()


@end_to_end
def test_a_database_error_answers_451_and_the_mail_server_tries_again(listener, institution, monkeypatch):
    real_receive = intake.receive

    def locked(inbound):
        raise OperationalError("database is locked")

    monkeypatch.setattr(intake, "receive", locked)
    mail = citizen_mail()
    with pytest.raises(smtplib.SMTPDataError) as error:
        send(listener, mail)
    assert error.value.smtp_code == 451
    assert not Case.objects.exists() and not Message.objects.exists()

    monkeypatch.setattr(intake, "receive", real_receive)
    send(listener, mail)
    assert Case.objects.count() == 1


@end_to_end
def test_one_mail_to_two_municipalities_opens_a_case_at_each_once(listener, institution, other_institution):
    mail = citizen_mail(to=f"{MAILBOX}, {KAYSERI_MAILBOX}")
    send(listener, mail, to=[MAILBOX, KAYSERI_MAILBOX])
    send(listener, mail, to=[KAYSERI_MAILBOX])  # a second copy by another route
    assert sorted(Case.objects.values_list("institution__slug", flat=True)) == ["esenler", "kayseri"]
    assert Message.objects.filter(direction="in").count() == 2


@end_to_end
def test_over_lmtp_each_recipient_gets_its_own_answer(institution, other_institution, monkeypatch):
    real_receive = intake.receive

    def kayseri_is_down(inbound):
        if inbound.institution == other_institution:
            raise OperationalError("could not connect to server")
        return real_receive(inbound)

    monkeypatch.setattr(intake, "receive", kayseri_is_down)
    controller = mail_listener("127.0.0.1", free_port(), lmtp=True)
    controller.start()
    try:
        with smtplib.LMTP(controller.hostname, controller.port) as lmtp:
            lmtp.ehlo_or_helo_if_needed()
            lmtp.mail("ayse@example.com")
            lmtp.rcpt(MAILBOX)
            lmtp.rcpt(KAYSERI_MAILBOX)
            replies = [lmtp.data(citizen_mail().as_bytes())[0], lmtp.getreply()[0]]
    finally:
        controller.stop()
    assert replies == [250, 451]  # RFC 2033: Kayseri's copy is retried, Esenler's is done
    assert list(Case.objects.values_list("institution__slug", flat=True)) == ["esenler"]


def test_the_listener_will_not_start_without_mailboxes(settings):
    settings.KENTMASA_EMAIL = {}
    with pytest.raises(CommandError, match="MAILBOXES"):
        call_command("email_listener", "--port", str(free_port()))


# Threading -------------------------------------------------------------------------------------------


@end_to_end
def test_her_answer_with_the_tracking_number_in_the_subject_continues_the_waiting_case(
    listener, institution, mail_settings
):
    # Threading by the number in the subject believes the From line only with our server's DMARC pass.
    mail_settings.KENTMASA_EMAIL = {**mail_settings.KENTMASA_EMAIL, "AUTHSERV_ID": "mx.esenler.bel.tr"}
    send(listener, citizen_mail())
    case = services.ask_citizen(Case.objects.get(), actor=None, question="Direğin numarası nedir?")
    number = format_tracking_number(case.tracking_number)

    send(
        listener,
        citizen_mail(
            f"YNT: Başvurunuz için bilgi gerekiyor: [{number}]",
            "Direk numarası 1453.\n\nEsenler Belediyesi <alo153@esenler.bel.tr>, 18 Mar 2026 Çar, 10:00 "
            "tarihinde şunu yazdı:\n> Direğin numarası nedir?",
            Authentication_Results="mx.esenler.bel.tr; spf=pass smtp.mailfrom=example.com; "
            "dmarc=pass header.from=example.com",
        ),
    )

    case.refresh_from_db()
    assert Case.objects.count() == 1 and case.status == Status.IN_PROGRESS
    assert case.events.filter(action="citizen_answered", note="Direk numarası 1453.").exists()
    assert Message.objects.get(direction="in", body="Direk numarası 1453.").case == case


@end_to_end
def test_a_stranger_quoting_a_tracking_number_cannot_answer_for_the_citizen(listener, institution):
    send(listener, citizen_mail())
    case = services.ask_citizen(Case.objects.get(), actor=None, question="Direk numarası nedir?")
    send(
        listener,
        citizen_mail(
            f"Başvuru {case.tracking_number} hakkında",
            "Ben de şikâyetçiyim, bana yazın.",
            sender="stranger@evil.example",
        ),
    )
    case.refresh_from_db()
    assert case.status == Status.WAITING_CITIZEN  # not "answered" by somebody else
    assert not case.events.filter(note__contains="bana yazın").exists()
    stranger_case = Case.objects.exclude(pk=case.pk).get()
    assert stranger_case.citizen.email == "stranger@evil.example"
    # The earlier citizen's answers still go to her own address.
    assert replies.reply_channel(case) == ("email", case.citizen.email)


@end_to_end
def test_another_institutions_tracking_number_opens_a_new_case(listener, institution, other_institution):
    kayseri_case = services.open_case(institution=other_institution, channel="phone", subject="Su kesintisi")
    send(listener, citizen_mail(f"Re: [{format_tracking_number(kayseri_case.tracking_number)}] su yok"))
    assert Case.objects.filter(institution=institution).count() == 1
    assert not kayseri_case.events.filter(action="comment").exists()


# Replies ---------------------------------------------------------------------------------------------


@end_to_end
def test_the_answer_reaches_her_threaded_and_her_reply_threads_back(
    listener, outgoing, institution, mail_settings
):
    # Threading by In-Reply-To believes the From line only with our server's DMARC pass (see threading).
    mail_settings.KENTMASA_EMAIL = {**mail_settings.KENTMASA_EMAIL, "AUTHSERV_ID": AUTHSERV_ID}
    mail = citizen_mail()
    send(listener, mail)
    case = services.resolve(Case.objects.get(), actor=None, resolution="Lamba değiştirildi, ışık yanıyor.")
    assert run_due() == ["sent", "sent"]

    number = format_tracking_number(case.tracking_number)
    ack = mail_to(outgoing, "ayse@example.com", "alındı")
    answer = mail_to(outgoing, "ayse@example.com", "sonuçlandı")
    assert ack["Auto-Submitted"] == "auto-replied" and answer["Auto-Submitted"] == "auto-generated"
    assert answer["Subject"] == f"Başvurunuz sonuçlandı: [{number}]"
    assert answer["From"] == f"Esenler Belediyesi <{MAILBOX}>"
    assert outgoing.envelopes[-1] == (MAILBOX, ["ayse@example.com"])  # bounces come back to the mailbox
    assert answer["In-Reply-To"].strip() == mail["Message-ID"]
    assert mail["Message-ID"] in answer["References"]
    text = answer.get_body(preferencelist=("plain",)).get_content()
    assert "numaralı başvurunuz sonuçlandı. Lamba değiştirildi, ışık yanıyor." in text
    assert "ışık yanıyor" in answer.get_body(preferencelist=("html",)).get_content()
    sent = Message.objects.get(template="resolve")
    assert (sent.state, sent.external_id) == ("sent", answer["Message-ID"].strip())

    # She answers from her mail program: no number in the subject, only In-Reply-To.
    send(
        listener,
        citizen_mail(
            "Re: teşekkürler",
            "Teşekkür ederim!",
            In_Reply_To=answer["Message-ID"],
            Authentication_Results=DMARC_PASS,
        ),
    )
    assert Case.objects.count() == 1
    assert case.events.filter(action="comment", public=True, note="Teşekkür ederim!").exists()


@end_to_end
def test_without_dmarc_only_a_reply_to_our_own_mail_from_its_address_threads(
    listener, outgoing, institution
):
    send(listener, citizen_mail())
    case = Case.objects.get()
    assert run_due() == ["sent"]
    ack = mail_to(outgoing, "ayse@example.com", "alındı")

    # No Authentication-Results at all: our Message-ID, answered from the address it went to, threads.
    more = "Ek bilgi: lamba 3 gündür yanmıyor."
    send(listener, citizen_mail("Re: alındı", more, In_Reply_To=ack["Message-ID"]))
    assert Case.objects.count() == 1
    assert case.events.filter(action="comment", note__contains="3 gündür").exists()

    # The same Message-ID from another address is a stranger's mail: a case of its own.
    send(
        listener,
        citizen_mail(
            "Re: alındı", "Ben de yazayım.", sender="Mehmet <mehmet@x.example>", In_Reply_To=ack["Message-ID"]
        ),
    )
    assert Case.objects.count() == 2
    assert not case.events.filter(note__contains="Ben de yazayım").exists()

    # Naming only her own earlier mail (which may have gone to others too) does not thread without DMARC.
    original = Message.objects.filter(direction="in", case=case).order_by("pk").first()
    reference = original.thread_key or original.external_id
    send(listener, citizen_mail("Re: lamba", "Üçüncü mesaj.", References=reference))
    assert Case.objects.count() == 3


@end_to_end
def test_a_recipient_refused_with_550_is_given_up_at_once(listener, outgoing, institution):
    send(listener, citizen_mail())
    outgoing.refuse = "550 5.1.1 <ayse@example.com>: Recipient address rejected"
    assert run_due() == ["failed"]
    failed = Message.objects.get(direction="out")
    assert failed.attempts == 1 and "550" in failed.last_error
    assert Case.objects.get().events.filter(action="comment", public=False).exists()


@end_to_end
def test_a_mail_server_that_is_down_is_tried_again_later(listener, institution):
    send(listener, citizen_mail())
    assert run_due() == ["queued"]
    waiting = Message.objects.get(direction="out")
    assert waiting.attempts == 1 and waiting.next_attempt_at is not None
    assert "unreachable" in waiting.last_error


# Robots ----------------------------------------------------------------------------------------------


@end_to_end
@pytest.mark.parametrize(
    "subject, sender, headers, envelope_from",
    [
        ("Re: Başvurunuz alındı", "ayse@example.com", {"Auto-Submitted": "auto-replied"}, None),
        ("Re: Başvurunuz alındı", "ayse@example.com", {"X-Autoreply": "yes"}, None),
        ("Kampanya!", "bulten@magaza.example", {"Precedence": "bulk"}, None),
        ("Haftalık bülten", "liste@example.org", {"List-Id": "<duyuru.example.org>"}, None),
        ("Otomatik Yanıt: Başvurunuz alındı", "ayse@example.com", {}, None),
        ("OFİS DIŞINDA: Başvurunuz alındı", "ayse@example.com", {}, None),
        ("Automatic reply: Başvurunuz alındı", "ayse@example.com", {}, None),
        ("Out of Office: Başvurunuz alındı", "ayse@example.com", {}, None),
        ("Mail delivery failed", "MAILER-DAEMON@mx.example.com", {}, None),
        ("Returned mail", "postmaster@example.com", {}, None),
        ("Undeliverable: Başvurunuz alındı", "ayse@example.com", {}, "<>"),
    ],
)
def test_auto_replies_and_bounces_never_open_a_case(
    listener, institution, subject, sender, headers, envelope_from
):
    send(
        listener,
        citizen_mail(subject, "Şu an ofiste değilim.", sender=sender, **headers),
        envelope_from=envelope_from,
    )
    ignored = Message.objects.get()
    assert ignored.state == "ignored" and ignored.case is None and ignored.last_error
    assert not Case.objects.exists()


DSN = """\
From: MAILER-DAEMON@mx.example.com (Mail Delivery System)
To: alo153@esenler.bel.tr
Subject: Undelivered Mail Returned to Sender
Message-ID: <20260318100501.5F2A1C0@mx.example.com>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="5F2A1C0.1773817501/mx.example.com"

--5F2A1C0.1773817501/mx.example.com
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<ayse@example.com>: host mx.example.com said: 550 5.1.1 <ayse@example.com>:
    Recipient address rejected: User unknown in virtual mailbox table

--5F2A1C0.1773817501/mx.example.com
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com
X-Postfix-Queue-ID: 5F2A1C0
Arrival-Date: Wed, 18 Mar 2026 10:05:00 +0300 (+03)

Final-Recipient: rfc822; ayse@example.com
Original-Recipient: rfc822;ayse@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <ayse@example.com>: Recipient address rejected:
    User unknown in virtual mailbox table

--5F2A1C0.1773817501/mx.example.com
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: Esenler Belediyesi <alo153@esenler.bel.tr>
To: ayse@example.com
Subject: =?utf-8?q?Ba=C5=9Fvurunuz_al=C4=B1nd=C4=B1?=
Message-ID: {message_id}
Auto-Submitted: auto-replied

--5F2A1C0.1773817501/mx.example.com--
"""


@end_to_end
def test_a_bounce_of_our_mail_marks_it_failed_on_the_case(listener, outgoing, institution):
    send(listener, citizen_mail())
    assert run_due() == ["sent"]
    ack = Message.objects.get(direction="out")

    with smtplib.SMTP(listener.hostname, listener.port) as smtp:
        smtp.sendmail("<>", [MAILBOX], DSN.format(message_id=ack.external_id).replace("\n", "\r\n").encode())

    ack.refresh_from_db()
    assert ack.state == "failed" and "5.1.1" in ack.last_error
    note = ack.case.events.get(action="comment")
    # Staff learn it bounced; the internal note does not spell out the address (unit staff read it too).
    assert not note.public and "a***@example.com" in note.note and "ayse@example.com" not in note.note
    bounce = Message.objects.get(direction="in", state="ignored")
    assert bounce.last_error.startswith("bounce") and Case.objects.count() == 1


# Plain helpers ---------------------------------------------------------------------------------------


def test_tracking_numbers_are_found_however_they_are_written():
    assert find_tracking_numbers("YNT: Başvurunuz sonuçlandı: [26-0000123-2]") == ["2600001232"]
    assert find_tracking_numbers("başvuru no 26 0000123 2, tel 0532 111 22 33") == ["2600001232"]
    assert find_tracking_numbers("26-0000123-3 yanlış yazılmış") == []


def test_the_quoted_earlier_mail_is_cut_from_a_reply():
    gmail = "Tamam.\n\nOn Wed, 18 Mar 2026 at 10:00, Esenler\n<alo153@esenler.bel.tr> wrote:\n> Soru"
    outlook = "Ekte.\n\nKimden: Esenler Belediyesi\nGönderildi: 18 Mart 2026\nKonu: Başvurunuz\n\nSoru"
    assert strip_quoted_reply(gmail) == "Tamam."
    assert strip_quoted_reply(outlook) == "Ekte."
    assert strip_quoted_reply("> yalnız alıntı") == "> yalnız alıntı"


def test_turkish_text_sent_as_western_european_is_repaired():
    data = "Çöp şikâyeti: ağaç dalı yıkıldı".encode("iso-8859-9")
    assert decode_text(data, "iso-8859-1") == "Çöp şikâyeti: ağaç dalı yıkıldı"
    assert decode_text("Işık".encode("cp1254"), None) == "Işık"
    assert decode_text("Işık".encode(), "x-unknown") == "Işık"


def test_html_is_laid_out_as_a_browser_shows_it():
    outlook = (
        '<p class="MsoNormal">Birinci satır<o:p></o:p></p><p class="MsoNormal">İkinci\nsatır</p>'
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Üçüncü</p>"
    )
    assert html_to_text(outlook) == "Birinci satır\nİkinci satır\n\nÜçüncü"
    assert (
        html_to_text("<ul><li>bir</li><li>iki</li></ul><pre>a\n  b</pre>son") == "- bir\n- iki\n\na\nb\n\nson"
    )
    assert html_to_text("<div>Ç&ouml;p&nbsp;&amp; su</div><script>x()</script><div>Tel:<br>0212</div>") == (
        "Çöp\xa0& su\nTel:\n0212"
    )


def test_the_images_of_an_html_signature_are_found():
    html = '<div>Foto:<img src="cid:foto1@x"></div><div class="gmail_signature"><img src="cid:logo@x"></div>'
    read = read_html(html)
    assert (read.cids, read.signature_cids) == ({"<foto1@x>", "<logo@x>"}, {"<logo@x>"})


def test_answers_between_quotes_are_kept_and_wrapped_turkish_attributions_cut():
    gmail_tr = (
        "Merhaba,\n\nEsenler Belediyesi <alo153@esenler.bel.tr>, 18 Mar 2026 Çar, 10:15\n"
        "tarihinde şunu yazdı:\n\n> Soru bir?\nCevap bir.\n\n> Soru iki?\nCevap iki.\n\n> --\n> Esenler"
    )
    assert strip_quoted_reply(gmail_tr) == "Merhaba,\n\n> Soru bir?\nCevap bir.\n\n> Soru iki?\nCevap iki."
    thunderbird = "Tamam.\n\n18.03.2026 10:15 tarihinde Esenler Belediyesi yazmıştı:\n> Soru\n> --"
    assert strip_quoted_reply(thunderbird) == "Tamam."
    unquoted = "Evet.\n\nEsenler <alo153@esenler.bel.tr>, 18 Mar 2026 10:15 tarihinde şunu yazdı:\nSoru"
    assert strip_quoted_reply(unquoted) == "Evet."
    # A citizen's own line with a time in it is not taken for the start of a wrapped attribution.
    own_line = "Saat 10:00'da aradım.\n\nOn Wed, 18 Mar 2026 at 10:15, Esenler <a@b.tr> wrote:\n> Soru"
    assert strip_quoted_reply(own_line) == "Saat 10:00'da aradım."
