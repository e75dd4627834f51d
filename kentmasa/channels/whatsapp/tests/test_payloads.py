"""Meta's documented Cloud API payloads (tests/fixtures/, one file per event type, each naming its source)
replayed through the real webhook with a valid signature. Ali Kaya (905321234567) writes to Esenler's line;
Zeynep has a WhatsApp username and shares no phone number; Ayşe Demir writes in the same delivery as Ali."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext
from PIL import Image

from kentmasa.cases import services
from kentmasa.cases.models import ACTIVE_STATUSES, Case, Citizen, Status
from kentmasa.channels import tasks
from kentmasa.channels.models import Message
from kentmasa.channels.whatsapp import intake
from kentmasa.channels.whatsapp.tests.conftest import fixture_json
from kentmasa.places import geocode

pytestmark = pytest.mark.django_db

ALI, ALI_PHONE = "905321234567", "+905321234567"
ZEYNEP_ID = "TR.1502576394655777"
MESSAGE_FIXTURES = [
    "text.json",
    "image.json",
    "image_caption.json",
    "location.json",
    "interactive_button_reply.json",
    "interactive_list_reply.json",
    "flow_reply.json",
    "edit.json",
    "contacts.json",
    "unsupported.json",
    "system_user_changed_number.json",
    "username_text.json",
    "reply_context.json",
    "button.json",
    "interactive_without_reply.json",
]
STATUS_FIXTURES = ["status_sent.json", "status_delivered.json", "status_read.json", "status_failed.json"]


def first_message(name: str) -> dict:
    found: dict = fixture_json(name)["entry"][0]["changes"][0]["value"]["messages"][0]
    return found


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def add_fixture_media(graph, name: str) -> str:
    """The photo a fixture names, as Graph would hand it over."""
    media_id: str = first_message(name)["image"]["id"]
    graph.media[media_id] = (jpeg(), "image/jpeg")
    return media_id


@pytest.mark.parametrize("name", MESSAGE_FIXTURES + STATUS_FIXTURES)
def test_every_documented_payload_is_accepted_and_replays_never_duplicate(replay_fixture, graph, name):
    for image in ("image.json", "image_caption.json"):
        add_fixture_media(graph, image)
    first = replay_fixture(name)
    messages, cases = Message.objects.count(), Case.objects.count()
    again = replay_fixture(name)
    assert (first.status_code, again.status_code) == (200, 200), first.content
    assert (Message.objects.count(), Case.objects.count()) == (messages, cases)


# --- 2.1: username users, and one odd message never sinks the others ---


def test_a_username_user_without_a_phone_number_is_recorded_and_answered_by_user_id(
    replay_fixture, graph, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = replay_fixture("username_text.json")
    assert answer.status_code == 200, answer.content  # was 400 "message has no from"
    case = Case.objects.get()
    assert case.citizen is not None
    assert (case.subject, case.citizen.name, case.citizen.phone) == (
        "Sokak lambası üç gündür yanmıyor",
        "Zeynep",
        "",
    )
    inbound = Message.objects.get(direction="in")
    assert (inbound.address, inbound.data["user_id"]) == (ZEYNEP_ID, ZEYNEP_ID)
    acknowledgement = Message.objects.get(direction="out", template="open")
    assert tasks.deliver(acknowledgement.pk) == "sent"
    sent = graph.sent[-1]
    assert sent["recipient"] == ZEYNEP_ID and "to" not in sent


def test_a_username_users_next_message_joins_her_case_without_recording_her_again(replay_fixture):
    replay_fixture("username_text.json")
    case = Case.objects.get()

    def next_message(payload: dict) -> None:
        message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
        message["id"] = "wamid.HBgMOTA1MzIxMjM0NTY3FQIAEhggQTEwMDAwMDEz"
        message["text"]["body"] = "Hâlâ yanmıyor"

    assert replay_fixture("username_text.json", next_message).status_code == 200
    assert Case.objects.get() == case
    assert case.events.filter(action="comment", note="Hâlâ yanmıyor").exists()
    # Her name proves nothing: the message joins her case and records nobody new.
    assert list(Citizen.objects.values_list("pk", flat=True)) == [case.citizen_id]


def test_an_interactive_message_without_a_reply_never_sinks_the_other_citizens_message(replay_fixture):
    answer = replay_fixture("interactive_without_reply.json")
    assert answer.status_code == 200, answer.content  # was 400 for the whole delivery
    case = Case.objects.get()
    assert case.citizen is not None
    assert (case.subject, case.citizen.name) == ("Otobüs durağının camı kırılmış", "Ayşe Demir")
    empty = Message.objects.get(external_id=first_message("interactive_without_reply.json")["id"])
    assert (empty.state, empty.case) == ("ignored", None)
    assert empty.last_error == "unsupported message type: interactive, interactive is not an object"


# --- 2.2: a swipe-reply to a message of a closed case ---


def closed_case_answered_by(institution, *, closed_days_ago: int) -> Case:
    """Ali's pothole, resolved with our WhatsApp answer (the message he swipes), then closed."""
    context_id = first_message("reply_context.json")["context"]["id"]
    ali = Citizen.objects.create(institution=institution, name="Ali Kaya", phone=ALI_PHONE)
    case = services.open_case(
        institution=institution, channel="whatsapp", subject="Çukur var", description="Çukur var", citizen=ali
    )
    case = services.resolve(case, actor=None, resolution="Çukur asfaltlandı.")
    case = services.close(case, actor=None)
    long_ago = timezone.now() - dt.timedelta(days=closed_days_ago)
    Case.objects.filter(pk=case.pk).update(closed_at=long_ago, resolved_at=long_ago)
    ours = Message.objects.create(
        direction="out",
        channel="whatsapp",
        state="read",
        institution=case.institution,
        case=case,
        address=ALI,
        external_id=context_id,
        body="Başvurunuz çözüldü: Çukur asfaltlandı.",
        template="resolve",
    )
    Message.objects.filter(pk=ours.pk).update(created_at=long_ago)
    return case


