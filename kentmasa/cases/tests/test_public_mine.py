"""Başvurularım: Ayşe proves her phone with an SMS code and sees her applications to Esenler, nothing else.

No password, no account: the code of the public form (its limits per number and address) proves the number
for 30 minutes in her browser. Listed are the cases whose applicant record holds that number as proven —
never one where the number was only typed (anyone may type anyone's number), never one linked through data
merged from elsewhere, never a KADES case, never another institution's. She answers a case waiting for her
(text and a photo): it reaches the timeline and the person holding the case by name.
"""

import datetime as dt
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from kentmasa.cases import services
from kentmasa.cases.citizens import NOTHING, STAFF, find_or_create_citizen
from kentmasa.cases.models import Attachment, Case, Channel, Citizen, Event, PhoneCode, Status
from kentmasa.cases.signals import phone_code_requested
from kentmasa.cases.views.public_mine import MINE_KEY
from kentmasa.directory.models import Category, Institution
from kentmasa.notify.models import Notification

pytestmark = pytest.mark.django_db

AYSE = "+905321234567"
MALLORY = "+905559876543"


@pytest.fixture(autouse=True)
def public_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KENTMASA_PUBLIC_RATE = "1000/d"
    settings.LANGUAGE_CODE = "tr"
    settings.KENTMASA_SENDERS = {**settings.KENTMASA_SENDERS, "sms": "kentmasa.channels.sms.sender.LogSender"}


@pytest.fixture
def codes():
    sent = []

    def keep(sender, *, code, phone, **kwargs):
        sent.append((phone, code))

    phone_code_requested.connect(keep, dispatch_uid="test-mine-codes")
    yield sent
    phone_code_requested.disconnect(dispatch_uid="test-mine-codes")


def citizen(institution, phone, *, proven=STAFF, name="Ayşe Kaya") -> Citizen:
    found = find_or_create_citizen(institution, name=name, phone=phone, proven=proven)
    assert found is not None
    return found


def open_case(institution, category, person, subject, channel=Channel.WEB, **kwargs) -> Case:
    return services.open_case(
        institution=institution, channel=channel, subject=subject, category=category, citizen=person, **kwargs
    )


def mine_url(institution) -> str:
    return reverse("public:mine", args=[institution.slug])


def prove(client: Client, institution, codes, phone="0532 123 45 67"):
    """Ask for a code and type it in, as Ayşe does."""
    response = client.post(mine_url(institution), {"phone": phone, "action": "send"})
    assert response.status_code == 200, response.content.decode()
    code = codes[-1][1]
    return client.post(mine_url(institution), {"phone": phone, "code": code, "action": "verify"})


def listed(response) -> list[str]:
    return [row["case"].tracking_number for row in response.context["rows"]]


@pytest.fixture
def world(institution, other_institution, category, road_staff):
    """Ayşe's three cases (by phone, SMS and a form where her number was typed), Mallory's, another
    institution's and a police KADES incident with her number."""
    ayse_proven = citizen(institution, AYSE)
    typed = citizen(institution, AYSE, proven=NOTHING, name="Ayşe")  # a record of its own with that case
    mallory = citizen(institution, MALLORY, name="Mallory")
    old = open_case(
        institution,
        category,
        ayse_proven,
        "Park lambası yanmıyor",
        channel=Channel.PHONE,
        received_at=dt.datetime.fromisoformat("2026-03-01T10:00+03:00"),
    )
    waiting = open_case(institution, category, ayse_proven, "Kaldırım çöktü", channel=Channel.SMS)
    services.assign(waiting, actor=None, assignee=road_staff)
    services.ask_citizen(waiting, actor=road_staff, question="Hangi binanın önünde?")
    from_form = open_case(institution, category, typed, "Çöp toplanmadı")
    his = open_case(institution, category, mallory, "Mallory'nin başvurusu")
    kayseri_topic = Category.objects.create(institution=other_institution, name="Yol", unit=None)
    elsewhere = open_case(
        other_institution, kayseri_topic, citizen(other_institution, AYSE), "Kayseri'deki yol"
    )
    kades = open_case(institution, category, ayse_proven, "KADES ihbarı", channel=Channel.KADES)
    return {
        "old": old,
        "waiting": Case.objects.get(pk=waiting.pk),
        "form": from_form,
        "his": his,
        "elsewhere": elsewhere,
        "kades": kades,
    }


