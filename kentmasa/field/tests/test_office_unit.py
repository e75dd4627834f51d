"""The roads unit's side of field work, through the office pages: Selin (road staff) sends Asfalt Ekibi 1 a
work order from the case page with the grader, the team reports, and Selin reads the report with its photos,
positions and times on /saha/birim/ and marks it reviewed; the case is resolved on its page, never by the
review. The parks unit's staff and other institutions see none of it."""

import datetime as dt
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kentmasa.cases.models import Event, Status
from kentmasa.conftest import PASSWORD
from kentmasa.directory.models import Unit, User
from kentmasa.field import services
from kentmasa.field.models import Machine, WorkOrder, WorkOrderPhoto
from kentmasa.field.tests import api_world
from kentmasa.field.tests.api_world import action, gps_exif, jpeg


@pytest.fixture
def world(institution, roads, parks, make_user, make_case):
    return api_world.build(institution, roads, parks, make_user, make_case)


def signed_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def send_url(case):
    return reverse("field:office_send", args=[case.tracking_number])


def order_data(world, **more):
    data = {
        "team": world.team.pk,
        "instructions": "Çukuru soğuk asfaltla kapatın.",
        "day": timezone.localdate().isoformat(),
        "machines": [world.grader.pk],
        "assignee": "",
    }
    data.update(more)
    return data


def reported(world, case, *, photos=True):
    """Asfalt Ekibi 1 goes, arrives, photographs and completes the work order on the phone."""
    order = world.order(case)
    for kind, more in (
        ("set_out", {}),
        ("arrived", {"latitude": 41.0431, "longitude": 28.8773, "accuracy": 8}),
    ):
        assert services.apply(world.mehmet, action(kind, order, **more))["outcome"] == "applied"
    if photos:
        for phase, data in (
            ("before", jpeg(exif=gps_exif(41.0432, 28.8771))),
            ("after", jpeg((20, 160, 40))),
        ):
            answer = services.add_photo(
                world.mehmet,
                order.pk,
                SimpleUploadedFile(f"{phase}.jpg", data, content_type="image/jpeg"),
                client_id=str(uuid.uuid4()),
                phase=phase,
                taken_at=timezone.now().isoformat(),
                latitude="41.0433",
                longitude="28.8770",
                source="phone",
            )
            assert answer["outcome"] == "applied", answer
    answer = services.apply(world.mehmet, action("done", order, text="Çukur kapatıldı, yol açık."))
    assert answer["outcome"] == "applied", answer
    order.refresh_from_db()
    return order


# -- sending from the case page ------------------------------------------------------------------------------


def test_the_case_page_offers_a_work_order_and_the_panel_lists_the_case_s_field_work(client, world):
    case = world.case()
    page = signed_in(client, world.clerk).get(reverse("cases:detail", args=[case.tracking_number]))
    assert reverse("field:office_case_panel", args=[case.tracking_number]) in page.content.decode()
    assert '<a id="nav-field" href="/saha/birim/">Saha çalışması</a>' in page.content.decode()
    panel = client.get(reverse("field:office_case_panel", args=[case.tracking_number]))
    assert panel.status_code == 200
    text = panel.content.decode()
    assert "İş emri gönder" in text and send_url(case) in text
    assert "Bu başvuruya iş emri gönderilmedi." in text


def test_selin_sends_the_team_a_work_order_with_the_grader(client, world):
    case = world.case()
    form = signed_in(client, world.clerk).get(send_url(case))
    assert form.status_code == 200
    text = form.content.decode()
    assert "Asfalt Ekibi 1 – Fen İşleri Müdürlüğü" in text and "Greyder 3" in text
    response = client.post(send_url(case), order_data(world, assignee=world.mehmet.pk))
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.tracking_number])
    order = WorkOrder.objects.get(case=case)
    assert (order.team, order.assignee, order.created_by) == (world.team, world.mehmet, world.clerk)
    assert order.instructions == "Çukuru soğuk asfaltla kapatın."
    assert list(order.machines.all()) == [world.grader]
    world.grader.refresh_from_db()
    assert world.grader.status == Machine.Status.OUT
    # The grader is out now: the next form does not offer it.
    again = client.get(send_url(world.case()))
    assert "Greyder 3" not in again.content.decode()
    panel = client.get(reverse("field:office_case_panel", args=[case.tracking_number])).content.decode()
    assert "Asfalt Ekibi 1" in panel and "Atandı" in panel and "Greyder 3" in panel


