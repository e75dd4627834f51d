"""What providers send that they should not: NUL in any text, fields longer than our columns, clocks in
year 1, 1900 or 2099, and the fuzzers' favourites (2^63, year 0001, 300-character addresses).

Ayşe texts, writes on WhatsApp, tweets and mails Esenler. Whatever the provider's payload carries, a signed
delivery is recorded (NUL removed after the signature check, over-long text cut to its column) on SQLite and
PostgreSQL alike, and an implausible provider time gives way to the time we received it. A delivery that is
refused is refused whole: nothing of it is written. No delivery ever gets a 500, which a provider would
retry for ever.
"""

import datetime as dt
import hashlib
import hmac
import json
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.test import Client
from django.utils import timezone

from kentmasa.cases.models import Case, Citizen
from kentmasa.channels.desk import DeskCaseForm
from kentmasa.channels.email import intake as mail_channel
from kentmasa.channels.models import Message, Referral
from kentmasa.channels.referrals import ReferralForm
from kentmasa.channels.sms import netgsm
from kentmasa.channels.sms import views as sms_views
from kentmasa.channels.x.tests import fake_x
from kentmasa.lib.tests import fuzz

pytestmark = pytest.mark.django_db

SMS_SECRET = "paylasilan-sir"
WA_SECRET = "meta-app-secret"
WA_NUMBER_ID = "106540352242922"
X_SECRET = "kentmasa-consumer-secret"
MAILBOX = "alo153@esenler.bel.tr"
AYSE = "+905321234567"

# Year 1, 1900 and 2099 as each provider writes a time.
YEAR_1, YEAR_1900, YEAR_2099 = (
    dt.datetime(1, 1, 1, tzinfo=dt.UTC),
    dt.datetime(1900, 1, 1, tzinfo=dt.UTC),
    dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
)
ODD_CLOCKS = [YEAR_1, YEAR_1900, YEAR_2099]
ODD_CLOCK_IDS = ["year-1", "year-1900", "year-2099"]

FUZZ, FUZZ_IDS = list(fuzz.VALUES.values()), list(fuzz.VALUES)
TEXT_FUZZ, TEXT_FUZZ_IDS = list(fuzz.TEXTS.values()), list(fuzz.TEXTS)
LONG_EMAIL = fuzz.LONG_EMAIL


@pytest.fixture(autouse=True)
def channel_settings(settings, institution):
    settings.KENTMASA_SMS = {"webhook_secret": SMS_SECRET, "numbers": {"4440153": "esenler"}}
    settings.KENTMASA_WHATSAPP = {
        "VERIFY_TOKEN": "dogrulama",
        "APP_SECRET": WA_SECRET,
        "ACCESS_TOKEN": "EAAG-token",
        "PHONE_NUMBERS": {WA_NUMBER_ID: institution.slug},
        "GRAPH_URL": "http://127.0.0.1:9",  # text only: Graph is never called
        "TEMPLATE_NAME": "basvuru_guncellendi",
        "TEMPLATE_LANGUAGE": "tr",
        "TIMEOUT": 1,
    }
    settings.KENTMASA_X = {
        "CONSUMER_SECRET": X_SECRET,
        "BEARER_TOKEN": "token",
        "ACCOUNTS": {fake_x.OUR_ACCOUNT: institution.slug},
        "API_URL": "http://127.0.0.1:9",
        "MEDIA_HOSTS": [],
        "TIMEOUT": 1,
    }
    settings.KENTMASA_EMAIL = {"MAILBOXES": {MAILBOX: institution.slug}}


def nothing_written() -> bool:
    return not (Message.objects.exists() or Case.objects.exists() or Citizen.objects.exists())


class Receipt:
    """The moments around a delivery: a time 'we received it' lies between them."""

    def __enter__(self):
        self.before = timezone.now()
        return self

    def __exit__(self, *exc_info):
        self.after = timezone.now()

    def __contains__(self, moment) -> bool:
        return self.before <= moment <= self.after


# --- SMS ------------------------------------------------------------------------------------------------


def sms_post(client, payload: dict):
    body = json.dumps(payload).encode()
    return client.generic(
        "POST",
        "/kanal/sms/gelen/",
        body,
        content_type="application/json",
        headers={"X-Kentmasa-Signature": sms_views.sign(body, SMS_SECRET)},
    )


