"""Typed contact data never takes over a citizen's record; a phone proven by SMS code links the history.

Ayşe is known to the Esenler call centre (staff recorded her phone and e-mail). Mallory knows her e-mail
address and her TC kimlik no and uses the public form with his own phone.
"""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kentmasa.cases import phone_codes, services
from kentmasa.cases.citizens import STAFF, find_or_create_citizen
from kentmasa.cases.models import Case, Citizen, Kind, PhoneCode
from kentmasa.cases.signals import phone_code_requested
from kentmasa.channels.models import Message
from kentmasa.channels.replies import reply_channel
from kentmasa.directory.models import Category

AYSE_PHONE = "+905321234567"
AYSE_EMAIL = "ayse.kaya@example.com"
AYSE_TC = "10000000146"
MALLORY_PHONE = "+905559998877"


@pytest.fixture(autouse=True)
def public_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KENTMASA_PUBLIC_RATE = "1000/d"
    settings.LANGUAGE_CODE = "tr"
    settings.KENTMASA_SENDERS = {**settings.KENTMASA_SENDERS, "sms": "kentmasa.channels.sms.sender.LogSender"}


@pytest.fixture
def codes():
    """The codes as they leave for the SMS sender (the signal the channels app sends them through)."""
    sent = []

    def keep(sender, *, code, **kwargs):
        sent.append(code)

    phone_code_requested.connect(keep, dispatch_uid="test-codes")
    yield sent
    phone_code_requested.disconnect(dispatch_uid="test-codes")


@pytest.fixture
def ayse(institution):
    return find_or_create_citizen(
        institution, name="Ayşe Kaya", tc_kimlik=AYSE_TC, phone=AYSE_PHONE, email=AYSE_EMAIL, proven=STAFF
    )


def application(category, **overrides) -> dict:
    data = {
        "kind": Kind.COMPLAINT,
        "category": category.pk,
        "subject": "Sokak lambası yanmıyor",
        "text": "Atışalanı Caddesi 12 önündeki sokak lambası bir haftadır yanmıyor.",
        "name": "Ayşe Kaya",
        "phone": "",
        "email": "",
        "tc_kimlik": "",
        "kvkk": "on",
    }
    data.update(overrides)
    return data


