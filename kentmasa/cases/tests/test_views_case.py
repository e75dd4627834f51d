"""The case page: what the roads unit, Ayşe the operator and the parks unit may see and do."""

import io
import re

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from kentmasa.cases import access, services
from kentmasa.cases.models import Attachment, Case, Citizen, Event, Status
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.cases.transitions import TRANSITIONS
from kentmasa.directory.models import Category, Service, Unit, User

VALID_TC = "10000000146"


@pytest.fixture(autouse=True)
def quick_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def citizen(institution, db):
    return Citizen.objects.create(
        institution=institution,
        name="Mehmet Kaya",
        phone="+905321234567",
        tc_kimlik=VALID_TC,
        email="mehmet@example.com",
    )


@pytest.fixture
def case(make_case, citizen):
    return make_case(
        citizen=citizen,
        location={
            "latitude": "41.038211",
            "longitude": "28.891234",
            "neighbourhood": "Menderes",
            "street": "Atışalanı Cad.",
            "building_no": "12",
            "district": "Esenler",
            "province": "İstanbul",
        },
    )


def page_of(case) -> str:
    return f"/vaka/{case.tracking_number}/"


def action_url(case, name: str) -> str:
    return f"/vaka/{case.tracking_number}/islem/{name}/"


def buttons(page: str) -> set[str]:
    return set(re.findall(r'<summary id="action-(\w+)"', page))


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_the_page_shows_the_case(client, road_staff, case):
    client.force_login(road_staff)

    page = client.get(page_of(case)).content.decode()

    assert format_tracking_number(case.tracking_number) in page
    assert "Sokakta çukur var" in page and "Atatürk Caddesi üzerinde" in page
    assert "Fen İşleri Müdürlüğü" in page and "Yol bakım ve onarım talepleri" in page
    assert "18.03.2026 10:00" in page and "09.04.2026 17:30" in page  # received, deadline
    assert 'id="case-overdue"' in page and 'id="case-remaining"' in page
    assert "Menderes Mah. Atışalanı Cad. No:12 Esenler/İstanbul" in page
    assert "41.038211, 28.891234" in page and 'id="case-map"' in page and 'id="case-map-config"' in page


def test_unit_staff_see_the_citizen_masked_operators_in_full(client, road_staff, operator, case):
    client.force_login(road_staff)
    page = client.get(page_of(case)).content.decode()
    assert "100******46" in page and "0532 *** ** 67" in page
    assert VALID_TC not in page and "0532 123 45 67" not in page and "mehmet@example.com" not in page
    assert 'id="case-verification-code"' not in page

    client.force_login(operator)
    page = client.get(page_of(case)).content.decode()
    assert VALID_TC in page and "0532 123 45 67" in page and "mehmet@example.com" in page
    assert f'id="case-verification-code">{case.verification_code}<' in page


def test_another_units_staff_get_404_and_cannot_act(client, park_staff, case):
    client.force_login(park_staff)

    assert client.get(page_of(case)).status_code == 404
    response = client.post(action_url(case, "start"), {"start-note": "Başlıyorum"})
    assert response.status_code == 404
    assert client.post(f"/vaka/{case.tracking_number}/yorum/", {"comment-note": "Merhaba"}).status_code == 404
    case.refresh_from_db()
    assert case.status == Status.NEW and case.events.count() == 1


def test_another_institutions_operator_gets_404(client, make_user, other_institution, case):
    client.force_login(make_user(User.Role.OPERATOR, "kayseri_operator", institution_=other_institution))
    assert client.get(page_of(case)).status_code == 404


def test_anonymous_is_sent_to_login(client, case):
    response = client.get(page_of(case))
    assert response.status_code == 302 and response["Location"].startswith("/giris/")


def test_formatted_tracking_number_finds_the_case(client, road_staff, case):
    client.force_login(road_staff)
    assert client.get(f"/vaka/{format_tracking_number(case.tracking_number)}/").status_code == 200


