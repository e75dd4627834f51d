"""Real mails, replayed: fixtures written to the formats of Apple Mail, Outlook, Gmail, Thunderbird, old
Turkish mailers, list managers, bounce and complaint reports (each names its source in X-Fixture-Source)
go through the listener on a real socket, as the institution's mail server hands them over.

Elif Şahin writes to alo153@esenler.bel.tr from Gmail; our mail server (mx.esenler.bel.tr) records that
her From passed DMARC. Kenan, a neighbour, answers a mail he was never sent. Robots write too.
"""

import smtplib

import pytest

from kentmasa.cases import services
from kentmasa.cases.models import Case, Channel, Status
from kentmasa.channels.email.intake import receive_email
from kentmasa.channels.models import Message
from kentmasa.channels.testing import load_fixture

from .conftest import AUTHSERV_ID, MAILBOX

end_to_end = pytest.mark.django_db(transaction=True)
OUR_ACK = "<177382170099.4711.1111111111@esenler.bel.tr>"  # the Message-ID the bounce fixtures name


@pytest.fixture(autouse=True)
def our_mail_server(mail_settings):
    mail_settings.KENTMASA_EMAIL = {**mail_settings.KENTMASA_EMAIL, "AUTHSERV_ID": AUTHSERV_ID}


def replay(listener, name: str, *, envelope_from: str = "sender@example.org") -> bytes:
    """Hand the fixture to the listener over SMTP, byte for byte, as the mail server would."""
    raw = load_fixture(__file__, name)
    with smtplib.SMTP(listener.hostname, listener.port) as smtp:
        smtp.sendmail(envelope_from, [MAILBOX], raw)
    return raw


def elifs_case_waiting_for_her(listener) -> Case:
    replay(listener, "gmail-tr-first.eml", envelope_from="elif.sahin.esenler@gmail.com")
    case = Case.objects.get()
    return services.ask_citizen(case, actor=None, question="Direğin üzerindeki numara nedir?")


# Text and files -----------------------------------------------------------------------------------


@end_to_end
def test_the_text_after_an_inline_photo_is_kept(listener, institution):
    replay(listener, "apple-mail-inline-photo.eml")
    case = Case.objects.get()
    assert case.description == (
        "Merhaba,\n\nNamazgah Parkı girişindeki bank kırılmış, fotoğrafı ekte:\n\n"
        "Çıkıntılı demirler çocuklar için tehlikeli, lütfen bugün bakın.\n\nAyşe Kaya\n0532 000 00 00"
    )
    assert list(case.attachments.filter(public=True).values_list("kind", "original_name")) == [
        ("photo", "IMG_0412.jpeg")
    ]


@end_to_end
def test_the_mail_as_it_came_is_kept_privately_on_its_case(listener, institution):
    raw = replay(listener, "apple-mail-inline-photo.eml")
    case = Case.objects.get()
    original = case.attachments.get(content_type="message/rfc822")
    assert not original.public and original.kind == "document"
    with original.file.open("rb") as stored:
        assert stored.read() == raw
    inbound = Message.objects.get(direction="in")
    assert inbound.data["original"] == original.pk
    assert original.original_name == f"eposta-{inbound.pk}.eml"


@end_to_end
def test_an_outlook_signature_logo_is_no_photo_but_the_attached_one_is(listener, institution):
    replay(listener, "outlook-signature-logo.eml")
    case = Case.objects.get()
    assert list(case.attachments.filter(public=True).values_list("kind", "original_name")) == [
        ("photo", "cukur.jpg")
    ]
    assert not case.attachments.filter(original_name__startswith="image001").exists()
    assert case.description.startswith("Merhaba,\n\nFatih Mahallesi 1042. Sokak’ta yolun ortasında")


@end_to_end
def test_an_html_only_mail_reads_as_a_browser_shows_it(listener, institution):
    replay(listener, "html-only-source-newlines.eml")
    case = Case.objects.get()
    assert case.subject == "Çeşmeden su akıyor"
    assert case.description == (
        "Merhaba,\n\n"
        "Esenler Meydanı'ndaki çeşmeden iki gündür durmadan su akıyor, kaldırım sabahları buz tutuyor "
        "ve yaşlılar düşüyor. Lütfen vanayı kapatın.\n\n"
        "Adres: Menderes Mah. Atışalanı Cad. No: 12 & 14 arası\n\n"
        "Zeynep Demir\n0 (212) 000 00 00"
    )


@end_to_end
@pytest.mark.parametrize(
    "fixture, subject, name, description",
    [
        (
            "raw-8bit-windows-1254-headers.eml",
            "Şikayet: Gül Sokak'ta çöp toplanmıyor",
            "Hüseyin Çağlar Işık",
            "Üç haftadır çöpler alınmıyor, köşede yığıldı.\nHüseyin Işık",
        ),
        (
            "raw-8bit-iso-8859-9-headers.eml",
            "Ağaç dalı yola düştü",
            "Gülşen Öztürk",
            "Fırtınada kırılan dal İnönü Caddesi'ni kapattı.",
        ),
    ],
)
def test_raw_turkish_bytes_in_the_headers_are_read_right(
    listener, institution, fixture, subject, name, description
):
    replay(listener, fixture)
    case = Case.objects.get()
    assert (case.subject, case.citizen.name, case.description) == (subject, name, description)


# Replies --------------------------------------------------------------------------------------------