def ayse_texts(text="Sokak lambası yanmıyor", **fields) -> dict:
    return {"message_id": "netgsm-in-1", "from": "0532 123 45 67", "to": "4440153", "text": text, **fields}


def test_an_sms_with_nul_in_every_field_is_still_recorded_without_it(client):
    answer = sms_post(
        client,
        ayse_texts("Gül Sokak\x00 lambası\x00 yanmıyor", message_id="netgsm\x00-in-1", to="444\x000153"),
    )
    assert answer.status_code == 200, answer.content
    message = Message.objects.get(direction="in")
    assert (message.external_id, message.body) == ("netgsm-in-1", "Gül Sokak lambası yanmıyor")
    assert message.data["to"] == "4440153"
    case = Case.objects.get()
    assert (case.subject, case.description, case.citizen.phone) == (
        "Gül Sokak lambası yanmıyor",
        "Gül Sokak lambası yanmıyor",
        AYSE,
    )
    # The provider retries: the same (cleaned) id finds the first message.
    assert sms_post(client, ayse_texts("x\x00", message_id="netgsm\x00-in-1")).json()["status"] == "duplicate"
    assert Case.objects.count() == 1


@pytest.mark.parametrize("clock", ODD_CLOCKS, ids=ODD_CLOCK_IDS)
def test_an_sms_dated_by_an_odd_relay_clock_counts_from_when_we_received_it(client, clock):
    with Receipt() as received:
        answer = sms_post(client, ayse_texts(received_at=clock.isoformat()))
    assert answer.status_code == 200
    case = Case.objects.get()
    assert case.received_at in received
    assert case.tracking_number.startswith(timezone.localtime(case.received_at).strftime("%y"))


def test_a_plausible_relay_time_is_kept(client):
    sent = timezone.now() - dt.timedelta(hours=3)
    assert sms_post(client, ayse_texts(received_at=sent.isoformat())).status_code == 200
    assert Case.objects.get().received_at == sent


@pytest.mark.parametrize("raw", ["0000-01-01T00:00:00", "2026-13-01T10:00:00", "2026-02-30T10:00:00"])
def test_a_received_at_that_is_no_date_is_refused_and_nothing_written(client, raw):
    answer = sms_post(client, ayse_texts(received_at=raw))
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid" and "received_at" in answer.json()["message_en"]
    assert nothing_written()


@pytest.mark.parametrize("clock", ODD_CLOCKS, ids=ODD_CLOCK_IDS)
def test_a_delivery_report_from_an_odd_clock_is_dated_when_we_received_it(client, institution, clock):
    sent = Message.objects.create(
        direction="out",
        channel="sms",
        state="sent",
        institution=institution,
        address=AYSE,
        external_id="netgsm-job-7",
        body="Başvurunuz alındı.",
    )
    body = json.dumps({"message_id": "netgsm-job-7", "status": "delivered", "at": clock.isoformat()}).encode()
    with Receipt() as received:
        answer = client.generic(
            "POST",
            "/kanal/sms/rapor/",
            body,
            content_type="application/json",
            headers={"X-Kentmasa-Signature": sms_views.sign(body, SMS_SECRET)},
        )
    assert answer.status_code == 200
    sent.refresh_from_db()
    assert sent.state == "delivered" and sent.delivered_at in received


@pytest.mark.parametrize("clock", ODD_CLOCKS, ids=ODD_CLOCK_IDS)
def test_netgsm_report_and_inbox_dates_from_an_odd_clock_are_not_believed(clock):
    written = clock.astimezone(netgsm.TURKEY).strftime("%d.%m.%Y %H:%M:%S")
    assert netgsm._parse_netgsm_date(written) is None
    ten = dt.datetime(2026, 3, 18, 10, tzinfo=netgsm.TURKEY)
    assert netgsm._parse_netgsm_date("18.03.2026 10:00:00") == ten


@pytest.mark.parametrize("field", ["message_id", "from", "to", "text", "received_at"])
@pytest.mark.parametrize("value", FUZZ, ids=FUZZ_IDS)
def test_fuzzed_sms_fields_never_give_500_and_a_refusal_writes_nothing(client, field, value):
    answer = sms_post(client, ayse_texts(**{field: value}))
    assert answer.status_code < 500, answer.content
    if answer.status_code == 200:
        assert Message.objects.filter(direction="in").count() == 1
    else:
        assert answer.status_code in (400, 413) and nothing_written(), answer.content