def test_a_swipe_reply_to_a_recently_closed_case_reopens_it(replay_fixture, institution):
    case = closed_case_answered_by(institution, closed_days_ago=2)
    assert replay_fixture("reply_context.json").status_code == 200
    case.refresh_from_db()
    assert Case.objects.count() == 1 and case.status in ACTIVE_STATUSES
    assert Message.objects.get(direction="in").case_id == case.pk


def test_a_swipe_reply_to_a_case_closed_long_ago_opens_a_new_case(replay_fixture, institution):
    case = closed_case_answered_by(institution, closed_days_ago=30)
    assert replay_fixture("reply_context.json").status_code == 200
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    new = Case.objects.exclude(pk=case.pk).get()
    assert (new.subject, new.follows_id) == ("Çukur yine açıldı, yapılan iş tutmadı", case.pk)
    assert Message.objects.get(direction="in").case_id == new.pk


# --- 2.3: photo first, location second ---


@pytest.fixture
def esenler_areas(db):
    """Boxes where the real places are: İstanbul, Esenler and its Menderes Mahallesi."""
    from kentmasa.places.address import area_key
    from kentmasa.places.models import Area

    def area(kind, name, code, west, south, east, north, parent=None):
        ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        return Area.objects.create(
            kind=kind,
            name=name,
            display_name=name,
            name_key=area_key(name),
            code=code,
            parent=parent,
            province_code="34",
            geometry=json.dumps({"type": "Polygon", "coordinates": [ring]}),
            min_lon=west,
            min_lat=south,
            max_lon=east,
            max_lat=north,
            centroid_lat=(south + north) / 2,
            centroid_lon=(west + east) / 2,
        )

    geocode.invalidate()
    istanbul = area("il", "İstanbul", "34", 28.0, 40.8, 29.5, 41.4)
    esenler = area("ilce", "Esenler", "3401", 28.85, 41.02, 28.90, 41.07, istanbul)
    area("mahalle", "Menderes Mahallesi", "340105", 28.885, 41.04, 28.895, 41.05, esenler)
    yield
    geocode.invalidate()


def test_a_location_after_the_photo_fills_il_ilce_and_mahalle(replay_fixture, graph, esenler_areas):
    add_fixture_media(graph, "image_caption.json")
    assert replay_fixture("image_caption.json").status_code == 200
    case = Case.objects.get()
    assert (case.latitude, case.neighbourhood) == (None, "")
    assert replay_fixture("location.json").status_code == 200
    case.refresh_from_db()
    assert Case.objects.count() == 1 and case.attachments.count() == 1
    assert case.latitude is not None and case.longitude is not None
    assert (float(case.latitude), float(case.longitude)) == (41.0452, 28.8913)
    assert (case.province, case.district, case.neighbourhood) == ("İstanbul", "Esenler", "Menderes Mahallesi")
    assert case.address_text == "Esenler Meydanı, Menderes Mah., Esenler, İstanbul"
    assert case.events.filter(action="locate").count() == 1


# --- 2.4: an expired Graph token never loses the photo ---