@pytest.mark.parametrize(
    "change, field",
    [
        ({"team": ""}, "team"),
        ({"team": "99999999"}, "team"),
        ({"team": str(2**70)}, "team"),
        ({"day": "2001-01-01"}, "day"),
        ({"day": "yarın"}, "day"),
        ({"machines": ["abc"]}, "machines"),
        ({"machines": [str(2**64)]}, "machines"),
        ({"instructions": "a" * 2001}, "instructions"),
        ({"instructions": "çukur\x00"}, "instructions"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_sends_nothing(client, world, change, field):
    case = world.case()
    response = signed_in(client, world.clerk).post(send_url(case), order_data(world, **change))
    assert response.status_code == 400
    assert f'id="field-{field}"' in response.content.decode()
    assert 'class="error"' in response.content.decode()
    assert not WorkOrder.objects.exists()
    world.grader.refresh_from_db()
    assert world.grader.status == Machine.Status.AVAILABLE


def test_a_member_of_another_team_and_a_second_open_order_are_refused_with_the_reason(client, world):
    case = world.case()
    signed_in(client, world.clerk)
    response = client.post(send_url(case), order_data(world, assignee=world.zeynep.pk))
    assert response.status_code == 400
    assert "Ekibin bir üyesini seçin." in response.content.decode()
    assert client.post(send_url(case), order_data(world)).status_code == 302
    twice = client.post(send_url(case), order_data(world, machines=[]))
    assert twice.status_code == 409
    assert "Asfalt Ekibi 1 ekibinin bu başvuruda zaten açık bir iş emri var." in twice.content.decode()
    assert WorkOrder.objects.filter(case=case).count() == 1


def test_the_parks_unit_a_field_user_and_another_institution_cannot_send(
    client, world, make_user, other_institution
):
    case = world.case()
    park_staff = make_user(User.Role.UNIT_STAFF, "park_clerk", units=[world.parks])
    assert signed_in(client, park_staff).get(send_url(case)).status_code == 404
    assert client.post(send_url(case), order_data(world)).status_code == 404
    assert signed_in(client, world.mehmet).get(send_url(case)).status_code == 404  # not his case yet
    world.order(case)
    # Now his team works it: he sees the case but sending is the unit's.
    assert client.get(send_url(case)).status_code == 403
    unit = Unit.objects.create(institution=other_institution, name="Fen İşleri Dairesi")
    stranger = make_user(User.Role.UNIT_MANAGER, "kayseri_boss", units=[unit], institution_=other_institution)
    assert signed_in(client, stranger).get(send_url(case)).status_code == 404
    assert WorkOrder.objects.filter(case=case).count() == 1


def test_the_unit_cancels_an_open_work_order_and_the_grader_comes_back(client, world):
    case = world.case()
    order = world.order(case, machines=[world.grader])
    signed_in(client, world.clerk)
    response = client.post(reverse("field:office_cancel", args=[order.pk]))
    assert response.status_code == 302
    order.refresh_from_db()
    world.grader.refresh_from_db()
    assert order.status == WorkOrder.Status.CANCELLED and world.grader.status == Machine.Status.AVAILABLE
    assert Event.objects.filter(case=case, action="work_order_cancelled").count() == 1
    again = client.post(reverse("field:office_cancel", args=[order.pk]), follow=True)
    assert "İş emri zaten “İptal edildi”" in again.content.decode()
    park_staff = User.objects.create_user("park2", password=PASSWORD, role=User.Role.UNIT_STAFF)
    park_staff.institution = world.roads.institution
    park_staff.save()
    park_staff.units.set([world.parks])
    assert (
        signed_in(client, park_staff).post(reverse("field:office_cancel", args=[order.pk])).status_code == 404
    )


# -- reports to review ---------------------------------------------------------------------------------------


def test_selin_reads_the_team_s_report_with_photos_positions_and_times_and_marks_it_reviewed(client, world):
    case = world.case()
    order = reported(world, case)
    page = signed_in(client, world.clerk).get(reverse("field:office_unit"))
    assert page.status_code == 200
    text = page.content.decode()
    assert f'id="report-{order.pk}"' in text
    assert "Çukur kapatıldı, yol açık." in text and "Tamamlandı" in text
    assert "41.043100, 28.877300" in text and "± 8 m" in text  # where the team said it arrived
    photos = list(WorkOrderPhoto.objects.filter(work_order=order).select_related("attachment"))
    assert {photo.phase for photo in photos} == {"before", "after"}
    for photo in photos:
        assert reverse("field:office_photo", args=[photo.pk]) in text
    before = next(photo for photo in photos if photo.phase == "before")
    assert before.attachment.position_source == "photo"
    assert "fotoğrafın GPS verisi" in text and "telefonun çekim anındaki konumu" in text
    shown = client.get(reverse("field:office_photo", args=[before.pk]))
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert b"".join(shown.streaming_content)[:2] == b"\xff\xd8"

    response = client.post(reverse("field:office_review", args=[order.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.tracking_number])
    order.refresh_from_db()
    assert order.reviewed_by == world.clerk and order.reviewed_at is not None
    reviewed = Event.objects.get(case=case, action="work_order_reviewed")
    assert reviewed.note == "Asfalt Ekibi 1 ekibinin raporu (Tamamlandı) incelendi."
    case.refresh_from_db()
    assert case.status not in (Status.RESOLVED, Status.CLOSED)  # the unit resolves it on the case page
    assert f'id="report-{order.pk}"' not in client.get(reverse("field:office_unit")).content.decode()
    assert (
        f'id="report-{order.pk}"'
        in client.get(reverse("field:office_unit") + "?incelenen=1").content.decode()
    )
    # Marking it again changes nothing.
    first = order.reviewed_at
    client.post(reverse("field:office_review", args=[order.pk]))
    order.refresh_from_db()
    assert order.reviewed_at == first
    assert Event.objects.filter(case=case, action="work_order_reviewed").count() == 1


def test_an_open_work_order_cannot_be_reviewed(client, world):
    order = world.order(world.case())
    response = signed_in(client, world.clerk).post(
        reverse("field:office_review", args=[order.pk]), follow=True
    )
    assert "Ekip bu iş emri hakkında henüz rapor vermedi." in response.content.decode()
    order.refresh_from_db()
    assert order.reviewed_at is None


def test_the_parks_unit_sees_no_roads_report_and_field_users_have_no_review_page(client, world, make_user):
    order = reported(world, world.case(), photos=True)
    park_staff = make_user(User.Role.UNIT_STAFF, "park_clerk", units=[world.parks])
    signed_in(client, park_staff)
    assert f'id="report-{order.pk}"' not in client.get(reverse("field:office_unit")).content.decode()
    assert client.post(reverse("field:office_review", args=[order.pk])).status_code == 404
    photo = WorkOrderPhoto.objects.filter(work_order=order).first()
    assert client.get(reverse("field:office_photo", args=[photo.pk])).status_code == 404
    order.refresh_from_db()
    assert order.reviewed_at is None
    signed_in(client, world.mehmet)
    assert client.get(reverse("field:office_unit")).status_code == 403
    assert client.post(reverse("field:office_review", args=[order.pk])).status_code == 403
    assert client.get(reverse("field:office_photo", args=[photo.pk])).status_code == 200  # his team's photo


def test_the_manager_above_reviews_and_a_report_stays_with_the_unit_after_the_case_moved(
    client, world, make_user
):
    case = world.case()
    order = reported(world, case, photos=False)
    from kentmasa.cases import services as cases

    cases.transfer(case, actor=world.manager, unit=world.parks, note="Park alanında.")
    page = signed_in(client, world.clerk).get(reverse("field:office_unit"))
    text = page.content.decode()
    assert f'id="report-{order.pk}"' in text
    assert "başvuru şimdi Park ve Bahçeler Müdürlüğü biriminde" in text
    response = client.post(reverse("field:office_review", args=[order.pk]))
    assert response["Location"] == reverse("field:office_unit")  # the case is no longer his to open


@pytest.mark.parametrize("pk", [0, 2**63, 2**80])
def test_keys_out_of_range_are_404_never_500(client, world, pk):
    signed_in(client, world.clerk)
    for name in ("field:office_review", "field:office_cancel"):
        assert client.post(reverse(name, args=[pk])).status_code == 404
    assert client.get(reverse("field:office_photo", args=[pk])).status_code == 404


def test_overdue_open_work_orders_still_show_in_the_case_panel(client, world):
    case = world.case()
    order = world.order(case)
    WorkOrder.objects.filter(pk=order.pk).update(scheduled_for=timezone.localdate() - dt.timedelta(days=3))
    panel = signed_in(client, world.clerk).get(
        reverse("field:office_case_panel", args=[case.tracking_number])
    )
    assert f'id="work-order-{order.pk}"' in panel.content.decode()