# --- WhatsApp -------------------------------------------------------------------------------------------


def wa_post(client, payload: dict):
    body = json.dumps(payload, ensure_ascii=True).encode()
    signature = "sha256=" + hmac.new(WA_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/kanal/whatsapp/webhook/",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signature},
    )


def wa_delivery(
    text="Sokak lambası yanmıyor", *, name="Ayşe Kaya", timestamp=None, wamid="wamid.HBgM1"
) -> dict:
    message = {
        "from": "905321234567",
        "id": wamid,
        "timestamp": str(int(timezone.now().timestamp())) if timestamp is None else timestamp,
        "type": "text",
        "text": {"body": text},
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "902124401190", "phone_number_id": WA_NUMBER_ID},
        "contacts": [{"profile": {"name": name}, "wa_id": "905321234567"}],
        "messages": [message],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"value": value, "field": "messages"}]}],
    }


def test_a_whatsapp_message_with_nul_is_still_recorded_without_it(client):
    answer = wa_post(
        client, wa_delivery("Gül Sokak\x00 lambası", name="Ayşe\x00 Kaya", wamid="wamid.\x00HBgM1")
    )
    assert answer.status_code == 200, answer.content
    message = Message.objects.get(direction="in")
    assert (message.external_id, message.body) == ("wamid.HBgM1", "Gül Sokak lambası")
    assert Case.objects.get().citizen.name == "Ayşe Kaya"


@pytest.mark.parametrize("clock", ODD_CLOCKS, ids=ODD_CLOCK_IDS)
def test_a_whatsapp_message_from_an_odd_phone_clock_counts_from_when_we_received_it(client, clock):
    with Receipt() as received:
        answer = wa_post(client, wa_delivery(timestamp=str(int(clock.timestamp()))))
    assert answer.status_code == 200
    assert Case.objects.get().received_at in received


@pytest.mark.parametrize("clock", ODD_CLOCKS, ids=ODD_CLOCK_IDS)
def test_a_whatsapp_status_from_an_odd_clock_is_dated_when_we_received_it(client, institution, clock):
    sent = Message.objects.create(
        direction="out",
        channel="whatsapp",
        state="sent",
        institution=institution,
        address="905321234567",
        external_id="wamid.OUT1",
        body="Başvurunuz alındı.",
    )
    delivery = wa_delivery()
    value = delivery["entry"][0]["changes"][0]["value"]
    del value["messages"], value["contacts"]
    value["statuses"] = [
        {
            "id": "wamid.OUT1",
            "status": "delivered",
            "timestamp": str(int(clock.timestamp())),
            "recipient_id": "9053",
        }
    ]
    with Receipt() as received:
        assert wa_post(client, delivery).status_code == 200
    sent.refresh_from_db()
    assert sent.state == "delivered" and sent.delivered_at in received


def test_whatsapp_text_longer_than_any_column_is_kept_whole_in_the_text(client):
    text = "Çukur " * 20_000
    assert wa_post(client, wa_delivery(text, name="Ayşe " * 100)).status_code == 200
    message, case = Message.objects.get(direction="in"), Case.objects.get()
    assert (message.body, case.description) == (text, text.strip())
    assert (case.subject, case.citizen.name) == (text[:120].strip(), ("Ayşe " * 40).strip())


WA_FIELDS = {
    "id": ("messages", 0, "id"),
    "from": ("messages", 0, "from"),
    "timestamp": ("messages", 0, "timestamp"),
    "type": ("messages", 0, "type"),
    "text": ("messages", 0, "text", "body"),
    "profile_name": ("contacts", 0, "profile", "name"),
    "wa_id": ("contacts", 0, "wa_id"),
    "phone_number_id": ("metadata", "phone_number_id"),
}


@pytest.mark.parametrize("field", list(WA_FIELDS))
@pytest.mark.parametrize("value", FUZZ, ids=FUZZ_IDS)
def test_fuzzed_whatsapp_fields_never_give_500_and_a_refusal_writes_nothing(client, field, value):
    delivery = wa_delivery()
    *path, last = WA_FIELDS[field]
    target = delivery["entry"][0]["changes"][0]["value"]
    for key in path:
        target = target[key]
    target[last] = value
    answer = wa_post(client, delivery)
    assert answer.status_code < 500, answer.content
    if answer.status_code != 200:
        assert answer.status_code == 400 and nothing_written(), answer.content