@pytest.mark.parametrize("who", ["operator", "road_staff", "road_manager"])
def test_buttons_match_the_available_transitions(client, request, case, who):
    user = request.getfixturevalue(who)
    client.force_login(user)

    shown = buttons(client.get(page_of(case)).content.decode())

    assert shown == {t.name for t in access.available_transitions(user, case)}
    assert shown  # each of them has something to do on a new case


def test_buttons_follow_the_status(client, road_manager, case):
    client.force_login(road_manager)
    services.resolve(case, actor=road_manager, resolution="Yama yapıldı.")

    shown = buttons(client.get(page_of(case)).content.decode())

    assert shown == {"close", "reopen"}


def test_a_forbidden_action_is_403_and_changes_nothing(client, road_staff, case):
    client.force_login(road_staff)

    response = client.post(action_url(case, "reject"), {"reject-reason": "Görev alanımız dışında"})

    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_an_impossible_action_is_explained_and_changes_nothing(client, operator, case):
    client.force_login(operator)

    response = client.post(
        action_url(case, "close"), {"close-note": ""}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )

    case.refresh_from_db()
    assert case.status == Status.NEW and case.events.count() == 1
    assert [str(m) for m in response.context["messages"]] == [
        "“Close” is not possible while the case is “Received”."
    ]


def test_unknown_action_is_404(client, operator, case):
    client.force_login(operator)
    assert client.post(action_url(case, "explode"), {}).status_code == 404


def test_an_action_needs_a_post(client, operator, case):
    client.force_login(operator)
    assert client.get(action_url(case, "start")).status_code == 405


def test_missing_resolution_shows_the_form_again(client, road_staff, case):
    client.force_login(road_staff)

    response = client.post(action_url(case, "resolve"), {"resolve-resolution": "  "})

    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(r'<details class="action" id="panel-resolve" open>', page)
    assert 'id="id_resolve-resolution-error"' in page
    case.refresh_from_db()
    assert case.status == Status.NEW


