"""Every staff read of a citizen's personal data writes exactly one access-log row with the right fields."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from PIL import Image

from kentmasa.cases.attachments import add_attachment
from kentmasa.cases.models import Channel, Citizen
from kentmasa.directory.models import User
from kentmasa.field.tests import api_world
from kentmasa.privacy.models import AccessLog, AppendOnlyError


@pytest.fixture
def ayse(institution):
    return Citizen.objects.create(institution=institution, name="Ayşe Kaya", phone="+905321234567")


@pytest.fixture
def case(make_case, ayse):
    return make_case(citizen=ayse)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def only_row():
    rows = list(AccessLog.objects.all())
    assert len(rows) == 1, rows
    return rows[0]


pytestmark = pytest.mark.django_db


def test_the_case_page_logs_one_read_with_who_what_whose_and_why(operator, case, ayse):
    answer = signed_in(operator).get(f"/vaka/{case.tracking_number}/", {"neden": "vatandaş aradı"})
    assert answer.status_code == 200
    row = only_row()
    assert (row.user_id, row.institution_id, row.what) == (operator.pk, case.institution_id, "case")
    assert (row.case_id, row.citizen_id, row.reason) == (case.pk, ayse.pk, "vatandaş aradı")
    assert row.client_ip == "127.0.0.1" and row.path == f"/vaka/{case.tracking_number}/"


def test_a_case_page_refused_logs_nothing(park_staff, case):
    assert signed_in(park_staff).get(f"/vaka/{case.tracking_number}/").status_code == 404
    assert not AccessLog.objects.exists()


def test_an_attachment_download_logs_one_read(operator, case, ayse, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="PNG")
    attachment = add_attachment(case, SimpleUploadedFile("a.png", out.getvalue(), content_type="image/png"))
    answer = signed_in(operator).get(f"/vaka/{case.tracking_number}/ek/{attachment.pk}/")
    assert answer.status_code == 200
    row = only_row()
    assert (row.what, row.case_id, row.citizen_id, row.detail) == (
        "attachment",
        case.pk,
        ayse.pk,
        str(attachment.pk),
    )


def test_the_caller_lookup_logs_each_caller_shown(operator, case, ayse):
    answer = signed_in(operator).get("/konsol/arayan", {"q": "0532 123 45 67"})
    assert answer.status_code == 200 and "Ayşe" in answer.content.decode()
    row = only_row()
    assert (row.what, row.citizen_id, row.case_id) == ("caller_lookup", ayse.pk, None)


def token_for(user: User) -> str:
    out = io.StringIO()
    call_command("api_token", user.username, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def test_the_apis_case_detail_with_a_token_logs_one_read(operator, case, ayse):
    client = Client(headers={"authorization": f"Bearer {token_for(operator)}"})
    answer = client.get(f"/api/v1/cases/{case.tracking_number}")
    assert answer.status_code == 200
    row = only_row()
    assert (row.user_id, row.what, row.case_id, row.citizen_id) == (operator.pk, "api_case", case.pk, ayse.pk)


def test_the_apis_case_list_logs_one_row_per_listed_case_in_one_insert(operator, make_case, ayse, case):
    other = make_case(subject="Çöp alınmadı")
    client = Client(headers={"authorization": f"Bearer {token_for(operator)}"})
    answer = client.get("/api/v1/cases", {"limit": 5})
    assert answer.status_code == 200 and len(answer.json()["items"]) == 2
    rows = {(r.what, r.case_id, r.citizen_id) for r in AccessLog.objects.all()}
    assert rows == {("api_case_list", case.pk, ayse.pk), ("api_case_list", other.pk, None)}


def test_the_field_apps_orders_log_the_cases_whose_contact_reached_the_phone(
    institution, roads, parks, make_user, make_case
):
    world = api_world.build(institution, roads, parks, make_user, make_case)
    order = world.order()
    answer = signed_in(world.mehmet).get("/saha/api/isler/")
    assert answer.status_code == 200
    row = only_row()
    assert (row.user_id, row.what, row.case_id, row.citizen_id) == (
        world.mehmet.pk,
        "work_order",
        order.case_id,
        world.citizen.pk,
    )


def test_a_kades_order_shows_no_contact_and_logs_nothing(institution, roads, parks, make_user, make_case):
    world = api_world.build(institution, roads, parks, make_user, make_case)
    world.order(world.case(channel=Channel.KADES))
    assert signed_in(world.mehmet).get("/saha/api/isler/").status_code == 200
    assert not AccessLog.objects.exists()


def test_the_log_is_never_updated_or_deleted_through_the_orm(operator, case):
    signed_in(operator).get(f"/vaka/{case.tracking_number}/")
    row = only_row()
    row.what = "nothing"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=row.pk).update(what="nothing")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    assert AccessLog.objects.get().what == "case"


@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_update_and_delete_in_sql_too(operator, case):
    from django.db import DatabaseError, connection, transaction

    signed_in(operator).get(f"/vaka/{case.tracking_number}/")
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; SQLite relies on the ORM's refusals")
    for statement in ("UPDATE privacy_accesslog SET what = 'x'", "DELETE FROM privacy_accesslog"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(statement)
    assert AccessLog.objects.get().what == "case"


def test_a_400_re_render_that_shows_the_persons_data_logs_its_read(institution, make_user):
    """The application's page re-rendered with an error (400: nothing to correct) still lists the person's
    records: those reads are written too (only a 5xx answer is not)."""
    from django.urls import reverse

    from kentmasa.cases import services as cases
    from kentmasa.cases.citizens import STAFF, find_or_create_citizen
    from kentmasa.cases.models import Kind
    from kentmasa.privacy.models import DataSubjectRequest

    admin = make_user(User.Role.ADMINISTRATOR, "admin")
    ayse = find_or_create_citizen(
        institution, name="Ayşe Kaya", tc_kimlik="10000000146", proven=STAFF, address="Gül Sok. 3"
    )
    opened = cases.open_case(
        institution=institution,
        channel=Channel.DESK,
        kind=Kind.DATA_SUBJECT_REQUEST,
        subject="KVKK başvurusu",
        description="Hakkımdaki verileri istiyorum.",
        citizen=ayse,
    )
    cases.record_on_opening(
        opened, "desk", {"identity_seen": True, "identity_document": "id_card", "seen_by": admin.pk}
    )
    request = DataSubjectRequest.objects.get(case=opened)
    assert request.proven and not AccessLog.objects.exists()
    step = reverse("privacy:request_step", args=[request.pk, "correct"])
    answer = signed_in(admin).post(step, {"citizen": ayse.pk, "name": "Ayşe Kaya"})
    assert answer.status_code == 400 and "Gül Sok. 3" in answer.content.decode()
    rows = {
        (row.user_id, row.what, row.case_id, row.citizen_id, row.detail) for row in AccessLog.objects.all()
    }
    assert (admin.pk, "data_subject_request", opened.pk, ayse.pk, "page") in rows