# --- X --------------------------------------------------------------------------------------------------

ALI = ("2001", "Ali Kaya", "alikaya34")
ZEYNEP = ("2002", "Zeynep Arslan", "zeyneparslan")


def x_post(payload: dict):
    body = json.dumps(payload).encode()
    return Client().post(
        "/kanal/x/webhook/",
        data=body,
        content_type="application/json",
        HTTP_X_TWITTER_WEBHOOKS_SIGNATURE=fake_x.sign(body, X_SECRET),
    )


def alis_tweet(text="Atatürk Caddesi'nde çukur var", tweet_id="1800000000000000001", author=ALI) -> dict:
    return fake_x.tweet(tweet_id, f"@{fake_x.OUR_HANDLE} {text}", author=author)


def test_a_tweet_with_nul_is_still_recorded_without_it():
    tweet = alis_tweet("Atatürk\x00 Caddesi'nde çukur var", author=("2001", "Ali\x00 Kaya", "alikaya34"))
    answer = x_post(fake_x.mention(tweet))
    assert answer.status_code == 200 and answer.json() == {"received": 1}
    case = Case.objects.get()
    assert (case.subject, case.citizen.name) == ("Atatürk Caddesi'nde çukur var", "Ali Kaya")


@pytest.mark.parametrize("clock", ODD_CLOCKS, ids=ODD_CLOCK_IDS)
def test_a_tweet_from_an_odd_clock_counts_from_when_we_received_it(clock):
    tweet = alis_tweet()
    del tweet["timestamp_ms"]
    tweet["created_at"] = clock.strftime("%a %b %d %H:%M:%S +0000 ") + f"{clock.year:04d}"
    with Receipt() as received:
        assert x_post(fake_x.mention(tweet)).status_code == 200
    assert Case.objects.get().received_at in received


@pytest.mark.parametrize("millis", ["0", "946684799999", "4070908800000"], ids=["1970", "1999", "2099"])
def test_a_tweet_or_dm_timestamp_from_an_odd_clock_counts_from_when_we_received_it(millis):
    tweet = alis_tweet()
    tweet["timestamp_ms"] = millis
    del tweet["created_at"]  # X's milliseconds alone date it
    dm = fake_x.direct_message("1900000000000000001", "Çukur hâlâ duruyor", sender=ZEYNEP)
    dm["direct_message_events"][0]["created_timestamp"] = millis
    with Receipt() as received:
        assert x_post(fake_x.mention(tweet)).status_code == 200
        assert x_post(dm).status_code == 200
    assert [case.received_at in received for case in Case.objects.all()] == [True, True]


def test_x_ids_and_names_longer_than_our_columns_are_fitted_and_still_find_their_message():
    long_id, long_author = "9" * 400, ("1" * 400, "Ali Kaya " * 50, "alikaya34")
    tweet = alis_tweet(tweet_id=long_id, author=long_author)
    assert x_post(fake_x.mention(tweet)).json() == {"received": 1}
    message = Message.objects.get(direction="in")
    assert len(message.external_id) == 255 and len(message.address) == 320
    assert message.case.citizen.name == ("Ali Kaya " * 50)[:200].strip()
    # X delivers it again: the fitted id finds the first one.
    assert x_post(fake_x.mention(tweet)).json() == {"received": 0}
    assert Case.objects.count() == 1


X_FIELDS = {
    "id_str": ("tweet_create_events", 0, "id_str"),
    "text": ("tweet_create_events", 0, "text"),
    "created_at": ("tweet_create_events", 0, "created_at"),
    "timestamp_ms": ("tweet_create_events", 0, "timestamp_ms"),
    "user_id": ("tweet_create_events", 0, "user", "id_str"),
    "user_name": ("tweet_create_events", 0, "user", "name"),
    "screen_name": ("tweet_create_events", 0, "user", "screen_name"),
    "in_reply_to": ("tweet_create_events", 0, "in_reply_to_status_id_str"),
    "for_user_id": ("for_user_id",),
}


