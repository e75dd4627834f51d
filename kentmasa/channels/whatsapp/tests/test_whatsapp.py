"""WhatsApp end to end: Meta's signed deliveries into cases, and answers out through a Graph API on this
machine (real HTTP, see fake_graph). Ali Kaya reports a pothole from his phone on Esenler's line."""

import datetime as dt
import hashlib
import hmac
import io
import json
import time

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from PIL import Image

from kentmasa.cases import services
from kentmasa.cases.attachments import add_attachment
from kentmasa.cases.models import Case, Status
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.channels import replies, tasks
from kentmasa.channels.models import Message
from kentmasa.channels.whatsapp import collage, sender
from kentmasa.channels.whatsapp.conf import DEFAULT_GRAPH_VERSION
from kentmasa.channels.whatsapp.tests.conftest import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    URL,
    VERIFY_TOKEN,
)
from kentmasa.channels.whatsapp.tests.fake_graph import UNDELIVERABLE, FakeGraph, graph_error

pytestmark = pytest.mark.django_db

ALI = "905321234567"
RED, GREEN = (200, 30, 30), (30, 160, 60)


# --- Meta's side: payloads shaped as the Cloud API webhooks document them ---


def delivery(*messages, statuses=(), wa_id=ALI, name="Ali Kaya", phone_number_id=PHONE_NUMBER_ID) -> dict:
    value: dict[str, object] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "902124401190", "phone_number_id": phone_number_id},
    }
    if messages:
        value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


def message(wamid: str, kind: str, content: dict | None = None, *, wa_id=ALI, context: str = "") -> dict:
    data = {"from": wa_id, "id": wamid, "timestamp": str(int(time.time())), "type": kind}
    if content is not None:
        data[kind] = content
    if context:
        data["context"] = {"from": "902124401190", "id": context}
    return data


def text(wamid: str, body: str, **kwargs) -> dict:
    return message(wamid, "text", {"body": body}, **kwargs)


def image(wamid: str, media_id: str, caption: str = "", **kwargs) -> dict:
    content = {"mime_type": "image/jpeg", "sha256": "x", "id": media_id}
    if caption:
        content["caption"] = caption
    return message(wamid, "image", content, **kwargs)


def location(wamid: str, latitude, longitude, name: str = "", address: str = "") -> dict:
    content = {"latitude": latitude, "longitude": longitude}
    if name:
        content.update(name=name, address=address)
    return message(wamid, "location", content)