# --- proving the phone


def test_without_a_proven_phone_nothing_is_listed(client, institution, world):
    response = client.get(mine_url(institution))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="mine-form"' in page and "rows" not in response.context
    for case in world.values():
        assert case.subject not in page
    # The case and answer pages send an unproven browser to the code first.
    waiting = world["waiting"]
    for name in ("public:mine_case", "public:mine_answer"):
        url = reverse(name, args=[institution.slug, waiting.tracking_number])
        assert client.get(url)["Location"] == mine_url(institution)
    assert client.post(
        reverse("public:mine_answer", args=[institution.slug, waiting.tracking_number]), {"text": "X"}
    )["Location"] == mine_url(institution)
    assert Case.objects.get(pk=waiting.pk).status == Status.WAITING_CITIZEN


def test_a_wrong_code_lists_nothing_and_says_so(client, institution, world, codes):
    client.post(mine_url(institution), {"phone": "0532 123 45 67", "action": "send"})

    response = client.post(
        mine_url(institution), {"phone": "0532 123 45 67", "code": "000000", "action": "verify"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["code"] == [
        "Kod yanlış ya da süresi dolmuş. Yeni bir kod isteyin."
    ]
    assert MINE_KEY not in client.session
    assert client.get(mine_url(institution)).context.get("rows") is None


def test_her_code_shows_her_own_cases_of_this_institution_only(client, institution, world, codes):
    response = prove(client, institution, codes)
    assert response.status_code == 302 and response["Location"] == mine_url(institution)
    assert codes == [(AYSE, codes[0][1])]  # the code went to the number typed

    page = client.get(mine_url(institution))

    # Newest first: the SMS case, then the phone call of March; not the form's, where her number was typed.
    assert listed(page) == [
        world["waiting"].tracking_number,
        world["old"].tracking_number,
    ]
    text = page.content.decode()
    assert "Mallory" not in text and "Kayseri'deki yol" not in text and "KADES" not in text
    assert "0532 *** ** 67" in text and "0532 123 45 67" not in text  # her number masked
    rows = {row["case"].tracking_number: row for row in page.context["rows"]}
    waiting = rows[world["waiting"].tracking_number]
    assert waiting["waiting"] and str(waiting["status_label"]) == "Sizden bilgi bekleniyor"
    assert reverse("public:mine_answer", args=[institution.slug, world["waiting"].tracking_number]) in text
    old = world["old"]
    assert old.due_at is not None
    assert timezone.localtime(old.due_at).strftime("%d.%m.%Y %H:%M") in text  # its deadline


def test_a_kades_incident_never_appears_even_at_the_police(client, codes, db):
    police = Institution.objects.create(
        slug="eskisehir-emniyet", name="Eskişehir İl Emniyet Müdürlüğü", kind=Institution.Kind.POLICE
    )
    her = citizen(police, AYSE)
    open_case(police, None, her, "KADES ihbarı", channel=Channel.KADES)
    ordinary = open_case(police, None, her, "Gürültü şikâyeti", channel=Channel.PHONE)
    session = client.session
    session[MINE_KEY] = {"institution": police.pk, "phone": AYSE, "at": int(time.time())}
    session.save()

    response = client.get(mine_url(police))

    assert listed(response) == [ordinary.tracking_number]
    assert "KADES" not in response.content.decode()


def test_the_kades_case_cannot_be_opened_or_answered_by_its_number(client, institution, world, codes):
    prove(client, institution, codes)
    kades = world["kades"]
    for name in ("public:mine_case", "public:mine_answer"):
        assert client.get(reverse(name, args=[institution.slug, kades.tracking_number])).status_code == 404


def test_the_proof_is_for_this_institution_and_lasts_thirty_minutes(
    client, institution, other_institution, world, codes, settings
):
    prove(client, institution, codes)
    assert client.get(mine_url(other_institution)).context.get("rows") is None

    session = client.session
    session[MINE_KEY] = {**session[MINE_KEY], "at": int(time.time()) - settings.KENTMASA_MY_CASES_SECONDS}
    session.save()

    assert client.get(mine_url(institution)).context.get("rows") is None
    assert MINE_KEY not in client.session


def test_proving_gives_a_new_session_and_closing_forgets_it(client, institution, world, codes):
    client.get(mine_url(institution))
    before = client.session.session_key
    prove(client, institution, codes)
    assert client.session.session_key != before

    client.post(reverse("public:mine_forget", args=[institution.slug]))

    assert MINE_KEY not in client.session
    assert client.get(mine_url(institution)).context.get("rows") is None


def test_codes_keep_the_forms_limits_per_number(client, institution, codes, settings):
    settings.KENTMASA_PHONE_CODE_LIMITS = {**settings.KENTMASA_PHONE_CODE_LIMITS, "per_number_hour": 2}
    answers = [
        client.post(mine_url(institution), {"phone": "0532 123 45 67", "action": "send"}).status_code
        for _ in range(3)
    ]
    assert answers == [200, 200, 429]
    assert PhoneCode.objects.count() == 2


def test_codes_go_only_to_turkish_mobiles_and_bad_numbers_change_nothing(client, institution, codes):
    for phone in ("0212 440 11 90", "abc", ""):
        response = client.post(mine_url(institution), {"phone": phone, "action": "send"})
        assert response.status_code == 400
    assert codes == [] and PhoneCode.objects.count() == 0


def test_posts_are_rate_limited(client, institution, settings):
    settings.KENTMASA_PUBLIC_RATE = "2/m"
    answers = [
        client.post(mine_url(institution), {"phone": "x", "action": "send"}).status_code for _ in range(3)
    ]
    assert answers[-1] == 429


def test_the_list_is_paginated(client, institution, category, codes):
    her = citizen(institution, AYSE)
    for number in range(23):
        open_case(institution, category, her, f"Başvuru {number}")
    prove(client, institution, codes)

    first = client.get(mine_url(institution))
    second = client.get(mine_url(institution), {"sayfa": "2"})
    nonsense = client.get(mine_url(institution), {"sayfa": "çok"})

    assert len(listed(first)) == 20 and len(listed(second)) == 3
    assert listed(nonsense) == listed(first)
    assert set(listed(first)).isdisjoint(listed(second))


def test_the_list_costs_a_fixed_number_of_queries(
    client, institution, category, codes, django_assert_max_num_queries
):
    her = citizen(institution, AYSE)
    for number in range(20):
        open_case(institution, category, her, f"Başvuru {number}")
    prove(client, institution, codes)
    with django_assert_max_num_queries(8):
        client.get(mine_url(institution))


# --- answering a case that waits for her


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 80, 40)).save(out, format="JPEG")
    return out.getvalue()