@end_to_end
def test_answers_written_between_the_quoted_lines_are_kept(listener, institution):
    case = elifs_case_waiting_for_her(listener)
    replay(listener, "gmail-tr-interleaved-reply.eml", envelope_from="elif.sahin.esenler@gmail.com")

    case.refresh_from_db()
    assert Case.objects.count() == 1 and case.status == Status.IN_PROGRESS
    assert case.events.get(action="citizen_answered").note == (
        "Merhaba,\n\n"
        "> Sayın Elif Şahin,\n>\n> 26-0000001-2 numaralı başvurunuz için bilgi gerekiyor:\n>\n"
        "> Direğin üzerindeki numara nedir?\n\n"
        "Direğin numarası E-1453.\n\n"
        "> Lamba tamamen mi sönük, yoksa yanıp sönüyor mu?\n\n"
        "Tamamen sönük, geceleri sokak karanlık."
    )


@end_to_end
def test_the_turkish_thunderbird_attribution_starts_the_quote(listener, institution):
    case = elifs_case_waiting_for_her(listener)
    replay(listener, "thunderbird-tr-yazmisti-reply.eml", envelope_from="elif.sahin.esenler@gmail.com")
    assert case.events.get(action="citizen_answered").note == (
        "Tamam, yarın sabah evde olacağım, ekip gelebilir."
    )


@end_to_end
def test_a_strangers_in_reply_to_opens_a_case_of_his_own(listener, institution):
    case = elifs_case_waiting_for_her(listener)
    replay(listener, "stranger-in-reply-to.eml", envelope_from="kenan@komsu.example")

    case.refresh_from_db()
    assert case.status == Status.WAITING_CITIZEN  # Kenan did not answer for Elif
    assert not case.events.filter(note__contains="Bana bu adresten").exists()
    kenans = Case.objects.exclude(pk=case.pk).get()
    assert kenans.citizen.email == "kenan@komsu.example"
    assert kenans.description.startswith("Lamba tamir edildi")


# Robots ---------------------------------------------------------------------------------------------


def nothing_answered() -> bool:
    return not Message.objects.filter(direction="out").exists()


@end_to_end
@pytest.mark.parametrize(
    "fixture, reason",
    [
        ("mailman-digest-no-list-id.eml", "mailing_list: digest"),
        ("x-mailing-list-no-list-id.eml", "mailing_list: X-Mailing-List"),
        ("sender-owner-no-list-id.eml", "mailing_list: Sender owner-esenler-gonulluler@"),
        ("precedence-list-no-list-id.eml", "mailing_list: Precedence: list"),
    ],
)
def test_mailing_lists_without_list_id_open_no_case(listener, institution, fixture, reason):
    replay(listener, fixture)
    ignored = Message.objects.get(direction="in")
    assert (ignored.state, ignored.last_error, ignored.case) == ("ignored", reason, None)
    assert not Case.objects.exists() and nothing_answered()


@end_to_end
@pytest.mark.parametrize(
    "fixture, envelope_from, diagnostic",
    [
        ("postfix-dsn-mailer-daemon.eml", "", "5.1.1"),
        ("exchange-ndr-postmaster.eml", "relay@kurum.example", "5.1.10"),
        ("postmaster-report-without-type.eml", "postmaster@mail.kurum.example", "5.2.2"),
    ],
)
def test_a_bounce_of_our_mail_opens_no_case_and_marks_it_failed(
    listener, institution, fixture, envelope_from, diagnostic
):
    case = services.open_case(institution=institution, channel=Channel.EMAIL, subject="Sokak lambası")
    ack = Message.objects.create(
        direction="out", channel="email", state="sent", institution=institution, case=case,
        address="elif@posta.example", external_id=OUR_ACK, template="open",
    )  # fmt: skip

    replay(listener, fixture, envelope_from=envelope_from)

    ack.refresh_from_db()
    assert ack.state == "failed" and diagnostic in ack.last_error
    bounce = Message.objects.get(direction="in")
    assert bounce.state == "ignored" and bounce.last_error.startswith("bounce:") and bounce.case is None
    assert Case.objects.count() == 1 and Message.objects.filter(direction="out").count() == 1


@end_to_end
@pytest.mark.parametrize(
    "fixture, reason",
    [
        ("arf-abuse-complaint.eml", "complaint: feedback report (abuse)"),
        ("jmrp-complaint.eml", "complaint: junk mail report (JMRP)"),
    ],
)
def test_a_spam_complaint_about_our_mail_is_recorded_and_changes_nothing(
    listener, institution, fixture, reason
):
    case = services.open_case(institution=institution, channel=Channel.EMAIL, subject="Sokak lambası")
    ack = Message.objects.create(
        direction="out", channel="email", state="sent", institution=institution, case=case,
        address="elif@mailbox-provider.example", external_id=OUR_ACK, template="open",
    )  # fmt: skip

    replay(listener, fixture, envelope_from="abuse@mailbox-provider.example")

    complaint = Message.objects.get(direction="in")
    assert (complaint.state, complaint.last_error) == ("ignored", reason)
    ack.refresh_from_db()
    assert ack.state == "sent"  # delivered, only unwanted: not a bounce
    assert not case.events.filter(action="comment").exists()
    assert Case.objects.count() == 1 and Message.objects.filter(direction="out").count() == 1


# Cost ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_mail_costs_a_fixed_number_of_queries(institution, django_assert_num_queries):
    raw = load_fixture(__file__, "gmail-tr-first.eml")
    # Looking for an earlier copy (ours, then the intake's), the citizen, the case with its deadline,
    # events and routing, the inbound message and the original kept on the case; savepoints included.
    # One looks for the row of the channel (kentmasa.directory.channel_rows); the last is the live
    # event of the opening (kentmasa.notify.live).
    # +9 KVKK: the channel's current privacy notice and the record of the version given (2), and, this being
    # the institution's first opening, its default notice saved once (7 with the look-ups and savepoints).
    with django_assert_num_queries(29):
        received = receive_email(raw, institution, envelope_sender="elif.sahin.esenler@gmail.com")
    assert received.created and received.case is not None