def test_a_photo_graph_refuses_with_an_expired_token_is_kept_and_fetched_later(replay_fixture, graph):
    add_fixture_media(graph, "image_caption.json")
    graph.token_expired = True  # 401, code 190
    answer = replay_fixture("image_caption.json")
    assert answer.status_code == 503  # Meta delivers again …
    case = Case.objects.get()  # … and the case is recorded already
    inbound = Message.objects.get(direction="in")
    assert case.attachments.count() == 0 and inbound.data["pending_media"]
    with translation.override("tr"):
        shown = gettext(
            "The photo or file could not be fetched from WhatsApp yet: Meta refused our access token "
            "(expired or revoked). It is kept and fetched as soon as the token is renewed."
        )
    assert shown.startswith("Fotoğraf") and shown in inbound.last_error
    assert case.events.filter(action="comment", public=False, note=shown).exists()

    assert intake.fetch_all_pending() == 0  # still refused: still kept
    inbound.refresh_from_db()
    assert inbound.data["pending_media"] and case.attachments.count() == 0

    graph.token_expired = False  # staff renewed the token
    assert intake.fetch_all_pending() == 1
    inbound.refresh_from_db()
    assert case.attachments.count() == 1 and "pending_media" not in inbound.data
    assert inbound.last_error == ""
    assert replay_fixture("image_caption.json").status_code == 200  # Meta's retry: nothing more to do
    assert case.attachments.count() == 1


# --- 2.5: Flow answers, edits, contact cards, number changes ---


def test_a_flow_reply_keeps_the_citizens_answers(replay_fixture):
    assert replay_fixture("flow_reply.json").status_code == 200
    case = Case.objects.get()
    assert (
        case.description
        == "konu: Kaldırım çökmesi\nmahalle: Menderes\naciklama: Okulun önündeki kaldırım çöktü"
    )
    assert "flow_token" not in Message.objects.get().body


def test_an_edited_message_is_recorded_on_the_case_of_the_message_it_edits(replay_fixture):
    assert replay_fixture("text.json").status_code == 200
    Message.objects.update(created_at=timezone.now() - dt.timedelta(days=3))  # outside the 24 hours
    assert replay_fixture("edit.json").status_code == 200  # was refused as unsupported
    case = Case.objects.get()
    with translation.override("tr"):
        note = gettext("Edited message: %(text)s") % {"text": "Atatürk Caddesi 14 önünde büyük bir çukur var"}
    assert note.startswith("Düzenlenen mesaj")
    assert case.events.filter(action="comment", note=note, public=True).exists()


def test_a_shared_contact_is_kept_as_text_and_never_taken_for_the_sender(replay_fixture):
    assert replay_fixture("contacts.json").status_code == 200  # was ignored as unsupported
    case = Case.objects.get()
    assert case.description == "Mehmet Usta +90 532 765 43 21"
    assert case.citizen is not None
    assert (case.citizen.name, case.citizen.phone) == ("Ali Kaya", ALI_PHONE)
    assert not Citizen.objects.filter(phone__contains="5327654321").exists()


def test_a_number_change_is_noted_on_the_latest_case_and_merges_nobody(replay_fixture):
    assert replay_fixture("text.json").status_code == 200
    case = Case.objects.get()
    assert replay_fixture("system_user_changed_number.json").status_code == 200
    notice = Message.objects.get(external_id=first_message("system_user_changed_number.json")["id"])
    assert (notice.state, notice.data["changed_number"]["new_wa_id"]) == ("ignored", "905339876543")
    note = case.events.get(action="comment", public=False).note
    assert "905321234567 → 905339876543" in note
    assert list(Citizen.objects.values_list("phone", flat=True)) == [ALI_PHONE]
    assert not Message.objects.filter(direction="out", template="unsupported").exists()


# --- statuses ---


def test_documented_statuses_move_our_message_forward(replay_fixture, institution):
    ours = Message.objects.create(
        direction="out",
        channel="whatsapp",
        state="sent",
        institution=institution,
        address=ALI,
        external_id=fixture_json("status_sent.json")["entry"][0]["changes"][0]["value"]["statuses"][0]["id"],
        body="Başvurunuz alındı.",
    )
    states = []
    for name in STATUS_FIXTURES:
        assert replay_fixture(name).status_code == 200
        ours.refresh_from_db()
        states.append(ours.state)
    assert states == ["sent", "delivered", "read", "read"]  # a late failure never undoes "read"


# --- the hot path ---


def test_one_text_intake_takes_a_fixed_number_of_queries(replay_fixture, django_assert_num_queries):
    # Pinned so a change that adds a query to every WhatsApp message is seen; the same on both databases.
    # Savepoints are queries too on both, and PostgreSQL's select_for_update is the same statement.
    with django_assert_num_queries(QUERIES_FOR_ONE_TEXT[connection.vendor]):
        assert replay_fixture("text.json").status_code == 200
    assert Case.objects.count() == 1


# With the opening's live event and the look-up of the channel's row (kentmasa.directory.channel_rows).
# +9 KVKK: the current privacy notice and the record of the version given (2); the institution's first
# opening also saves its default notice once (7 with its look-ups and savepoints).
QUERIES_FOR_ONE_TEXT = {"sqlite": 30, "postgresql": 30}