def post_action(client, case, name, data):
    """POST one action's form; returns the case as it is afterwards."""
    fields = {f"{name}-{key}": value for key, value in data.items()}
    response = client.post(action_url(case, name), fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Case.objects.get(pk=case.pk)


def test_every_action_form_works(
    client, operator, road_staff, road_manager, road_team, parks, make_case, other_institution
):
    client.force_login(road_manager)
    case = make_case()

    case = post_action(
        client, case, "assign", {"assignee": road_staff.pk, "team": road_team.pk, "note": "Acil"}
    )
    assert (case.status, case.assignee, case.team) == (Status.ASSIGNED, road_staff, road_team)

    client.force_login(road_staff)
    case = post_action(client, case, "start", {"note": "Ekip yolda"})
    assert case.status == Status.IN_PROGRESS
    case = post_action(client, case, "ask_citizen", {"question": "Çukur hangi binanın önünde?"})
    assert case.status == Status.WAITING_CITIZEN and case.paused_at is not None
    case = post_action(client, case, "citizen_answered", {"answer": "12 numaranın önünde"})
    assert case.status == Status.IN_PROGRESS and case.paused_at is None
    case = post_action(client, case, "resolve", {"resolution": "Çukur asfaltla kapatıldı."})
    assert case.status == Status.RESOLVED and case.resolution == "Çukur asfaltla kapatıldı."

    client.force_login(road_manager)
    case = post_action(client, case, "reopen", {"note": "Vatandaş tekrar aradı"})
    assert case.status == Status.ASSIGNED and case.resolved_at is None
    case = post_action(client, case, "reject", {"reason": "Özel mülk; 5393 s. Kanun kapsamında değil."})
    assert case.status == Status.REJECTED
    case = post_action(client, case, "close", {"note": ""})
    assert case.status == Status.CLOSED

    client.force_login(operator)
    moved = post_action(client, make_case(), "transfer", {"unit": parks.pk, "note": "Park içinde"})
    assert (moved.status, moved.unit) == (Status.NEW, parks)
    away = post_action(client, make_case(), "transfer", {"institution": other_institution.pk})
    assert (away.institution, away.unit) == (other_institution, None)
    kayseri_roads = Unit.objects.create(institution=other_institution, name="Yol Bakım Dairesi")
    kayseri_service = Service.objects.create(
        institution=other_institution, unit=kayseri_roads, name="Yol onarımı", completion_time="10 GÜN"
    )
    topic = Category.objects.create(
        institution=other_institution, name="Yol çukuru", service=kayseri_service, unit=kayseri_roads
    )
    placed = post_action(client, make_case(), "transfer", {"category": topic.pk, "note": "Büyükşehir yolu"})
    assert (placed.institution, placed.unit, placed.service) == (
        other_institution,
        kayseri_roads,
        kayseri_service,
    )
    assert placed.due_at is not None
    sent = post_action(client, make_case(), "redirect", {"to": "Enerjisa", "note": "Elektrik arızası"})
    assert (sent.status, sent.redirected_to) == (Status.REDIRECTED, "Enerjisa")
    keeper = make_case()
    duplicate = post_action(
        client, make_case(), "merge", {"into": format_tracking_number(keeper.tracking_number)}
    )
    assert (duplicate.status, duplicate.merged_into) == (Status.MERGED, keeper)
    quick = post_action(client, make_case(), "resolve_on_the_spot", {"resolution": "Bilgi verildi."})
    assert quick.status == Status.RESOLVED

    actions = list(Event.objects.filter(case=case).values_list("action", "actor__username"))
    assert actions == [
        ("open", None),
        ("assign", "road_manager"),
        ("start", "road_staff"),
        ("ask_citizen", "road_staff"),
        ("citizen_answered", "road_staff"),
        ("resolve", "road_staff"),
        ("reopen", "road_manager"),
        ("reject", "road_manager"),
        ("close", "road_manager"),
    ]
    assert set(TRANSITIONS) == {
        "assign",
        "start",
        "ask_citizen",
        "citizen_answered",
        "resolve",
        "reopen",
        "reject",
        "close",
        "transfer",
        "redirect",
        "merge",
        "resolve_on_the_spot",
    }


def test_transferred_out_of_scope_goes_home(client, road_manager, parks, case):
    client.force_login(road_manager)

    response = client.post(action_url(case, "transfer"), {"transfer-unit": parks.pk})

    assert response["Location"] == "/"
    case.refresh_from_db()
    assert case.unit == parks


def test_merge_into_an_unknown_number_is_refused(client, operator, case):
    client.force_login(operator)

    response = client.post(action_url(case, "merge"), {"merge-into": "2600000000"})

    assert response.status_code == 400 and 'id="id_merge-into-error"' in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_assign_offers_only_the_institutions_staff(client, operator, make_user, other_institution, case):
    outsider = make_user(User.Role.UNIT_STAFF, "kayserili", institution_=other_institution)
    client.force_login(operator)

    page = client.get(page_of(case), {"atama": "kayserili"}).content.decode()
    choices = re.search(r'<select name="assign-assignee".*?</select>', page, re.S).group(0)
    assert f'<option value="{outsider.pk}"' not in choices and 'id="assign-search-result"' in page

    response = client.post(action_url(case, "assign"), {"assign-assignee": outsider.pk})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.assignee is None


def test_timeline_shows_who_when_and_who_sees_it(client, road_staff, case):
    client.force_login(road_staff)
    services.comment(case, actor=road_staff, note="Keşif yapılacak")

    page = client.get(page_of(case)).content.decode()

    timeline = page[page.index('id="timeline"') : page.index("</ol>", page.index('id="timeline"'))]
    entries = re.findall(r'<li class="event (public|internal)" data-action="(\w+)">', timeline)
    assert entries == [("public", "open"), ("internal", "comment")]
    assert re.search(r"<time[^>]*>\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}</time>", timeline)
    assert "Keşif yapılacak" in timeline and road_staff.first_name in timeline


def test_adding_a_comment(client, road_staff, case):
    client.force_login(road_staff)

    response = client.post(
        f"/vaka/{case.tracking_number}/yorum/", {"comment-note": "Malzeme bekleniyor", "comment-public": "on"}
    )

    assert response.status_code == 302
    event = Event.objects.get(case=case, action="comment")
    assert (event.note, event.public, event.actor) == ("Malzeme bekleniyor", True, road_staff)
    assert client.post(f"/vaka/{case.tracking_number}/yorum/", {"comment-note": ""}).status_code == 400
    assert Event.objects.filter(case=case, action="comment").count() == 1


def test_upload_and_protected_download(client, road_staff, park_staff, case):
    client.force_login(road_staff)
    upload = io.BytesIO(png_bytes())
    upload.name = "cukur.png"

    response = client.post(f"/vaka/{case.tracking_number}/ek/", {"upload-file": upload})

    assert response.status_code == 302
    attachment = Attachment.objects.get(case=case)
    assert (attachment.kind, attachment.content_type, attachment.uploaded_by) == (
        "photo",
        "image/jpeg",
        road_staff,
    )
    assert attachment.public is False  # staff files stay internal unless ticked
    url = f"/vaka/{case.tracking_number}/ek/{attachment.pk}/"
    assert url in client.get(page_of(case)).content.decode()
    assert settingsless_media_url(attachment) not in client.get(page_of(case)).content.decode()

    download = client.get(url)
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"
    body = b"".join(download.streaming_content)
    with default_storage.open(attachment.file.name or "", "rb") as stored:
        assert body == stored.read()
    assert Image.open(io.BytesIO(body)).size == (8, 6)
    assert "private" in download["Cache-Control"]

    client.force_login(park_staff)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def settingsless_media_url(attachment) -> str:
    return "/media/" + attachment.file.name


def test_an_attachment_of_another_case_is_404(client, road_staff, make_case, case):
    other = make_case()
    client.force_login(road_staff)
    upload = io.BytesIO(png_bytes())
    upload.name = "a.png"
    client.post(f"/vaka/{other.tracking_number}/ek/", {"upload-file": upload})
    attachment = Attachment.objects.get(case=other)

    assert client.get(f"/vaka/{case.tracking_number}/ek/{attachment.pk}/").status_code == 404


def test_a_file_that_is_not_accepted_is_refused(client, road_staff, case):
    client.force_login(road_staff)
    upload = io.BytesIO(b"#!/bin/sh\necho merhaba\n")
    upload.name = "foto.png"

    response = client.post(f"/vaka/{case.tracking_number}/ek/", {"upload-file": upload})

    assert response.status_code == 400
    assert 'id="id_upload-file-error"' in response.content.decode()
    assert Attachment.objects.count() == 0


def test_english_case_page(client, road_staff, case):
    client.force_login(road_staff)
    client.post("/i18n/setlang/", {"language": "en", "next": page_of(case)})

    page = client.get(page_of(case)).content.decode()

    assert '<html lang="en">' in page and "Timeline" in page
    assert re.search(r"\d+ (working days?|hours?|days?) overdue", page)


def test_a_late_answer_is_marked_on_the_case(client, road_staff, case):
    services.resolve(case, actor=road_staff, resolution="Yama yapıldı.")
    client.force_login(road_staff)

    page = client.get(page_of(case), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert re.search(r'id="case-resolved-at">[^<]*<span class="badge late">after the deadline', page)
    assert 'id="case-overdue"' not in page  # answered: no longer counted as overdue


@pytest.mark.parametrize("who", ["operator", "road_manager"])
def test_every_element_id_on_the_case_page_is_unique(client, request, case, who):
    client.force_login(request.getfixturevalue(who))

    ids = re.findall(r'\sid="([^"]+)"', client.get(page_of(case)).content.decode())

    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_every_element_id_on_the_console_is_unique(client, operator):
    client.force_login(operator)

    ids = re.findall(r'\sid="([^"]+)"', client.get("/konsol/").content.decode())

    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