def apply(client: Client, institution, category, **overrides) -> Case:
    before = set(Case.objects.values_list("pk", flat=True))
    response = client.post(
        reverse("public:form", args=[institution.slug]), application(category, **overrides)
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    (case,) = Case.objects.exclude(pk__in=before)
    return case


def snapshot(citizen: Citizen) -> dict:
    citizen.refresh_from_db()
    return {
        field: getattr(citizen, field)
        for field in ("name", "tc_kimlik", "phone", "email", "address", "phone_verified", "email_verified")
    }


# --- the hijack of the first outside check


def test_a_stranger_with_her_email_and_his_phone_gets_a_record_of_his_own(
    client, institution, category, ayse
):
    before = snapshot(ayse)

    case = apply(client, institution, category, name="Ayşe Kaya", email=AYSE_EMAIL, phone="0555 999 88 77")

    assert case.citizen_id != ayse.pk
    assert snapshot(ayse) == before
    assert (case.citizen.phone, case.citizen.phone_verified, case.citizen.email_verified) == (
        MALLORY_PHONE,
        False,
        False,
    )
    # Ayşe's next case, from the call centre, is answered on her own phone, not Mallory's.
    her_next = services.open_case(
        institution=institution, channel="phone", subject="Çukur", description="Yolda çukur", citizen=ayse
    )
    assert reply_channel(her_next) == ("sms", AYSE_PHONE)


def test_a_typed_tc_kimlik_no_never_attaches_the_case_to_that_person(client, institution, category, ayse):
    case = apply(client, institution, category, name="Mallory", tc_kimlik=AYSE_TC, phone="0555 999 88 77")

    assert case.citizen_id != ayse.pk
    assert Case.objects.filter(citizen=ayse).count() == 0
    assert case.citizen.tc_kimlik == AYSE_TC and not case.citizen.tc_kimlik_verified
    # The receipt goes to the phone typed with it, never to Ayşe's.
    assert reply_channel(case) == ("sms", MALLORY_PHONE)
    assert Citizen.objects.filter(institution=institution, tc_kimlik=AYSE_TC).count() == 2


def test_unproven_records_are_never_found_again_even_by_the_same_typed_data(client, institution, category):
    first = apply(client, institution, category, phone="0532 123 45 67", email=AYSE_EMAIL)
    second = apply(client, institution, category, phone="0532 123 45 67", email=AYSE_EMAIL)
    assert first.citizen_id != second.citizen_id


def test_staff_may_still_match_and_merge(institution, ayse):
    found = find_or_create_citizen(
        institution, name="", phone=AYSE_PHONE, address="Menderes Mah.", proven=STAFF
    )
    assert found.pk == ayse.pk and found.address == "Menderes Mah."


def test_a_proven_phone_finds_only_a_record_whose_phone_is_proven(institution):
    typed = find_or_create_citizen(institution, name="Mallory", phone=AYSE_PHONE)  # a public form, unproven
    proven = find_or_create_citizen(institution, phone=AYSE_PHONE, proven={"phone"})  # Ayşe texts us
    assert proven.pk != typed.pk and proven.phone_verified
    again = find_or_create_citizen(institution, phone=AYSE_PHONE, proven={"phone"})
    assert again.pk == proven.pk


def test_a_proven_match_takes_no_unproven_contact_data(institution, ayse):
    ayse.email, ayse.email_verified = "", False
    ayse.save()
    found = find_or_create_citizen(
        institution, name="Ayşe Kaya", phone=AYSE_PHONE, email="mallory@example.com", proven={"phone"}
    )
    assert found.pk == ayse.pk
    found.refresh_from_db()
    assert found.email == ""


# --- proving a phone on the public form


def test_a_phone_proven_by_code_links_the_case_to_her_history(client, institution, category, ayse, codes):
    sent = client.post(
        reverse("public:phone_code", args=[institution.slug]),
        {"phone": "0532 123 45 67"},
        HTTP_ACCEPT="application/json",
    )
    assert sent.status_code == 200 and sent.json()["ok"] is True
    assert "0532 123 45 67" in sent.json()["message"]
    (code,) = codes

    case = apply(
        client, institution, category, phone="0532 123 45 67", email="baska@example.com", phone_code=code
    )

    assert case.citizen_id == ayse.pk
    ayse.refresh_from_db()
    assert ayse.email == AYSE_EMAIL  # the typed e-mail did not replace or join hers


def test_the_code_is_stored_only_as_a_hash_and_the_sms_record_hides_it(client, institution, codes):
    client.post(reverse("public:phone_code", args=[institution.slug]), {"phone": "0532 123 45 67"})
    (code,) = codes

    entry = PhoneCode.objects.get()
    assert code not in entry.code_hash and len(entry.code_hash) == 64
    message = Message.objects.get(template="phone_code")
    assert message.address == AYSE_PHONE and message.state == Message.State.SENT
    assert code not in message.body and "••••••" in message.body


def test_a_wrong_code_is_refused_with_a_clear_error_and_nothing_is_written(
    client, institution, category, ayse
):
    phone_codes.request_code(institution, AYSE_PHONE, "198.51.100.1")
    before = Case.objects.count()
    response = client.post(
        reverse("public:form", args=[institution.slug]),
        application(category, phone="0532 123 45 67", phone_code="000000"),
    )
    assert response.status_code == 200 and Case.objects.count() == before
    assert "Kod yanlış ya da süresi dolmuş" in response.content.decode()


def test_a_code_expires_after_five_minutes(institution, codes):
    now = timezone.now()
    phone_codes.request_code(institution, AYSE_PHONE, "198.51.100.1", now=now)
    (code,) = codes
    assert phone_codes.confirm(institution, AYSE_PHONE, code, now=now + dt.timedelta(seconds=299))
    assert not phone_codes.confirm(institution, AYSE_PHONE, code, now=now + dt.timedelta(seconds=301))


def test_five_wrong_tries_spend_the_code(institution, codes):
    phone_codes.request_code(institution, AYSE_PHONE, "198.51.100.1")
    (code,) = codes
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert [phone_codes.confirm(institution, AYSE_PHONE, wrong) for _ in range(5)] == [False] * 5
    assert not phone_codes.confirm(institution, AYSE_PHONE, code)


def test_codes_are_limited_per_number_per_hour_and_per_day(institution):
    now = timezone.now()
    for i in range(3):
        phone_codes.request_code(institution, AYSE_PHONE, f"198.51.100.{i}", now=now)
    with pytest.raises(phone_codes.CodeRefused) as refused:
        phone_codes.request_code(institution, AYSE_PHONE, "198.51.100.9", now=now)
    assert 0 < refused.value.retry_after <= 3600
    later = now + dt.timedelta(hours=1, seconds=1)
    for i in range(2):
        phone_codes.request_code(institution, AYSE_PHONE, f"198.51.100.{10 + i}", now=later)
    with pytest.raises(phone_codes.CodeRefused):  # five a day
        phone_codes.request_code(institution, AYSE_PHONE, "198.51.100.20", now=later + dt.timedelta(hours=2))
    assert PhoneCode.objects.count() == 5


def test_codes_are_limited_per_address_per_hour_and_per_day(institution):
    now = timezone.now()
    numbers = [f"+90532000{i:04d}" for i in range(20)]
    for number in numbers[:5]:
        phone_codes.request_code(institution, number, "198.51.100.1", now=now)
    with pytest.raises(phone_codes.CodeRefused):
        phone_codes.request_code(institution, numbers[5], "198.51.100.1", now=now)
    # Another address is not affected.
    phone_codes.request_code(institution, numbers[5], "203.0.113.1", now=now)
    later = now + dt.timedelta(hours=1, seconds=1)
    for number in numbers[6:11]:
        phone_codes.request_code(institution, number, "198.51.100.1", now=later)
    with pytest.raises(phone_codes.CodeRefused):  # ten a day
        phone_codes.request_code(institution, numbers[12], "198.51.100.1", now=later + dt.timedelta(hours=2))


def test_codes_go_only_to_turkish_mobile_numbers(client, institution):
    for number in ("0212 440 11 90", "+44 7700 900123"):
        response = client.post(
            reverse("public:phone_code", args=[institution.slug]),
            {"phone": number},
            HTTP_ACCEPT="application/json",
        )
        assert response.status_code == 400 and response.json()["ok"] is False
    assert PhoneCode.objects.count() == 0 and not Message.objects.exists()


def test_the_limit_answers_429_with_retry_after_in_turkish(client, institution):
    url = reverse("public:phone_code", args=[institution.slug])
    for _ in range(3):
        client.post(url, {"phone": "0532 123 45 67"}, HTTP_ACCEPT="application/json")
    response = client.post(url, {"phone": "0532 123 45 67"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Çok fazla kod istendi" in response.json()["message"]


def test_without_script_the_button_gives_the_form_back_filled_in(client, institution, category):
    response = client.post(
        reverse("public:phone_code", args=[institution.slug]),
        application(category, phone="0532 123 45 67", subject="Lamba"),
    )
    page = response.content.decode()
    assert response.status_code == 200 and 'value="Lamba"' in page
    assert "numarasına bir kod gönderdik" in page and Case.objects.count() == 0


# --- copied into another institution by a transfer


def test_a_transfer_copies_unproven_data_onto_a_record_of_its_own(
    client, institution, other_institution, category, operator
):
    known = find_or_create_citizen(other_institution, name="Ayşe Kaya", email=AYSE_EMAIL, proven=STAFF)
    case = apply(client, institution, category, email=AYSE_EMAIL, phone="0555 999 88 77")
    target = Category.objects.create(institution=other_institution, name="Aydınlatma")

    moved = services.transfer(case, actor=operator, institution=other_institution, category=target)

    assert moved.citizen.institution_id == other_institution.pk
    assert moved.citizen_id != known.pk
    known.refresh_from_db()
    assert known.phone == ""


def test_a_transfer_links_a_proven_phone_there(institution, other_institution, operator, category):
    there = find_or_create_citizen(other_institution, name="Ayşe Kaya", phone=AYSE_PHONE, proven=STAFF)
    here = find_or_create_citizen(institution, phone=AYSE_PHONE, proven={"phone"})
    case = services.open_case(
        institution=institution, channel="sms", subject="Çukur", description="Yolda çukur", citizen=here
    )
    target = Category.objects.create(institution=other_institution, name="Yol")
    moved = services.transfer(case, actor=operator, institution=other_institution, category=target)
    assert moved.citizen_id == there.pk


# --- found by the outside review of this change


def test_picking_a_typed_record_at_the_console_puts_the_callers_own_number_on_it(
    client, institution, category, operator
):
    # Mallory typed Ayşe's TC kimlik no with his own phone; Ayşe calls, the operator finds that record by
    # her TC kimlik no and records her real number.
    typed = apply(client, institution, category, name="Ayşe Kaya", tc_kimlik=AYSE_TC, phone="0555 999 88 77")
    client.force_login(operator)
    response = client.post(
        "/konsol/",
        {
            "citizen": str(typed.citizen_id),
            "citizen_name": "Ayşe Kaya",
            "citizen_phone": "0532 123 45 67",
            "citizen_tc_kimlik": AYSE_TC,
            "citizen_email": "",
            "category": str(category.pk),
            "category_search": category.name,
            "kind": "complaint",
            "channel": "phone",
            "subject": "Çukur",
            "description": "Okul önünde çukur.",
            "priority": "2",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    case = Case.objects.latest("pk")
    assert case.citizen_id == typed.citizen_id
    assert (case.citizen.phone, case.citizen.phone_verified) == (AYSE_PHONE, True)
    assert reply_channel(case) == ("sms", AYSE_PHONE)


def test_a_proven_identifier_is_never_overwritten(institution, ayse):
    from kentmasa.cases.citizens import fill_in

    fill_in(ayse, phone=MALLORY_PHONE)
    ayse.refresh_from_db()
    assert ayse.phone == AYSE_PHONE


def test_parallel_guesses_get_no_more_than_five_tries(institution, codes):
    phone_codes.request_code(institution, AYSE_PHONE, "198.51.100.1")
    (code,) = codes
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    entry = PhoneCode.objects.get()
    PhoneCode.objects.filter(pk=entry.pk).update(failures=4)  # four wrong guesses already made
    assert not phone_codes.confirm(institution, AYSE_PHONE, wrong)  # the fifth spends the last try
    assert not phone_codes.confirm(institution, AYSE_PHONE, code)
    assert PhoneCode.objects.get().failures == 5


def test_a_strangers_new_code_does_not_void_the_one_she_is_typing(institution, codes):
    phone_codes.request_code(institution, AYSE_PHONE, "203.0.113.9")  # Ayşe asks
    phone_codes.request_code(institution, AYSE_PHONE, "198.51.100.1")  # a stranger asks for her number
    hers, _theirs = codes
    assert phone_codes.confirm(institution, AYSE_PHONE, hers)


def test_ipv6_clients_are_counted_by_their_64_network(client, institution):
    url = reverse("public:phone_code", args=[institution.slug])
    for i in range(5):
        client.post(url, {"phone": f"0532 000 00 0{i}"}, REMOTE_ADDR=f"2001:db8:1:2::{i + 1}")
    sixth = client.post(url, {"phone": "0532 000 00 09"}, REMOTE_ADDR="2001:db8:1:2:ffff::1")
    assert sixth.status_code == 429
    assert client.post(url, {"phone": "0532 000 00 09"}, REMOTE_ADDR="2001:db8:1:3::1").status_code == 200
