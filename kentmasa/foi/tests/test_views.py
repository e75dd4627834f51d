"""The information service's pages: who sees what, each step by form, bad and hostile input."""

import pytest

from kentmasa.directory.models import Institution, User
from kentmasa.foi.models import Stage
from kentmasa.foi.tests.conftest import AYSE_TC

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_(open_request):
    return open_request()


def post(client, request_, step, **fields):
    data = {"step": step, **{f"{step}-{name}": value for name, value in fields.items()}}
    return client.post(f"/bilgi-edinme/{request_.pk}/", data)


def test_the_information_service_sees_the_queue_with_the_check_clock(client, elif_, request_):
    client.force_login(elif_)
    page = client.get("/bilgi-edinme/")
    assert page.status_code == 200
    text = page.content.decode()
    assert request_.case.tracking_display in text and "03.06.2026 17:30" in text
    assert client.get("/bilgi-edinme/?asama=<script>").status_code == 200
    assert client.get(f"/bilgi-edinme/basvuru/{request_.case.tracking_number}/").status_code == 200


def test_other_units_and_institutions_see_nothing(client, ali, request_, make_user):
    client.force_login(ali)
    assert request_.case.tracking_display not in client.get("/bilgi-edinme/").content.decode()
    assert client.get(f"/bilgi-edinme/{request_.pk}/").status_code == 404
    assert client.get("/bilgi-edinme/rapor/").status_code == 403
    kayseri = Institution.objects.create(slug="kayseri", name="Kayseri BB", kind="metropolitan")
    stranger = make_user(User.Role.OPERATOR, "kayseri_operator", institution_=kayseri)
    client.force_login(stranger)
    assert client.get(f"/bilgi-edinme/{request_.pk}/").status_code == 404
    assert post(client, request_, "check", name="X").status_code == 404
    client.logout()
    assert client.get("/bilgi-edinme/").status_code == 302


def test_the_check_by_form_refuses_a_bad_tc_number_and_changes_nothing(client, elif_, request_):
    client.force_login(elif_)
    response = post(
        client, request_, "check", applicant_kind="person", name="Ayşe Kaya", tc_kimlik="12345678901"
    )
    assert response.status_code == 400
    assert "geçerli değil" in response.content.decode() or "not valid" in response.content.decode()
    request_.refresh_from_db()
    assert request_.stage == Stage.CHECKING
    response = post(client, request_, "check", applicant_kind="person", name="Ayşe Kaya")
    assert response.status_code == 400
    request_.refresh_from_db()
    assert request_.stage == Stage.CHECKING
    response = post(
        client,
        request_,
        "check",
        applicant_kind="person",
        name="Ayşe Kaya",
        tc_kimlik=AYSE_TC,
        email="ayse@example.com",
    )
    assert response.status_code == 302
    request_.refresh_from_db()
    assert request_.stage == Stage.PROCESSING


@pytest.mark.parametrize(
    ("step", "fields"),
    [
        ("nope", {}),
        ("check", {"applicant_kind": "robot\x00", "name": "A\x00"}),
        ("fee", {"bw_pages": "99999999999999999999999", "colour_pages": "0", "discs": "0"}),
        ("decide", {"decision": "refused", "answer": "x", "grounds": ["m99"]}),
        ("kurul", {"objection": "184467440737095516160", "outcome": "accepted", "decided_on": "2026-13-45"}),
        ("objection", {"to": "kurul", "lodged_on": "9999-01-01"}),
        ("incomplete", {"missing": ["'; DROP TABLE"]}),
    ],
)
def test_hostile_input_is_a_clear_400_never_a_500(client, elif_, request_, step, fields):
    client.force_login(elif_)
    response = post(client, request_, step, **fields)
    assert response.status_code == 400
    request_.refresh_from_db()
    assert request_.stage == Stage.CHECKING


def test_a_step_of_the_wrong_stage_is_refused_with_its_reason(client, elif_, request_):
    client.force_login(elif_)
    response = post(client, request_, "extend", reason="Başka birimden bilgi")
    assert response.status_code == 400
    assert "Eligibility check" in response.content.decode() or "Uygunluk" in response.content.decode()


def test_huge_or_odd_addresses_are_404(client, elif_):
    client.force_login(elif_)
    assert client.get("/bilgi-edinme/99999999999999999999999/").status_code == 404
    assert client.get("/bilgi-edinme/yanit/..%2F..%2Fetc/").status_code == 404
    assert client.get("/bilgi-edinme/basvuru/xyz/").status_code == 404