def test_her_answer_with_a_photo_reaches_the_timeline_and_the_assignee_by_name(
    client, institution, world, codes, road_staff, django_capture_on_commit_callbacks
):
    prove(client, institution, codes)
    waiting = world["waiting"]
    url = reverse("public:mine_answer", args=[institution.slug, waiting.tracking_number])
    page = client.get(url)
    assert "Hangi binanın önünde?" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "text": "Atışalanı Caddesi 12 numaranın önünde.",
                "photo": SimpleUploadedFile("bina.jpg", jpeg(), content_type="image/jpeg"),
            },
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("public:track_case", args=[waiting.tracking_number])
    case = Case.objects.get(pk=waiting.pk)
    assert case.status == Status.IN_PROGRESS and case.paused_at is None
    answered = case.events.get(action="citizen_answered")
    assert answered.note == "Atışalanı Caddesi 12 numaranın önünde." and answered.actor is None
    photo = Attachment.objects.get(case=case)
    assert photo.event_id == answered.pk and photo.public and photo.uploaded_by is None
    [told] = Notification.objects.filter(case=case, kind="citizen_message")
    assert told.user == road_staff
    # The tracking page opens in her browser and shows the answer and the photo.
    track = client.get(response["Location"]).content.decode()
    assert 'data-action="citizen_answered"' in track
    assert reverse("public:photo", args=[case.tracking_number, photo.pk]) in track


