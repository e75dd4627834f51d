"""The field app's JSON API as Asfalt Ekibi 1's phones use it: today's list nearest first, the queue sent
with the session or a device key, resends answered the same, conflicts, positions on duty only, device keys,
and bad input that never causes a 500."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from kentmasa.cases import services as cases
from kentmasa.cases.models import Channel, Event
from kentmasa.directory.models import Team, User
from kentmasa.field import services
from kentmasa.field.models import DeviceToken, FieldAction, WorkOrder
from kentmasa.field.tests import api_world
from kentmasa.field.tests.api_world import action

ORDERS = "/saha/api/isler/"
ACTIONS = "/saha/api/eylem/"
PHOTO = "/saha/api/foto/"
POSITION = "/saha/api/konum/"
DUTY = "/saha/api/durum/"
DEVICES = "/saha/api/cihaz/"


@pytest.fixture
def world(institution, roads, parks, make_user, make_case):
    return api_world.build(institution, roads, parks, make_user, make_case)


def phone(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def at(lat, lon):
    return {"latitude": str(lat), "longitude": str(lon), "address_text": f"{lat}, {lon}"}


# -- today's list --------------------------------------------------------------------------------------------


def test_a_member_sees_todays_orders_nearest_first_with_what_the_phone_needs(world):
    far = world.case(location=at("41.100000", "28.900000"), subject="Uzak çukur")
    near = world.case(location=at("41.040000", "28.880000"), subject="Yakın çukur")
    world.order(far, instructions="Dikkat: okul önü.")
    world.order(near, machines=[world.grader])
    other = world.case(subject="Parktaki çukur")
    services.send_work_order(other, world.park_team, actor=world.clerk)

    answer = phone(world.mehmet).get(ORDERS, {"lat": "41.041", "lng": "28.881"})
    assert answer.status_code == 200
    data = answer.json()
    assert [o["case"]["title"] for o in data["work_orders"]] == ["Yakın çukur", "Uzak çukur"]
    nearest = data["work_orders"][0]
    assert 100 < nearest["distance_m"] < 200
    assert nearest["case"]["citizen"] == "Ayşe" and nearest["case"]["phone"] == "+905321234567"
    assert nearest["machines"][0]["name"] == "Greyder 3"
    assert nearest["failure_reasons"] == [
        {"id": world.no_access.pk, "text": "Araç giremedi"},
        {"id": world.no_material.pk, "text": "Malzeme yok"},
    ]
    assert nearest["team"] == {"id": world.team.pk, "name": "Asfalt Ekibi 1"}
    assert nearest["status"] == "assigned" and nearest["status_label"] == "Atandı"
    assert data["work_orders"][1]["instructions"] == "Dikkat: okul önü."
    assert data["teams"] == [
        {
            "id": world.team.pk,
            "name": "Asfalt Ekibi 1",
            "unit": "Fen İşleri Müdürlüğü",
            "status": "off_duty",
            "on_duty": False,
            "leader": False,
        }
    ]
    assert data["server_time"]


def test_without_a_position_the_list_goes_by_priority(world):
    low = world.case(priority=1, subject="Düşük")
    high = world.case(priority=4, subject="Acil")
    world.order(low)
    world.order(high)
    titles = [o["case"]["title"] for o in phone(world.mehmet).get(ORDERS).json()["work_orders"]]
    assert titles == ["Acil", "Düşük"]


def test_the_list_holds_mine_and_the_teams_the_leader_sees_all_and_moved_or_old_ones_drop_out(world):
    mine = world.order(world.case(subject="Mehmet'in"), assignee=world.mehmet)
    world.order(world.case(subject="Ahmet'in"), assignee=world.ahmet)
    world.order(world.case(subject="Ekibin"))
    yesterday = timezone.now() - dt.timedelta(days=1)
    old_open = world.order(world.case(subject="Dünden kalan"), now=yesterday)
    old_done = world.order(world.case(subject="Dün bitti"), now=yesterday)
    services.apply(world.ahmet, action("done", old_done))
    moved = world.case(subject="Devredilen")
    world.order(moved)
    cases.transfer(moved, actor=world.manager, unit=world.parks)

    def titles(user):
        return sorted(o["case"]["title"] for o in phone(user).get(ORDERS).json()["work_orders"])

    assert titles(world.mehmet) == ["Dünden kalan", "Ekibin", "Mehmet'in"]
    assert titles(world.ahmet) == ["Ahmet'in", "Dünden kalan", "Ekibin", "Mehmet'in"]
    listed = {o["id"]: o for o in phone(world.ahmet).get(ORDERS).json()["work_orders"]}
    assert listed[old_open.pk]["overdue"] is True and listed[mine.pk]["overdue"] is False
    assert listed[mine.pk]["assignee"] == {"id": world.mehmet.pk, "name": "Mehmet Demir"}
    leader = phone(world.ahmet).get(ORDERS).json()["teams"][0]
    assert leader["leader"] is True
    assert [m["name"] for m in leader["members"]] == ["Ahmet Yılmaz", "Mehmet Demir"]


def test_kades_and_police_cases_carry_no_phone_name_or_words(world):
    kades = world.case(channel=Channel.KADES, subject="Yardım", description="Ev adresinde şiddet")
    world.order(kades)
    shown = phone(world.mehmet).get(ORDERS).json()["work_orders"][0]["case"]
    assert (shown["phone"], shown["citizen"], shown["summary"]) == (None, None, "")
    assert shown["title"] == "KADES ihbarı"
    assert "+905321234567" not in json.dumps(phone(world.mehmet).get(ORDERS).json())


def test_the_citizens_photo_opens_for_the_second_team(world):
    from kentmasa.cases.attachments import add_attachment

    case = world.case()
    photo = add_attachment(case, api_world.jpeg(), public=True)
    world.order(case)
    services.send_work_order(case, world.park_team, actor=world.clerk)
    listed = phone(world.zeynep).get(ORDERS).json()["work_orders"][0]
    assert listed["photos"][0]["phase"] == "citizen" and listed["photos"][0]["id"] == photo.pk
    opened = phone(world.zeynep).get(listed["photos"][0]["url"])
    assert opened.status_code == 200 and opened["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(
    "query",
    [{"lat": "91", "lng": "28"}, {"lat": "41"}, {"lat": "nan", "lng": "1"}, {"lat": "1e999999", "lng": "2"}],
)
def test_a_bad_position_in_the_query_is_a_400(world, query):
    answer = phone(world.mehmet).get(ORDERS, query)
    assert answer.status_code == 400
    assert answer.json()["code"] in ("lat", "lng")


def test_nul_in_the_query_is_refused_before_the_view(world):
    assert phone(world.mehmet).get(ORDERS, {"lat": "4\x001", "lng": "28"}).status_code == 400


# -- who may -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", ORDERS),
        ("post", ACTIONS),
        ("post", PHOTO),
        ("post", POSITION),
        ("post", DUTY),
        ("post", DEVICES),
    ],
)
def test_signed_out_is_a_401_the_phone_keeps_its_queue(db, method, url):
    answer = getattr(Client(), method)(url)
    assert answer.status_code == 401
    assert answer.json() == {
        "ok": False,
        "code": "signed_out",
        "message": "Oturumunuz kapalı. Bekleyenleri göndermek için giriş yapın.",
    }


def test_staff_who_are_not_in_a_field_team_are_refused(world):
    answer = phone(world.clerk).get(ORDERS)
    assert answer.status_code == 403 and answer.json()["code"] == "not_field"


def test_a_post_with_the_session_needs_the_csrf_token(world):
    order = world.order()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.mehmet)
    body = {"actions": [action("note", order, text="Not")]}
    refused = post(client, ACTIONS, body)
    assert refused.status_code == 403 and refused.json()["code"] == "csrf"
    assert not FieldAction.objects.exists()
    client.get(ORDERS)  # a page sets the cookie
    token = client.cookies["csrftoken"].value
    assert post(client, ACTIONS, body, HTTP_X_CSRFTOKEN=token).status_code == 200


def test_a_wrong_method_is_a_405(world):
    answer = phone(world.mehmet).get(ACTIONS)
    assert answer.status_code == 405 and answer["Allow"] == "POST"


# -- the queue -----------------------------------------------------------------------------------------------


def test_a_batch_sent_twice_is_applied_once_and_answered_the_same(world):
    order = world.order()
    batch = {
        "actions": [
            action("set_out", order),
            action("arrived", order, latitude=41.04, longitude=28.88, accuracy=9),
            action("note", order, text="Çukur büyük."),
            action("done", order, text="Kapatıldı."),
        ]
    }
    client = phone(world.mehmet)
    first = post(client, ACTIONS, batch)
    again = post(client, ACTIONS, batch)
    assert first.status_code == again.status_code == 200
    assert first.json()["results"] == again.json()["results"]
    assert [r["outcome"] for r in first.json()["results"]] == ["applied"] * 4
    assert [r["id"] for r in first.json()["results"]] == [a["id"] for a in batch["actions"]]
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.DONE
    done = Event.objects.filter(case=order.case, action__startswith="work_order_").exclude(
        action="work_order"
    )
    assert done.count() == 4


def test_one_bad_action_stops_none_of_the_others(world):
    order = world.order()
    good = action("note", order, text="İyi")
    answer = post(phone(world.mehmet), ACTIONS, {"actions": ["x", {"id": "y"}, good, None, 2**70]})
    assert [r["outcome"] for r in answer.json()["results"]] == [
        "refused",
        "refused",
        "applied",
        "refused",
        "refused",
    ]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b"[]", 400),
        (b'{"actions": {}}', 400),
        (b'{"actions": [' + b",".join([b"{}"] * 51) + b"]}", 400),
        (b'{"actions": [{"id": 1' + b"0" * 5000 + b"}]}", 400),
        (b'{"actions": [' * 5000 + b"]" * 5000 + b"}", 400),
        (b"\xff\xfe", 400),
    ],
)
def test_a_body_that_is_not_a_list_of_actions_is_a_400(world, body, status):
    answer = phone(world.mehmet).post(ACTIONS, body, content_type="application/json")
    assert answer.status_code == status
    assert answer.json()["message"]


def test_a_conflict_comes_back_with_what_happened(world):
    case = world.case()
    order = world.order(case)
    cases.transfer(case, actor=world.manager, unit=world.parks)
    result = post(phone(world.mehmet), ACTIONS, {"actions": [action("done", order)]}).json()["results"][0]
    assert result["outcome"] == "conflict" and result["code"] == "transferred"
    assert "Park ve Bahçeler Müdürlüğü" in result["message"]
    assert result["work_order"]["status"] == "assigned"


# -- device keys ---------------------------------------------------------------------------------------------


def test_the_device_key_sends_the_queue_after_sign_out_and_not_after_it_is_revoked(world):
    order = world.order()
    client = phone(world.mehmet)
    made = post(client, DEVICES, {"label": "Mehmet'in telefonu"})
    assert made.status_code == 201
    key = made.json()["token"]
    device_id = made.json()["id"]
    client.logout()
    assert post(client, ACTIONS, {"actions": [action("note", order, text="Bodrumdan")]}).status_code == 401
    sent = post(
        client,
        ACTIONS,
        {"actions": [action("note", order, text="Bodrumdan")]},
        HTTP_AUTHORIZATION=f"Device {key}",
    )
    assert sent.status_code == 200 and sent.json()["results"][0]["outcome"] == "applied"
    kept = FieldAction.objects.get(kind="note")
    assert kept.device_id == device_id and kept.user == world.mehmet
    # The device key sends the queue only.
    assert client.get(ORDERS, HTTP_AUTHORIZATION=f"Device {key}").status_code == 403
    assert post(client, DEVICES, {}, HTTP_AUTHORIZATION=f"Device {key}").status_code == 403
    # Revoked from the app's settings (with the session).
    client.force_login(world.mehmet)
    listed = client.get(DEVICES).json()["devices"]
    assert [d["label"] for d in listed] == ["Mehmet'in telefonu"] and "token" not in listed[0]
    assert client.post(f"{DEVICES}{device_id}/iptal/").status_code == 200
    client.logout()
    refused = post(
        client,
        ACTIONS,
        {"actions": [action("note", order, text="Sonra")]},
        HTTP_AUTHORIZATION=f"Device {key}",
    )
    assert refused.status_code == 401 and refused.json()["code"] == "device_refused"
    assert FieldAction.objects.count() == 1


@pytest.mark.parametrize("pk", ["999", str(2**63), "18446744073709551616"])
def test_revoking_a_device_that_is_not_mine_is_a_404(world, pk):
    theirs, _raw = services.issue_device(world.ahmet, "Ahmet")
    client = phone(world.mehmet)
    assert client.post(f"{DEVICES}{pk}/iptal/").status_code == 404
    assert client.post(f"{DEVICES}{theirs.pk}/iptal/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_a_bad_device_name_is_refused_and_a_long_one_cut(world):
    client = phone(world.mehmet)
    assert post(client, DEVICES, {"label": ["x"]}).status_code == 400
    made = post(client, DEVICES, {"label": "T" * 500 + "\x00"})
    assert made.status_code == 201
    assert DeviceToken.objects.get().label == "T" * 200


# -- duty and position ---------------------------------------------------------------------------------------


def test_the_position_is_refused_off_duty_and_kept_on_duty(world):
    client = phone(world.mehmet)
    refused = post(client, POSITION, {"latitude": 41.04, "longitude": 28.88, "accuracy": 10})
    assert refused.status_code == 409
    assert refused.json()["code"] == "off_duty"
    assert refused.json()["message"] == "Ekip görev dışında: konum gönderilmez."
    on = post(client, DUTY, {"status": "on_duty"})
    assert on.status_code == 200 and on.json()["team"]["on_duty"] is True
    assert post(client, POSITION, {"latitude": 41.04, "longitude": 28.88, "accuracy": 10}).status_code == 204
    world.team.refresh_from_db()
    assert (str(world.team.latitude), world.team.status) == ("41.040000", Team.Status.AVAILABLE)
    assert post(client, DUTY, {"status": "off_duty"}).json()["team"]["status"] == "off_duty"
    assert post(client, POSITION, {"latitude": 41.05, "longitude": 28.88}).status_code == 409
    assert world.team.positions.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"latitude": "abc", "longitude": 28},
        {"latitude": 1e308 * 10, "longitude": 28},
        {"latitude": 41, "longitude": 181},
        {"latitude": 41, "longitude": 28, "accuracy": 10**30},
        {"latitude": None, "longitude": None},
        [],
    ],
)
def test_a_bad_position_is_a_400(world, body):
    client = phone(world.mehmet)
    post(client, DUTY, {"status": "on_duty"})
    answer = post(client, POSITION, body)
    assert answer.status_code == 400
    assert answer.json()["message"]
    assert not world.team.positions.exists()


@pytest.mark.parametrize(
    "body", [{"status": "asleep"}, {"status": "on_duty", "team": 2**63}, {"status": ["on_duty"]}]
)
def test_a_bad_duty_is_refused(world, body):
    answer = post(phone(world.mehmet), DUTY, body)
    assert answer.status_code in (400, 403)
    world.team.refresh_from_db()
    assert world.team.status == Team.Status.OFF_DUTY


def test_the_position_of_another_team_is_refused(world):
    client = phone(world.mehmet)
    post(client, DUTY, {"status": "on_duty"})
    answer = post(client, POSITION, {"latitude": 41, "longitude": 28, "team": world.park_team.pk})
    assert answer.status_code == 403 and answer.json()["code"] == "team"
    User.objects.filter(pk=world.mehmet.pk).update(is_active=False)
    assert post(client, POSITION, {"latitude": 41, "longitude": 28}).status_code == 401


def test_the_case_page_opens_for_the_second_team_and_shows_the_work_on_its_timeline(world):
    from django.urls import reverse

    case = world.case()
    world.order(case)
    second = services.send_work_order(case, world.park_team, actor=world.clerk)
    page = reverse("cases:detail", args=[case.tracking_number])
    post(phone(world.zeynep), ACTIONS, {"actions": [action("arrived", second)]})
    opened = phone(world.zeynep).get(page)
    assert opened.status_code == 200
    assert "Park Ekibi adrese vardı" in opened.content.decode()
    assert "İş emri gönderildi" in opened.content.decode()
    services.cancel_work_order(second, actor=world.clerk)
    assert phone(world.zeynep).get(page).status_code in (403, 404)


def test_lone_surrogates_in_a_note_and_a_device_name_are_dropped_not_a_500(world):
    order = world.order()
    body = (
        '{"actions": [{"id": "%s", "kind": "note", "work_order": %d, "text": "Çukur \\ud800 var", "at": ""}]}'
    )
    import uuid

    client = phone(world.mehmet)
    answer = client.post(ACTIONS, body % (uuid.uuid4(), order.pk), content_type="application/json")
    assert answer.status_code == 200 and answer.json()["results"][0]["outcome"] == "applied"
    assert Event.objects.get(case=order.case, action="work_order_note").note == "Çukur  var"
    odd_id = client.post(
        ACTIONS, '{"actions": [{"id": "\\udfff", "kind": "note"}]}', content_type="application/json"
    )
    assert odd_id.status_code == 200 and odd_id.json()["results"][0]["outcome"] == "refused"
    made = client.post(DEVICES, '{"label": "tel\\ud800"}', content_type="application/json")
    assert made.status_code == 201 and DeviceToken.objects.get().label == "tel"
