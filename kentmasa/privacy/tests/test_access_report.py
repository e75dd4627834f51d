"""/kvkk/erisim/: who may read the access log, what they see, and that reading it is logged."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from kentmasa.cases.models import Citizen
from kentmasa.cases.tests.keyset_walk import assert_bad_cursors_show_the_first_page, walk
from kentmasa.directory.models import User
from kentmasa.privacy.access_reports import PAGE
from kentmasa.privacy.models import AccessLog

pytestmark = pytest.mark.django_db
URL = "/kvkk/erisim/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ayse(institution):
    return Citizen.objects.create(institution=institution, name="Ayşe Kaya", phone="+905321234567")


@pytest.fixture
def admin(make_user):
    return make_user(User.Role.ADMINISTRATOR, "yonetici")


def test_an_administrator_sees_the_reads_of_a_citizen_and_the_reading_is_logged(
    operator, admin, make_case, ayse
):
    case = make_case(citizen=ayse)
    signed_in(operator).get(f"/vaka/{case.tracking_number}/")
    answer = signed_in(admin).get(URL, {"vatandas": ayse.pk})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert case.tracking_display in page and "Operator" in page
    logged = AccessLog.objects.filter(what="access_log").get()
    assert (logged.user_id, logged.citizen_id, logged.institution_id) == (
        admin.pk,
        ayse.pk,
        admin.institution_id,
    )


def test_the_report_per_staff_member_lists_only_theirs(operator, admin, road_staff, make_case, ayse):
    case = make_case(citizen=ayse)
    signed_in(operator).get(f"/vaka/{case.tracking_number}/")
    signed_in(admin).get(f"/vaka/{case.tracking_number}/")
    answer = signed_in(admin).get(URL, {"personel": operator.pk})
    rows = answer.context["rows"]
    assert [r.user_id for r in rows] == [operator.pk]


def test_another_institutions_administrator_sees_nothing(
    operator, make_user, other_institution, make_case, ayse
):
    case = make_case(citizen=ayse)
    signed_in(operator).get(f"/vaka/{case.tracking_number}/")
    stranger = make_user(User.Role.ADMINISTRATOR, "baska", institution_=other_institution)
    answer = signed_in(stranger).get(URL, {"vatandas": ayse.pk})
    assert answer.status_code == 200 and list(answer.context["rows"]) == []
    # Unfiltered: only their own institution's rows (their first reading of the report), none of Esenler's.
    assert {r.user_id for r in signed_in(stranger).get(URL).context["rows"]} == {stranger.pk}


def test_a_plain_operator_is_refused_unless_granted_the_permission(operator):
    assert signed_in(operator).get(URL).status_code == 403
    operator.user_permissions.add(Permission.objects.get(codename="view_accesslog"))
    operator = User.objects.get(pk=operator.pk)
    assert signed_in(operator).get(URL).status_code == 200


def test_pages_forward_and_back_hold_every_read_once_newest_first(admin, operator, ayse):
    at = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
    AccessLog.objects.bulk_create(
        [  # three reads share each moment: the key breaks the ties
            AccessLog(
                institution_id=admin.institution_id,
                user=operator,
                what="case",
                citizen=ayse,
                at=at - dt.timedelta(minutes=n // 3),
            )
            for n in range(2 * PAGE + 7)
        ]
    )
    client = signed_in(admin)
    newest_first = list(
        AccessLog.objects.filter(citizen=ayse).order_by("-at", "-id").values_list("pk", flat=True)
    )
    # By the staff member who read (reading the report is logged too, as the administrator's read).
    forward, backward = walk(client, URL, {"personel": operator.pk})
    assert forward == backward == newest_first
    first = client.get(URL, {"personel": operator.pk})
    assert f'id="access-log-count">Bu listede {2 * PAGE + 7} kayıt<' in first.content.decode()
    # The institution's whole log up to a day (along accesslog_institution), without the report's own reads.
    forward, backward = walk(client, URL, {"bitis": "2026-03-02"})
    assert forward == backward == newest_first


def test_a_bad_or_forged_cursor_shows_the_first_page(admin, operator, ayse):
    AccessLog.objects.create(institution_id=admin.institution_id, user=operator, what="case", citizen=ayse)
    assert_bad_cursors_show_the_first_page(signed_in(admin), URL, {"personel": operator.pk})


@pytest.mark.parametrize(
    "query",
    [
        {"vatandas": "9" * 40},
        {"baslangic": "0001-01-01"},
        {"personel": "x\u0661"},
    ],
)
def test_bad_filters_are_a_400(admin, query):
    assert signed_in(admin).get(URL, query).status_code == 400


def test_a_period_filters_by_day(admin, operator, ayse):
    AccessLog.objects.bulk_create(
        [
            AccessLog(institution_id=admin.institution_id, user=operator, what="case", citizen=ayse, at=at)
            for at in (dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), dt.datetime(2026, 3, 5, 9, tzinfo=dt.UTC))
        ]
    )
    answer = signed_in(admin).get(URL, {"baslangic": "2026-03-04", "bitis": "2026-03-06"})
    assert [r.at.day for r in answer.context["rows"]] == [5]