@pytest.mark.parametrize("field", list(X_FIELDS))
@pytest.mark.parametrize("value", FUZZ, ids=FUZZ_IDS)
def test_fuzzed_x_fields_never_give_500_and_a_refusal_writes_nothing(field, value):
    delivery = fake_x.mention(alis_tweet())
    *path, last = X_FIELDS[field]
    target = delivery
    for key in path:
        target = target[key]
    target[last] = value
    answer = x_post(delivery)
    assert answer.status_code < 500, answer.content
    if answer.status_code != 200:
        assert answer.status_code == 400 and nothing_written(), answer.content


# --- e-mail ---------------------------------------------------------------------------------------------


def ayses_mail(
    subject="Sokak lambası yanmıyor", body="Gül Sokak 4 önündeki lamba yanmıyor.", **headers
) -> bytes:
    fields = {
        "From": "Ayşe Kaya <ayse@example.com>",
        "To": MAILBOX,
        "Subject": subject,
        "Message_ID": make_msgid(domain="example.com"),
        **headers,
    }
    mail = EmailMessage()
    for name, value in fields.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail.as_bytes()


def test_a_mail_with_nul_in_its_text_and_headers_is_still_recorded_without_it(institution):
    raw = ayses_mail("Sokak\x00 lambası", "Gül Sokak\x00 4", From="Ayşe\x00 Kaya <ayse@example.com>")
    raw = raw.replace(b"Message-ID: <", b"Message-ID: <\x00")
    received = mail_channel.receive_email(raw, institution)
    message = received.message
    assert (message.subject, message.body) == ("Sokak lambası", "Gül Sokak 4")
    assert "\x00" not in message.external_id and "\x00" not in message.thread_key
    assert received.case.citizen.name == "Ayşe Kaya"
    # The mail server delivers it again: the same mail, nothing new.
    assert mail_channel.receive_email(raw, institution).created is False


@pytest.mark.parametrize(
    "date",
    ["Mon, 01 Jan 0001 00:00:00 +0000", "Mon, 01 Jan 1900 00:00:00 +0000", "Thu, 01 Jan 2099 00:00:00 +0000"],
)
def test_a_mail_dated_by_an_odd_clock_counts_from_when_we_received_it(institution, date):
    with Receipt() as received:
        case = mail_channel.receive_email(ayses_mail(Date=date), institution).case
    assert case.received_at in received


def test_a_sender_address_too_long_to_be_one_is_recorded_but_not_taken_as_her_e_mail(institution):
    received = mail_channel.receive_email(ayses_mail(From=f"Ayşe Kaya <{LONG_EMAIL}>"), institution)
    assert received.message.address == LONG_EMAIL
    assert received.case.citizen.email == "" and received.case.citizen.name == "Ayşe Kaya"


EMAIL_HEADERS = ["From", "Subject", "Message-ID", "Date", "In-Reply-To", "References", "Reply-To"]