def test_a_case_nobody_holds_tells_the_units_manager(
    client, institution, category, codes, road_manager, road_staff, django_capture_on_commit_callbacks
):
    case = open_case(institution, category, citizen(institution, AYSE), "Ağaç devrildi")
    services.ask_citizen(case, actor=road_staff, question="Ağaç yolu kapatıyor mu?")
    prove(client, institution, codes)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("public:mine_answer", args=[institution.slug, case.tracking_number]), {"text": "Evet."}
        )

    assert list(
        Notification.objects.filter(case=case, kind="citizen_message").values_list("user", flat=True)
    ) == [road_manager.pk]


def test_a_case_that_does_not_wait_for_her_takes_no_answer(client, institution, world, codes):
    prove(client, institution, codes)
    old = world["old"]
    url = reverse("public:mine_answer", args=[institution.slug, old.tracking_number])
    before = Event.objects.filter(case=old).count()

    assert client.get(url)["Location"] == mine_url(institution)
    response = client.post(url, {"text": "Bir şey daha"})

    assert response.status_code == 409
    assert Event.objects.filter(case=old).count() == before


def test_she_cannot_answer_mallorys_case_or_open_it(client, institution, world, codes):
    prove(client, institution, codes)
    his = world["his"]
    services.ask_citizen(his, actor=None, question="?")
    for name in ("public:mine_case", "public:mine_answer"):
        url = reverse(name, args=[institution.slug, his.tracking_number])
        assert client.get(url).status_code == 404
        assert client.post(url, {"text": "x"}).status_code in (404, 405)
    assert Case.objects.get(pk=his.pk).status == Status.WAITING_CITIZEN


def test_a_case_where_her_number_was_only_typed_is_not_hers_to_see_or_answer(
    client, institution, category, world, codes, road_staff
):
    """Mallory typed Ayşe's number on a form (unverified): Ayşe proving that number neither lists his case nor
    opens nor answers it; once staff record the number as proven on that record, it is hers."""
    typed = Citizen.objects.create(institution=institution, name="Mallory", phone=AYSE)
    assert not typed.phone_verified
    stranger = open_case(institution, category, typed, "Yazılan numara ile başvuru")
    services.assign(stranger, actor=None, assignee=road_staff)
    services.ask_citizen(stranger, actor=road_staff, question="Adresiniz?")
    prove(client, institution, codes)

    assert stranger.tracking_number not in listed(client.get(mine_url(institution)))
    for name in ("public:mine_case", "public:mine_answer"):
        url = reverse(name, args=[institution.slug, stranger.tracking_number])
        assert client.get(url).status_code == 404
        assert client.post(url, {"text": "Benim cevabım"}).status_code in (404, 405)
    assert Case.objects.get(pk=stranger.pk).status == Status.WAITING_CITIZEN
    assert not Event.objects.filter(case=stranger, note__contains="Benim cevabım").exists()

    Citizen.objects.filter(pk=typed.pk).update(phone_verified=True)
    assert stranger.tracking_number in listed(client.get(mine_url(institution)))
    opened = client.get(reverse("public:mine_case", args=[institution.slug, stranger.tracking_number]))
    assert opened.status_code == 302 and opened["Location"] == reverse(
        "public:track_case", args=[stranger.tracking_number]
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x" * 5001}, "text"),
        ({"text": "Ek", "photo": SimpleUploadedFile("a.jpg", b"MZ" + bytes(100))}, "photo"),
    ],
)
def test_a_bad_answer_changes_nothing(client, institution, world, codes, data, field):
    prove(client, institution, codes)
    waiting = world["waiting"]
    url = reverse("public:mine_answer", args=[institution.slug, waiting.tracking_number])

    response = client.post(url, data)

    assert response.status_code == 400 and field in response.context["form"].errors
    assert Case.objects.get(pk=waiting.pk).status == Status.WAITING_CITIZEN
    assert not Attachment.objects.filter(case=waiting).exists()


def test_opening_a_case_from_the_list_lets_her_track_it(client, institution, world, codes):
    prove(client, institution, codes)
    old = world["old"]

    response = client.get(reverse("public:mine_case", args=[institution.slug, old.tracking_number]))

    assert response["Location"] == reverse("public:track_case", args=[old.tracking_number])
    assert client.get(response["Location"]).status_code == 200