def status(wamid: str, state: str, errors=None) -> dict:
    data = {"id": wamid, "status": state, "timestamp": str(int(time.time())), "recipient_id": ALI}
    if errors:
        data["errors"] = errors
    return data


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def picture(colour, size=(640, 480), kind="JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=kind)
    return out.getvalue()


# --- fixtures ---


@pytest.fixture
def deliver(client):
    def post(payload, *, signature=None, raw: bytes | None = None):
        body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
        headers = {} if signature is False else {"X-Hub-Signature-256": signature or sign(body)}
        return client.post(URL, data=body, content_type="application/json", headers=headers)

    return post


def send_reply(case: Case, action: str) -> Message:
    """What the worker does after the event is announced: make the reply and send it."""
    event = case.events.filter(action=action).last()
    assert event is not None
    reply = replies.make_reply(case, event)
    assert reply is not None and reply.channel == "whatsapp"
    tasks.deliver(reply.pk)
    reply.refresh_from_db()
    return reply


# --- the handshake and the signature ---


def test_meta_subscribes_with_our_verify_token(client):
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    answer = client.get(URL, query)
    assert (answer.status_code, answer.content, answer["Content-Type"]) == (200, b"1158201444", "text/plain")
    assert client.get(URL, {**query, "hub.verify_token": "guessed"}).status_code == 403
    assert client.get(URL, {**query, "hub.mode": "unsubscribe"}).status_code == 403
    assert client.get(URL).status_code == 403


def test_without_a_verify_token_configured_nobody_subscribes(client, settings):
    settings.KENTMASA_WHATSAPP = {**settings.KENTMASA_WHATSAPP, "VERIFY_TOKEN": ""}
    assert (
        client.get(URL, {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}).status_code
        == 403
    )


def test_unsigned_forged_or_tampered_deliveries_are_refused_and_change_nothing(deliver, settings):
    payload = delivery(text("wamid.forged", "Sahte ihbar"))
    body = json.dumps(payload).encode()
    assert deliver(payload, signature=False).status_code == 403
    assert deliver(payload, signature="sha256=" + "0" * 64).status_code == 403
    assert deliver(payload, signature=sign(body, "another-app")).status_code == 403
    assert deliver(None, raw=body.replace(b"Sahte", b"Gercek"), signature=sign(body)).status_code == 403
    assert deliver(payload, signature=sign(body).removeprefix("sha256=")).status_code == 403
    settings.KENTMASA_WHATSAPP = {**settings.KENTMASA_WHATSAPP, "APP_SECRET": ""}
    assert deliver(payload, signature=sign(body, "")).status_code == 403  # no secret: nothing is trusted
    assert not Message.objects.exists() and not Case.objects.exists()


def test_malformed_deliveries_get_a_clear_400_and_change_nothing(deliver):
    assert deliver(None, raw=b"{not json").status_code == 400
    assert deliver({"entry": "x"}).status_code == 400
    no_number = delivery(text("wamid.1", "Çukur var"))
    del no_number["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"]
    answer = deliver(no_number)
    assert answer.status_code == 400 and b"metadata has no phone_number_id" in answer.content
    assert not Message.objects.exists() and not Case.objects.exists()


def test_one_odd_message_is_noted_and_never_sinks_the_others(deliver):
    # Issue 9 (2.1): a photo without its media id and a place off the globe used to refuse the whole
    # delivery with 400, Ali's readable text included. Each message now stands alone.
    broken_photo = message("wamid.2", "image", {"mime_type": "image/jpeg"})  # no media id
    answer = deliver(delivery(text("wamid.1", "Çukur var"), broken_photo, location("wamid.3", 91.5, 35.3)))
    assert answer.status_code == 200
    case = Case.objects.get()
    assert case.subject == "Çukur var"
    photo, place = Message.objects.get(external_id="wamid.2"), Message.objects.get(external_id="wamid.3")
    assert (photo.state, photo.case) == ("ignored", None) and "image has no id" in photo.last_error
    assert (place.state, place.case) == ("ignored", None) and "latitude is out of range" in place.last_error


def test_what_can_be_read_of_a_broken_message_is_kept_and_the_rest_noted(deliver):
    captioned = message("wamid.4", "image", {"mime_type": "image/jpeg", "caption": "Kaldırım çökmüş"})
    assert deliver(delivery(captioned)).status_code == 200
    case, inbound = Case.objects.get(), Message.objects.get()
    assert (case.subject, inbound.state, inbound.case) == ("Kaldırım çökmüş", "received", case)
    assert inbound.last_error == "image has no id"


def test_only_get_and_post(client):
    assert client.put(URL).status_code == 405


# --- intake ---


def test_a_text_message_opens_a_case_once_however_often_meta_delivers_it(deliver, graph):
    payload = delivery(text("wamid.HBgM1", "Atatürk Caddesi'nde büyük bir çukur var\nAraçlar zarar görüyor"))
    first = deliver(payload)
    again = deliver(payload)
    assert (first.status_code, first.content, again.status_code) == (200, b"OK", 200)
    case = Case.objects.get()
    assert (case.channel, case.subject) == ("whatsapp", "Atatürk Caddesi'nde büyük bir çukur var")
    assert case.citizen is not None
    assert (case.citizen.name, case.citizen.phone) == ("Ali Kaya", "+905321234567")
    inbound = Message.objects.get(direction="in")
    assert (inbound.external_id, inbound.address, inbound.case_id) == ("wamid.HBgM1", ALI, case.pk)
    assert inbound.data["phone_number_id"] == PHONE_NUMBER_ID
    assert graph.requests == []  # a text needs nothing from Graph


def test_a_photo_is_fetched_from_graph_and_stored_re_encoded(deliver, graph):
    png = picture(RED, kind="PNG")
    media_id = graph.add_media(png, "image/png")
    assert (
        deliver(delivery(image("wamid.photo", media_id, caption="Parkta kırık salıncak"))).status_code == 200
    )
    case = Case.objects.get()
    photo = case.attachments.get()
    assert (case.subject, photo.kind, photo.content_type, photo.uploaded_by) == (
        "Parkta kırık salıncak",
        "photo",
        "image/jpeg",
        None,
    )
    assert photo.sha256 != hashlib.sha256(png).hexdigest()  # stored as our own JPEG, not Meta's bytes
    metadata, download = graph.requests
    assert (metadata.method, metadata.path) == ("GET", f"/{DEFAULT_GRAPH_VERSION}/{media_id}")
    assert download.path.startswith(f"/lookaside/{media_id}")
    assert download.authorization == metadata.authorization == f"Bearer {ACCESS_TOKEN}"


def test_voice_messages_and_documents_are_kept_with_the_case(deliver, graph):
    voice = graph.add_media(b"OggS" + b"\x00" * 200, "audio/ogg; codecs=opus")
    pdf = graph.add_media(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n", "application/pdf")
    deliver(delivery(message("wamid.voice", "audio", {"id": voice, "mime_type": "audio/ogg", "voice": True})))
    case = Case.objects.get()
    with translation.override("tr"):
        assert case.subject == gettext("Voice message")
    deliver(
        delivery(
            message(
                "wamid.doc",
                "document",
                {"id": pdf, "mime_type": "application/pdf", "filename": "dilekce.pdf", "caption": "Dilekçem"},
            )
        )
    )
    assert Case.objects.count() == 1  # the document follows the voice message onto the same case
    assert sorted(case.attachments.values_list("kind", flat=True)) == ["audio", "document"]
    assert case.attachments.get(kind="document").original_name == "dilekce.pdf"
    assert case.events.filter(action="comment", note="Dilekçem", public=True).exists()


def test_a_location_places_a_new_case(deliver):
    deliver(delivery(location("wamid.loc", 36.991419, 35.330829, "Seyhan Parkı", "Reşatbey, Seyhan")))
    case = Case.objects.get()
    assert case.latitude is not None and case.longitude is not None
    assert (float(case.latitude), float(case.longitude)) == (36.991419, 35.330829)
    assert case.subject == "Seyhan Parkı"


def test_a_location_sent_after_the_photo_places_that_case(deliver, graph):
    deliver(delivery(image("wamid.p", graph.add_media(picture(RED), "image/jpeg"), caption="Çöp birikti")))
    deliver(delivery(location("wamid.l", 41.0452, 28.8913, "Esenler Meydanı", "Menderes Mah.")))
    case = Case.objects.get()
    assert case.latitude is not None and case.longitude is not None
    assert (float(case.latitude), float(case.longitude)) == (41.0452, 28.8913)
    assert case.address_text == "Esenler Meydanı, Menderes Mah."
    assert Message.objects.filter(direction="in", case=case).count() == 2


def test_an_answer_threads_onto_the_case_waiting_for_it(deliver, road_staff, operator, roads):
    deliver(delivery(text("wamid.q1", "Sokak lambası yanmıyor")))
    case = services.transfer(Case.objects.get(), actor=operator, unit=roads)
    Message.objects.filter(direction="in").update(created_at=timezone.now() - dt.timedelta(days=3))
    services.ask_citizen(case, actor=road_staff, question="Hangi sokak?")
    deliver(delivery(text("wamid.q2", "Gül Sokak, 12 numara önü")))
    case.refresh_from_db()
    assert Case.objects.count() == 1 and case.status == Status.IN_PROGRESS
    assert case.events.filter(action="citizen_answered", note="Gül Sokak, 12 numara önü").exists()


def test_a_new_photo_after_the_answer_is_a_new_case_but_thanks_is_not(deliver, graph):
    deliver(delivery(text("wamid.a", "Çukur var")))
    case = services.resolve(Case.objects.get(), actor=None, resolution="Çukur kapatıldı.")
    send_reply(case, "resolve")
    deliver(delivery(text("wamid.b", "Teşekkürler")))
    assert Case.objects.count() == 1
    assert case.events.filter(action="comment", note="Teşekkürler").exists()
    # A thank-you is noted and reopens nothing (any other message within reopen_days would).
    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    deliver(delivery(image("wamid.c", graph.add_media(picture(GREEN), "image/jpeg"), caption="Bu da başka")))
    assert Case.objects.count() == 2


def test_a_tracking_number_joins_the_citizens_own_case_only(deliver, make_case, institution):
    deliver(delivery(text("wamid.t1", "Çukur var")))
    case = services.resolve(Case.objects.get(), actor=None, resolution="Çukur kapatıldı.")
    Message.objects.update(created_at=timezone.now() - dt.timedelta(days=10))
    someone_else = make_case()
    number = format_tracking_number(case.tracking_number)
    deliver(delivery(text("wamid.t2", f"{number} numaralı başvurum yapılmadı, çukur hâlâ orada")))
    assert Case.objects.count() == 2
    assert case.events.filter(action="comment", note__startswith=number).exists()
    case.refresh_from_db()
    assert case.status == Status.NEW  # within reopen_days of the resolution: reopened (issue 9: 2.2)
    Message.objects.update(created_at=timezone.now() - dt.timedelta(days=10))
    deliver(delivery(text("wamid.t3", f"{format_tracking_number(someone_else.tracking_number)} ne oldu?")))
    assert Case.objects.count() == 3  # not Ali's case: his message opens his own
    assert not someone_else.events.filter(action="comment").exists()


def test_a_sticker_is_recorded_and_answered_politely_once(deliver, graph, django_capture_on_commit_callbacks):
    sticker = {"mime_type": "image/webp", "sha256": "x", "id": "777", "animated": False}
    with django_capture_on_commit_callbacks(execute=True):
        deliver(delivery(message("wamid.s1", "sticker", sticker)))
        deliver(delivery(message("wamid.s2", "sticker", sticker)))
        deliver(delivery(message("wamid.r", "reaction", {"message_id": "wamid.x", "emoji": "👍"})))
    assert not Case.objects.exists()
    assert list(Message.objects.filter(direction="in").values_list("state", flat=True)) == ["ignored"] * 3
    polite = Message.objects.get(direction="out")
    assert (polite.template, polite.address, polite.case) == ("unsupported", ALI, None)
    tasks.deliver(polite.pk)  # what the worker does with the task enqueued
    assert [sent["text"]["body"] for sent in graph.sent] == [polite.body]
    assert graph.calls("GET") == []  # a sticker is not downloaded


def test_a_delivery_for_a_number_we_do_not_answer_is_acknowledged_and_ignored(deliver):
    assert deliver(delivery(text("wamid.z", "Merhaba"), phone_number_id="999")).status_code == 200
    assert not Message.objects.exists()


def test_media_graph_cannot_hand_over_is_fetched_when_meta_delivers_again(deliver, graph):
    media_id = graph.add_media(picture(RED), "image/jpeg")
    payload = delivery(image("wamid.late", media_id, caption="Kaldırım çökmüş"))
    graph.fail_next(500, path=media_id)
    first = deliver(payload)
    assert first.status_code == 503  # Meta will deliver again
    case = Case.objects.get()  # … but the case is already recorded
    assert case.attachments.count() == 0 and Message.objects.get().data["pending_media"]
    assert deliver(payload).status_code == 200
    assert Case.objects.count() == 1 and case.attachments.count() == 1
    inbound = Message.objects.get()
    assert "pending_media" not in inbound.data and inbound.last_error == ""
    assert deliver(payload).status_code == 200 and case.attachments.count() == 1


def test_ali_is_told_his_tracking_number_on_whatsapp(deliver, graph, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deliver(delivery(text("wamid.first", "Çukur var")))
    case = Case.objects.get()
    acknowledgement = Message.objects.get(direction="out", template="open")
    assert (acknowledgement.channel, acknowledgement.address, acknowledgement.state) == (
        "whatsapp",
        ALI,
        "queued",
    )
    assert tasks.deliver(acknowledgement.pk) == "sent"
    sent = graph.sent[-1]
    assert (sent["to"], sent["type"]) == (ALI, "text")
    assert format_tracking_number(case.tracking_number) in sent["text"]["body"]
    assert graph.calls("POST", f"/{PHONE_NUMBER_ID}/messages")


# --- statuses ---


def test_statuses_move_our_message_forward_and_never_back(deliver):
    deliver(delivery(text("wamid.in", "Çukur var")))
    case = services.resolve(Case.objects.get(), actor=None, resolution="Tamamlandı.")
    reply = send_reply(case, "resolve")
    assert reply.state == "sent" and reply.external_id.startswith("wamid.")
    deliver(delivery(statuses=[status(reply.external_id, "delivered")]))
    reply.refresh_from_db()
    assert reply.state == "delivered" and reply.delivered_at is not None
    deliver(delivery(statuses=[status(reply.external_id, "read")]))
    deliver(delivery(statuses=[status(reply.external_id, "delivered")]))  # late, out of order
    deliver(delivery(statuses=[status(reply.external_id, "read")]))  # again
    reply.refresh_from_db()
    assert reply.state == "read"


def test_a_failed_status_is_shown_to_staff(deliver):
    deliver(delivery(text("wamid.in", "Çukur var")))
    case = services.resolve(Case.objects.get(), actor=None, resolution="Tamamlandı.")
    reply = send_reply(case, "resolve")
    failure = [
        {"code": 131026, "title": "Message undeliverable", "error_data": {"details": "Receiver incapable"}}
    ]
    deliver(delivery(statuses=[status(reply.external_id, "failed", failure)]))
    deliver(delivery(statuses=[status(reply.external_id, "failed", failure)]))
    reply.refresh_from_db()
    assert reply.state == "failed" and "131026" in reply.last_error
    notes = case.events.filter(action="comment", public=False)
    assert notes.count() == 1 and "131026 Message undeliverable" in notes.get().note


# --- replies ---


def test_a_resolved_photo_report_is_answered_with_the_before_after_collage(
    deliver, graph, operator, road_staff, roads
):
    deliver(
        delivery(image("wamid.pothole", graph.add_media(picture(RED), "image/jpeg"), caption="Çukur var"))
    )
    case = services.transfer(Case.objects.get(), actor=operator, unit=roads)
    add_attachment(case, picture(GREEN), actor=road_staff, name="sonra.jpg")
    case = services.resolve(case, actor=road_staff, resolution="Çukur asfaltlandı.")

    reply = send_reply(case, "resolve")

    assert (reply.state, reply.attempts, reply.data["sent_as"]) == ("sent", 1, "image")
    upload = graph.uploads[-1]
    assert (upload.phone_number_id, upload.content_type) == (PHONE_NUMBER_ID, "image/jpeg")
    sent = graph.sent[-1]
    assert (sent["to"], sent["type"], sent["image"]["id"]) == (ALI, "image", reply.data["media_id"])
    assert "Çukur asfaltlandı." in sent["image"]["caption"]
    assert format_tracking_number(case.tracking_number) in sent["image"]["caption"]
    with Image.open(io.BytesIO(upload.data)) as made:
        assert made.format == "JPEG" and made.width > 2 * made.height * 0.9
        left = made.getpixel((made.width // 4, made.height // 2))
        right = made.getpixel((3 * made.width // 4, made.height // 2))
    assert _close(left, RED) and _close(right, GREEN)


def test_a_resolution_without_a_team_photo_is_plain_text(deliver, graph):
    deliver(delivery(image("wamid.p", graph.add_media(picture(RED), "image/jpeg"))))
    case = services.resolve(Case.objects.get(), actor=None, resolution="Yerinde incelendi.")
    reply = send_reply(case, "resolve")
    assert reply.data["sent_as"] == "text" and graph.uploads == []
    assert graph.sent[-1]["text"]["body"] == reply.body


def test_after_24_hours_the_approved_template_goes_instead(deliver, graph):
    deliver(delivery(text("wamid.old", "Çukur var")))
    Message.objects.filter(direction="in").update(created_at=timezone.now() - dt.timedelta(hours=25))
    case = services.resolve(Case.objects.get(), actor=None, resolution="Tamamlandı.")
    reply = send_reply(case, "resolve")
    assert (reply.state, reply.data["sent_as"]) == ("sent", "template")
    template = graph.sent[-1]["template"]
    assert (template["name"], template["language"]) == ("basvuru_guncellendi", {"code": "tr"})
    assert template["components"][0]["parameters"] == [
        {"type": "text", "text": format_tracking_number(case.tracking_number)}
    ]
    assert [sent["type"] for sent in graph.sent] == ["template"]


def test_a_template_with_named_variables_sends_the_parameter_name(deliver, graph, settings):
    settings.KENTMASA_WHATSAPP = {**settings.KENTMASA_WHATSAPP, "TEMPLATE_PARAMETER": "takip_no"}
    deliver(delivery(text("wamid.old", "Çukur var")))
    Message.objects.filter(direction="in").update(created_at=timezone.now() - dt.timedelta(hours=25))
    case = services.resolve(Case.objects.get(), actor=None, resolution="Tamamlandı.")
    reply = send_reply(case, "resolve")
    assert (reply.state, reply.data["sent_as"]) == ("sent", "template")
    assert graph.sent[-1]["template"]["components"][0]["parameters"] == [
        {"type": "text", "text": format_tracking_number(case.tracking_number), "parameter_name": "takip_no"}
    ]


def test_the_graph_version_is_a_setting_with_a_current_default(deliver, settings):
    assert DEFAULT_GRAPH_VERSION == "v26.0"  # v21.0 stops working in January 2027
    older = FakeGraph(token=ACCESS_TOKEN, version="v25.0").start()
    try:
        settings.KENTMASA_WHATSAPP = {**settings.KENTMASA_WHATSAPP, "GRAPH_URL": older.url}
        deliver(delivery(text("wamid.v", "Çukur var")))
        case = services.resolve(Case.objects.get(), actor=None, resolution="Tamamlandı.")
        refused = send_reply(case, "resolve")  # our default version is not the one this Graph speaks
        assert refused.state == "failed" and "2635" in refused.last_error
        settings.KENTMASA_WHATSAPP = {**settings.KENTMASA_WHATSAPP, "GRAPH_VERSION": "v25.0"}
        case = services.reopen(case, actor=None, note="Devam ediyor")
        case = services.resolve(case, actor=None, resolution="Şimdi tamam.")
        reply = send_reply(case, "resolve")
        assert reply.state == "sent"
        assert older.calls("POST")[-1].path == f"/v25.0/{PHONE_NUMBER_ID}/messages"
    finally:
        older.stop()


def test_when_meta_says_the_window_has_closed_the_template_goes(deliver, graph):
    deliver(delivery(text("wamid.edge", "Çukur var")))
    graph.enforce_window = True
    graph.customer_wrote(ALI, dt.datetime.now(dt.UTC) - dt.timedelta(hours=24, minutes=1))
    case = services.resolve(Case.objects.get(), actor=None, resolution="Tamamlandı.")
    reply = send_reply(case, "resolve")
    assert (reply.state, reply.data["sent_as"]) == ("sent", "template")
    assert [sent["type"] for sent in graph.sent] == ["template"]


def test_a_reengagement_failure_reported_later_sends_the_template(
    deliver, graph, django_capture_on_commit_callbacks
):
    deliver(delivery(text("wamid.in", "Çukur var")))
    case = services.resolve(Case.objects.get(), actor=None, resolution="Tamamlandı.")
    reply = send_reply(case, "resolve")
    failure = [{"code": 131047, "title": "Re-engagement message"}]
    with django_capture_on_commit_callbacks(execute=True):
        deliver(delivery(statuses=[status(reply.external_id, "failed", failure)]))
    reply.refresh_from_db()
    assert reply.state == "queued" and reply.data["outside_window"]
    tasks.deliver(reply.pk)
    reply.refresh_from_db()
    assert (reply.state, reply.data["sent_as"]) == ("sent", "template")
    assert [sent["type"] for sent in graph.sent] == ["text", "template"]


def test_a_graph_outage_is_retried_and_the_citizen_gets_one_message(deliver, graph):
    deliver(delivery(text("wamid.in", "Çukur var")))
    case = services.resolve(Case.objects.get(), actor=None, resolution="Tamamlandı.")
    graph.fail_next(500, path="/messages")
    reply = send_reply(case, "resolve")
    assert (reply.state, reply.attempts) == ("queued", 1) and "Graph 500" in reply.last_error
    Message.objects.filter(pk=reply.pk).update(next_attempt_at=timezone.now())
    assert tasks.deliver(reply.pk) == "sent"
    assert len(graph.sent) == 1


def test_a_number_that_cannot_receive_whatsapp_is_not_retried(deliver, graph):
    deliver(delivery(text("wamid.in", "Çukur var")))
    case = services.resolve(Case.objects.get(), actor=None, resolution="Tamamlandı.")
    graph.fail_next(400, UNDELIVERABLE, path="/messages")
    reply = send_reply(case, "resolve")
    assert reply.state == "failed" and "131026" in reply.last_error


def test_an_unreachable_graph_is_a_temporary_failure(deliver, settings):
    deliver(delivery(text("wamid.in", "Çukur var")))
    case = services.resolve(Case.objects.get(), actor=None, resolution="Tamamlandı.")
    settings.KENTMASA_WHATSAPP = {**settings.KENTMASA_WHATSAPP, "GRAPH_URL": "http://127.0.0.1:9"}
    reply = send_reply(case, "resolve")
    assert (reply.state, reply.attempts) == ("queued", 1)


def test_graph_rate_limits_are_retried_later(deliver, graph):
    deliver(delivery(text("wamid.in", "Çukur var")))
    case = services.resolve(Case.objects.get(), actor=None, resolution="Tamamlandı.")
    graph.fail_next(400, graph_error(130429, "(#130429) Rate limit hit"), path="/messages")
    reply = send_reply(case, "resolve")
    assert (reply.state, reply.attempts) == ("queued", 1) and "130429" in reply.last_error


# --- the collage itself ---


def _close(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def test_the_collage_puts_before_left_and_after_right_at_twice_the_width():
    made = collage.make_collage(
        picture(RED, (800, 600)), picture(GREEN, (1200, 900)), "26-0000001-7 · 18.03.2026"
    )
    with Image.open(io.BytesIO(made)) as image:
        assert image.format == "JPEG"
        panel_height = 600  # the smaller photo's height
        panel_width = 800
        assert 2 * panel_width <= image.width <= 2 * panel_width * 1.05
        assert panel_height < image.height < panel_height * 1.3  # the caption band below
        assert _close(image.getpixel((image.width // 4, image.height // 2)), RED)
        assert _close(image.getpixel((3 * image.width // 4, image.height // 2)), GREEN)
        band = image.crop((0, panel_height + 20, image.width, image.height)).convert("L")
        darkest = band.getextrema()[0]
        assert isinstance(darkest, int) and darkest < 100  # the caption is written in dark ink on white


def test_the_collage_is_made_without_the_dejavu_fonts(monkeypatch):
    monkeypatch.setattr(collage, "FONT_DIRS", [])
    made = collage.make_collage(picture(RED, (300, 400)), picture(GREEN, (400, 300)), "Başvuru " * 60)
    with Image.open(io.BytesIO(made)) as image:
        # Portrait panels in the shape of the citizen's photo (3:4), as high as the smaller photo.
        assert 2 * 225 <= image.width <= 2 * 225 * 1.05
        assert image.height < 300 * 1.4  # the long caption is cut to two lines


def test_an_unreadable_photo_makes_no_collage():
    with pytest.raises(ValueError):
        collage.make_collage(b"not a photo", picture(GREEN), "x")


def test_only_public_citizen_and_team_photos_make_a_collage(deliver, graph, road_staff, operator, roads):
    deliver(delivery(image("wamid.p", graph.add_media(picture(RED), "image/jpeg"))))
    case = services.transfer(Case.objects.get(), actor=operator, unit=roads)
    add_attachment(case, picture(GREEN), actor=road_staff, public=False)
    assert sender.before_and_after(case) is None
    later = add_attachment(case, picture(GREEN), actor=road_staff)
    pair = sender.before_and_after(case)
    assert pair is not None
    before, after = pair
    assert (before.uploaded_by, after.pk) == (None, later.pk)