def raw_mail(header: str, value: str) -> bytes:
    """A mail as bytes on the wire (8-bit, as some mail programs write), one header or the text fuzzed."""
    headers = {
        "From": "Ayşe Kaya <ayse@example.com>",
        "To": MAILBOX,
        "Subject": "Sokak lambası yanmıyor",
        "Message-ID": "<fuzz-1@example.com>",
        "Content-Type": "text/plain; charset=utf-8",
    }
    body = "Gül Sokak 4 önündeki lamba yanmıyor."
    if header == "body":
        body = value
    else:
        headers[header] = value
    lines = [f"{name}: {text}" for name, text in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode("utf-8")


@pytest.mark.parametrize("header", [*EMAIL_HEADERS, "body"])
@pytest.mark.parametrize("value", TEXT_FUZZ, ids=TEXT_FUZZ_IDS)
def test_fuzzed_mail_headers_and_text_are_always_recorded(institution, header, value):
    received = mail_channel.receive_email(raw_mail(header, value), institution)  # raising would answer 451
    assert received.created and Message.objects.filter(direction="in").count() == 1


# --- the desk and referral forms ------------------------------------------------------------------------


def desk_data(chosen, **overrides) -> dict:
    return {
        "citizen_name": "Mehmet Kaya",
        "citizen_phone": "0532 123 45 67",
        "citizen_tc_kimlik": "10000000146",
        "category": str(chosen.pk),
        "category_search": chosen.name,
        "kind": "petition",
        "channel": "desk",
        "subject": "Sokağımızdaki çukur kapatılsın",
        "description": "Menderes Mahallesi Atışalanı Caddesi 12 önünde derin çukur.",
        "province": "İstanbul",
        "district": "Esenler",
        "priority": "2",
        "identity_document": "id_card",
        "identity_seen": "on",
        **overrides,
    }


def referral_data(chosen, **overrides) -> dict:
    today = timezone.localdate()
    return {
        "system": "cimer",
        "external_ref": "2026/0012345",
        "reached_at": (today - dt.timedelta(days=2)).isoformat(),
        "external_due_at": (today + dt.timedelta(days=13)).isoformat(),
        "kind": "petition",
        "citizen_name": "Mehmet Kaya",
        "citizen_tc_kimlik": "10000000146",
        "citizen_address": "Menderes Mah. Atışalanı Cad. No:12 Esenler/İstanbul",
        "category": str(chosen.pk),
        "subject": "Atışalanı Caddesindeki çukur",
        "text": "Caddemizdeki çukur aylardır kapatılmadı, lütfen gereğinin yapılmasını arz ederim.",
        **overrides,
    }


def form_errors(response) -> dict:
    return response.context["form"].errors


@pytest.fixture
def ayse_at_the_desk(operator, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(operator)
    return operator


def test_the_desk_bounds_the_description_at_10000_characters(ayse_at_the_desk, client, category):
    response = client.post("/kanal/masa/", desk_data(category, description="ş" * 10_001))
    assert response.status_code == 400
    assert form_errors(response) == {
        "description": ["Bu değerin en fazla 10000 karaktere sahip olduğuna emin olun (şu an 10001)."]
    }
    assert nothing_written()
    assert client.post("/kanal/masa/", desk_data(category, description="ş" * 10_000)).status_code == 302
    assert len(Case.objects.get().description) == 10_000


def test_the_desk_refuses_nul_even_in_a_tick_box(ayse_at_the_desk, client, category):
    response = client.post("/kanal/masa/", desk_data(category, identity_seen="\x00", street="Gül\x00 Sk."))
    assert form_errors(response) == {
        "identity_seen": ["Bu değer NUL karakteri içeremez."],
        "street": ["Bu değer NUL karakteri içeremez."],
    }
    assert nothing_written()


def test_a_referral_text_and_e_mail_are_bounded(ayse_at_the_desk, client, category):
    response = client.post(
        "/kanal/cimer/", referral_data(category, text="ş" * 10_001, citizen_email=LONG_EMAIL)
    )
    assert response.status_code == 400
    assert form_errors(response) == {
        "citizen_email": ["Bu değerin en fazla 254 karaktere sahip olduğuna emin olun (şu an 308)."],
        "text": ["Bu değerin en fazla 10000 karaktere sahip olduğuna emin olun (şu an 10001)."],
    }
    assert nothing_written()


@pytest.mark.parametrize("reached", ["0001-01-01", "1900-01-01", "1999-12-31"])
def test_a_referral_cannot_have_reached_us_before_2000(ayse_at_the_desk, client, category, reached):
    response = client.post("/kanal/cimer/", referral_data(category, reached_at=reached))
    assert form_errors(response) == {"reached_at": ["Kurumumuza ulaştığı tarih 2000 yılından önce olamaz."]}
    assert nothing_written()


def _fields(form_class, user) -> list[str]:
    return list(form_class(user=user).fields)


@pytest.mark.parametrize("value", TEXT_FUZZ, ids=TEXT_FUZZ_IDS)
def test_fuzzed_desk_fields_never_give_500_and_a_refusal_writes_nothing(
    ayse_at_the_desk, client, category, value
):
    for field in _fields(DeskCaseForm, ayse_at_the_desk):
        response = client.post("/kanal/masa/", desk_data(category, **{field: value}))
        assert response.status_code < 500, field
        if response.status_code != 302:
            assert nothing_written(), field
        Case.objects.all().delete()
        Citizen.objects.all().delete()


@pytest.mark.parametrize("value", TEXT_FUZZ, ids=TEXT_FUZZ_IDS)
def test_fuzzed_referral_fields_never_give_500_and_a_refusal_writes_nothing(
    ayse_at_the_desk, client, category, value
):
    for field in _fields(ReferralForm, ayse_at_the_desk):
        response = client.post("/kanal/cimer/", referral_data(category, **{field: value}))
        assert response.status_code < 500, field
        if response.status_code != 302:
            assert nothing_written() and not Referral.objects.exists(), field
        Case.objects.all().delete()
        Citizen.objects.all().delete()
