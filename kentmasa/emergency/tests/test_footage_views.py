"""The KGYS screens (kentmasa.emergency.footage_views, /haber-merkezi/kgys/): Seda records the prosecutor's
request with the form, Murat (release permission) sees "Approve" where Seda sees why she may not, the approval
is refused on the page without the order and with it releases the package, whose log and download only
permission holders get. amir lifts holds; nobody outside the directorate opens anything. Bad input is a 400
naming the field in Turkish (or English) and writes nothing; the lists cost the same queries for 3 rows or 30.
"""

import datetime as dt
import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kentmasa.cases.tests.keyset_walk import assert_bad_cursors_show_the_first_page, walk
from kentmasa.directory.models import Institution, User
from kentmasa.emergency import footage, footage_forms, footage_views
from kentmasa.emergency.models import Camera, FootageHold, FootageRelease, FootageRequest
from kentmasa.emergency.tests.core_world import user
from kentmasa.emergency.tests.footage_world import CAMERAS, ORDER_PDF, kgys_world, record

pytestmark = pytest.mark.django_db

KGYS = "/haber-merkezi/kgys/"
NEW = f"{KGYS}talep/yeni/"


@pytest.fixture
def kgys(settings, tmp_path):
    return kgys_world(settings, tmp_path)


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def form_data(kgys, **changes):
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=20)
    data: dict[str, object] = {
        "requester_kind": "prosecutor",
        "requester": "Eskişehir Cumhuriyet Başsavcılığı",
        "reference_no": "2026/4471",
        "reference_date": timezone.localdate().isoformat(),
        "cameras": [kgys.cameras[0].pk, kgys.cameras[1].pk],
        "window_start": local(start),
        "window_end": local(start + dt.timedelta(hours=1)),
        "note": "Adalar'daki kavga",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def pending_request(kgys, *, order=False, minutes=3):
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=20)
    record(kgys.recorder, kgys.cameras[0], start, minutes)
    return footage.record_request(
        kgys.world.police,
        requester_kind="prosecutor",
        requester="Eskişehir Cumhuriyet Başsavcılığı",
        reference_no="2026/4471",
        reference_date=timezone.localdate(),
        cameras=kgys.cameras[:1],
        window_start=start,
        window_end=start + dt.timedelta(hours=1),
        actor=kgys.seda,
        order=ORDER_PDF if order else None,
    )


def detail(pk):
    return f"{KGYS}talep/{pk}/"


def test_seda_records_a_request_with_its_order_and_the_window_is_held(client, kgys):
    client.force_login(kgys.seda)
    page = client.get(NEW)
    assert page.status_code == 200
    assert "ESK-KGYS-001 · Köprübaşı – Adalar" in page.content.decode()

    response = client.post(
        NEW, form_data(kgys, order=SimpleUploadedFile("emir.pdf", ORDER_PDF, "application/pdf"))
    )

    made = FootageRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(made.pk)
    assert made.status == "pending" and made.recorded_by == kgys.seda
    assert made.order_sha256 == hashlib.sha256(ORDER_PDF).hexdigest()
    assert sorted(made.cameras.values_list("code", flat=True)) == ["ESK-KGYS-001", "ESK-KGYS-002"]
    assert FootageHold.objects.filter(request=made, lifted_at__isnull=True).count() == 2
    shown = client.get(detail(made.pk)).content.decode()
    assert "yasal saklamaya alındı" in shown  # the message of the recording, in Turkish
    assert made.order_sha256 in shown


def test_a_request_past_retention_is_recorded_refused_and_says_why(client, kgys):
    client.force_login(kgys.seda)
    start = timezone.now() - dt.timedelta(days=11)
    response = client.post(
        NEW, form_data(kgys, window_start=local(start), window_end=local(start + dt.timedelta(hours=1)))
    )
    made = FootageRequest.objects.get()
    assert response.status_code == 302 and made.status == "refused"
    page = client.get(detail(made.pk)).content.decode()
    assert 'id="kgys-refusal-reason"' in page and "ESK-KGYS-001" in page and "10 gün" in page
    assert 'id="kgys-approve"' not in page and not FootageHold.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"requester": "Savcılık\x00"}, "requester"),
        ({"requester": "S" * 300}, "requester"),
        ({"cameras": [str(2**63)]}, "cameras"),
        ({"cameras": []}, "cameras"),
        ({"window_start": "0001-01-01T00:00"}, "window_start"),
        ({"window_end": "9999-12-31T23:59"}, "window_end"),
        ({"window_start": "dün"}, "window_start"),
        ({"reference_date": "0001-01-01"}, "reference_date"),
        ({"requester_kind": "belediye"}, "requester_kind"),
        ({"reference_no": str(2**63) * 10}, "reference_no"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(client, kgys, change, field):
    client.force_login(kgys.seda)
    response = client.post(NEW, form_data(kgys, **change))
    assert response.status_code == 400
    assert f'id="id_{field}' in response.content.decode() or f"id_{field}_0" in response.content.decode()
    assert field in response.context["form"].errors
    assert not FootageRequest.objects.exists() and not FootageHold.objects.exists()


def test_an_end_before_the_start_is_refused_in_english_too(client, kgys):
    client.force_login(kgys.seda)
    start = timezone.now() - dt.timedelta(hours=5)
    data = form_data(kgys, window_start=local(start), window_end=local(start - dt.timedelta(hours=1)))
    turkish = client.post(NEW, data)
    assert turkish.status_code == 400 and "sonra bitmeli" in turkish.content.decode()
    english = client.post(NEW, data, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400 and "The window must end after it starts." in english.content.decode()
    assert not FootageRequest.objects.exists()


def test_an_order_that_is_no_scan_is_a_400_on_the_order(client, kgys):
    client.force_login(kgys.seda)
    made = pending_request(kgys)
    response = client.post(
        f"{detail(made.pk)}emir/", {"order": SimpleUploadedFile("emir.pdf", b"<html>not a scan</html>")}
    )
    assert response.status_code == 400 and "order" in response.context["order_form"].errors
    made.refresh_from_db()
    assert not made.order


def test_approval_is_shown_to_murat_only_and_refused_on_the_page_without_an_order(client, kgys):
    made = pending_request(kgys)
    client.force_login(kgys.seda)
    page = client.get(detail(made.pk)).content.decode()
    assert 'id="kgys-approve"' not in page and 'id="kgys-needs-permission"' in page
    assert 'id="kgys-order-form"' in page
    refused = client.post(f"{detail(made.pk)}onayla/")  # Seda tries anyway: she lacks the right, 403
    assert refused.status_code == 403 and 'data-code="forbidden"' in refused.content.decode()
    assert "KGYS teslim yetkisi" in refused.content.decode()  # the reason, in Turkish
    refused = client.post(f"{detail(made.pk)}reddet/", {"reason": "Emir yok"})
    assert refused.status_code == 403 and 'data-code="forbidden"' in refused.content.decode()

    client.force_login(kgys.murat)
    page = client.get(detail(made.pk)).content.decode()
    assert 'id="kgys-approve"' in page and 'id="kgys-no-order"' in page
    refused = client.post(f"{detail(made.pk)}onayla/")
    body = refused.content.decode()
    assert refused.status_code == 409 and 'data-code="no_order"' in body
    assert "yazılı emri" in body  # the reason, in Turkish
    made.refresh_from_db()
    assert made.status == "pending" and not FootageRelease.objects.exists()


def test_with_the_order_murat_releases_and_the_log_and_package_carry_the_sha256(client, kgys):
    made = pending_request(kgys)
    client.force_login(kgys.seda)
    attached = client.post(f"{detail(made.pk)}emir/", {"order": SimpleUploadedFile("emir.pdf", ORDER_PDF)})
    assert attached.status_code == 302

    client.force_login(kgys.murat)
    approved = client.post(f"{detail(made.pk)}onayla/")
    assert approved.status_code == 302
    release = FootageRelease.objects.get()
    page = client.get(detail(made.pk)).content.decode()
    assert release.sha256 in page and 'id="kgys-status" data-status="released"' in page
    assert "Murat Kaya" in page and "ESK-KGYS-001" in page

    package = client.get(f"{KGYS}teslim/{release.pk}/paket/")
    assert package.status_code == 200 and package["Content-Type"] == "application/zip"
    assert package["Cache-Control"] == "private, no-store"
    data = b"".join(package.streaming_content)
    assert hashlib.sha256(data).hexdigest() == release.sha256
    assert len(zipfile.ZipFile(io.BytesIO(data)).namelist()) == 4  # three segments and MANIFEST.json

    client.force_login(kgys.seda)  # she recorded it; the package is for permission holders
    assert client.get(f"{KGYS}teslim/{release.pk}/paket/").status_code == 403
    assert 'id="kgys-package-' not in client.get(detail(made.pk)).content.decode()
    order = client.get(f"{detail(made.pk)}emir/indir/")
    assert order.status_code == 200 and b"".join(order.streaming_content) == ORDER_PDF


def test_seda_holding_the_permission_is_still_told_another_officer_must_approve(client, kgys):
    from kentmasa.emergency.tests.footage_world import grant

    made = pending_request(kgys, order=True)
    seda = grant(kgys.seda, "release_footage")
    client.force_login(seda)
    page = client.get(detail(made.pk)).content.decode()
    assert 'id="kgys-approve"' not in page and 'id="kgys-own-request"' in page
    assert 'id="kgys-refuse"' in page  # refusing her own request is allowed
    refused = client.post(f"{detail(made.pk)}onayla/")
    assert refused.status_code == 409 and 'data-code="same_officer"' in refused.content.decode()
    # And her other rights stay: the board is still hers.
    assert client.get("/haber-merkezi/").status_code == 200


def test_murat_refuses_with_a_reason(client, kgys):
    made = pending_request(kgys)
    client.force_login(kgys.murat)
    empty = client.post(f"{detail(made.pk)}reddet/", {"reason": ""})
    assert empty.status_code == 400
    done = client.post(f"{detail(made.pk)}reddet/", {"reason": "Emir başka bir kameraya ait."})
    assert done.status_code == 302
    made.refresh_from_db()
    assert made.status == "refused" and made.decided_by == kgys.murat


def test_who_opens_the_screens(client, kgys, institution):
    made = pending_request(kgys)
    pages = [KGYS, NEW, detail(made.pk), f"{KGYS}kameralar/", f"{KGYS}saklamalar/"]
    assert client.get(KGYS).status_code == 302  # signed out: to the log-in page
    municipal = user("operator153", User.Role.OPERATOR, institution)
    ankara = Institution.objects.create(
        slug="ankara-emniyet", name="Ankara İl Emniyet Müdürlüğü", kind=Institution.Kind.POLICE
    )
    stranger = user("polis06", User.Role.POLICE_OPERATOR, ankara)
    manager = user("mudur", User.Role.UNIT_MANAGER, kgys.world.police)
    member = kgys.world.members[kgys.world.teams[0].pk][0]
    for outsider in (municipal, manager, member):
        client.force_login(outsider)
        assert [client.get(page).status_code for page in pages] == [403] * len(pages)
    client.force_login(stranger)  # another directorate's operator: their own list, never this request
    assert client.get(KGYS).status_code == 200
    assert client.get(detail(made.pk)).status_code == 403
    assert client.get(f"{KGYS}talep/{2**63}/").status_code == 404
    client.force_login(kgys.amir)  # a unit manager with the lift permission works the screens
    assert [client.get(page).status_code for page in pages] == [200] * len(pages)


def test_holds_are_placed_by_operators_and_lifted_only_by_amir_with_a_reason(client, kgys):
    client.force_login(kgys.seda)
    start = timezone.now() - dt.timedelta(days=2)
    placed = client.post(
        f"{KGYS}saklamalar/yeni/",
        {
            "camera": kgys.cameras[2].pk,
            "window_start": local(start),
            "window_end": local(start + dt.timedelta(hours=3)),
            "reason": "Kampüs önünde gasp ihbarı",
        },
    )
    assert placed.status_code == 302
    hold = FootageHold.objects.get()
    assert hold.created_by == kgys.seda and hold.request is None
    bad = client.post(f"{KGYS}saklamalar/yeni/", {"camera": kgys.cameras[2].pk, "reason": "x" * 301})
    assert bad.status_code == 400 and FootageHold.objects.count() == 1
    page = client.get(f"{KGYS}saklamalar/").content.decode()
    assert "Kampüs önünde gasp ihbarı" in page and f'id="kgys-lift-{hold.pk}"' not in page

    lift = f"{KGYS}saklama/{hold.pk}/kaldir/"
    assert client.post(lift, {"reason": "Gerek kalmadı"}).status_code == 403
    client.force_login(kgys.amir)
    assert f'id="kgys-lift-{hold.pk}"' in client.get(f"{KGYS}saklamalar/").content.decode()
    assert client.post(lift, {"reason": "\x00"}).status_code == 400
    hold.refresh_from_db()
    assert hold.is_active
    assert client.post(lift, {"reason": "Şüpheli yakalandı, görüntü gerekmiyor."}).status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_by == kgys.amir and not hold.is_active
    assert client.post(lift, {"reason": "again"}).status_code == 409
    lifted = client.get(f"{KGYS}saklamalar/?state=lifted").content.decode()
    assert "Şüpheli yakalandı" in lifted


def test_the_camera_list_shows_retention_and_active_holds(client, kgys):
    pending_request(kgys)
    Camera.objects.create(institution=kgys.world.police, code="ESK-KGYS-900", name="Eski", active=False)
    client.force_login(kgys.seda)
    page = client.get(f"{KGYS}kameralar/")
    rows = list(page.context["page"])
    assert [camera.code for camera in rows][:3] == ["ESK-KGYS-001", "ESK-KGYS-002", "ESK-KGYS-003"]
    assert [camera.active_holds for camera in rows][:3] == [1, 0, 0]
    assert "ESK-KGYS-900" in page.content.decode()


def test_the_lists_cost_the_same_few_queries_for_3_requests_or_30(client, kgys):
    client.force_login(kgys.seda)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    for _ in range(3):
        pending_request(kgys, minutes=0)
    few = [queries(url) for url in (KGYS, f"{KGYS}saklamalar/", f"{KGYS}kameralar/")]
    for _ in range(27):
        pending_request(kgys, minutes=0)
    assert [queries(url) for url in (KGYS, f"{KGYS}saklamalar/", f"{KGYS}kameralar/")] == few


def test_a_bad_filter_is_a_400(client, kgys):
    client.force_login(kgys.seda)
    assert client.get(f"{KGYS}?status=nope").status_code == 400
    assert client.get(f"{KGYS}saklamalar/?state=nope").status_code == 400
    assert client.get(f"{KGYS}?status=pending").status_code == 200


def many_cameras(kgys, count=None):
    """Enough cameras that the directorate has one more than the forms list (or ``count`` more)."""
    if count is None:
        count = footage_forms.CAMERA_LIST_MAX - len(CAMERAS) + 1
    Camera.objects.bulk_create(
        Camera(institution=kgys.world.police, code=f"ESK-KGYS-{n:04d}", name=f"Kavşak {n}")
        for n in range(100, 100 + count)
    )


def test_a_directorate_with_many_cameras_names_them_by_code(client, kgys):
    """More than 200 cameras: no checkbox for each, a text field for their codes, checked against the
    directorate's cameras; a code of another directorate, an unknown one, or too many are a 400."""
    many_cameras(kgys)
    ankara = Institution.objects.create(
        slug="ankara-emniyet", name="Ankara İl Emniyet Müdürlüğü", kind=Institution.Kind.POLICE
    )
    Camera.objects.create(institution=ankara, code="ANK-001", name="Kızılay")
    client.force_login(kgys.seda)
    page = client.get(NEW).content.decode()
    assert page.count('name="cameras"') == 1 and 'type="checkbox"' not in page
    assert "virgülle ayrılarak" in page  # the field's hint, in Turkish

    for typed, error in [
        ("ESK-KGYS-001, ANK-001", "ANK-001"),  # another directorate's camera
        ("ESK-KGYS-001 ESK-KGYS-999", "ESK-KGYS-999"),
        ("../etc", "../etc"),
        (", ,", "zorunlu"),
        (",".join(f"ESK-KGYS-{n:04d}" for n in range(100, 151)), "en çok 50"),
    ]:
        refused = client.post(NEW, form_data(kgys, cameras=typed))
        assert refused.status_code == 400, typed
        assert any(error in str(message) for message in refused.context["form"].errors["cameras"]), typed
    assert not FootageRequest.objects.exists()

    made = client.post(
        NEW, form_data(kgys, cameras="ESK-KGYS-002,ESK-KGYS-0150;  ESK-KGYS-002\nESK-KGYS-001")
    )
    assert made.status_code == 302
    request = FootageRequest.objects.get()
    assert sorted(request.cameras.values_list("code", flat=True)) == [
        "ESK-KGYS-001",
        "ESK-KGYS-002",
        "ESK-KGYS-0150",
    ]


def test_a_directorate_with_many_cameras_holds_one_by_its_code(client, kgys):
    many_cameras(kgys)
    client.force_login(kgys.seda)
    page = client.get(f"{KGYS}saklamalar/").content.decode()
    assert "<option" not in page.split('id="id_camera"')[1].split("</")[0]  # no select of every camera
    start = timezone.now() - dt.timedelta(days=2)
    data = {
        "window_start": local(start),
        "window_end": local(start + dt.timedelta(hours=3)),
        "reason": "Gasp",
    }
    refused = client.post(f"{KGYS}saklamalar/yeni/", {**data, "camera": "ESK-KGYS-001, ESK-KGYS-002"})
    assert refused.status_code == 400 and not FootageHold.objects.exists()
    placed = client.post(f"{KGYS}saklamalar/yeni/", {**data, "camera": " ESK-KGYS-0250 "})
    assert placed.status_code == 302
    assert FootageHold.objects.get().camera.code == "ESK-KGYS-0250"


def test_a_few_cameras_are_still_checkboxes(client, kgys):
    many_cameras(kgys, count=footage_forms.CAMERA_LIST_MAX - len(CAMERAS))  # exactly 200
    client.force_login(kgys.seda)
    page = client.get(NEW).content.decode()
    assert page.count('type="checkbox" name="cameras"') == footage_forms.CAMERA_LIST_MAX


def test_a_release_of_many_files_lists_200_of_them_and_counts_the_rest(client, kgys):
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=20)
    record(kgys.recorder, kgys.cameras[0], start, 250)
    made = footage.record_request(
        kgys.world.police,
        requester_kind="prosecutor",
        requester="Eskişehir Cumhuriyet Başsavcılığı",
        reference_no="2026/4471",
        reference_date=timezone.localdate(),
        cameras=kgys.cameras[:1],
        window_start=start,
        window_end=start + dt.timedelta(hours=5),
        actor=kgys.seda,
        order=ORDER_PDF,
    )
    release = footage.approve(made, actor=kgys.murat)
    assert len(release.manifest) == 251  # and MANIFEST.json
    client.force_login(kgys.murat)
    page = client.get(detail(made.pk)).content.decode()
    listed = page.split(f'id="kgys-manifest-{release.pk}">')[1].split("</ul>")[0]
    assert listed.count("<li>") == footage_views.MANIFEST_SHOWN
    assert release.manifest[199]["sha256"] in listed and release.manifest[200]["sha256"] not in listed
    assert "ve 51 dosya daha" in page
    assert "251 dosya" in page  # the log still counts them all


def test_the_request_and_hold_lists_page_forward_and_back_newest_first(client, kgys, monkeypatch):
    monkeypatch.setattr(footage_views, "PAGE_SIZE", 2)
    made = [pending_request(kgys, minutes=0) for _ in range(5)]
    same = made[1].recorded_at  # two recorded at one moment: the key breaks the tie
    FootageRequest.objects.filter(pk=made[2].pk).update(recorded_at=same)
    client.force_login(kgys.seda)
    forward, backward = walk(client, KGYS)
    newest = FootageRequest.objects.order_by("-recorded_at", "-pk")
    assert forward == backward == list(newest.values_list("pk", flat=True))
    first = client.get(KGYS).content.decode()
    assert 'id="kgys-request-count">5 ' in first
    assert_bad_cursors_show_the_first_page(client, KGYS)
    holds = FootageHold.objects.order_by("-created_at", "-pk").values_list("pk", flat=True)
    forward, backward = walk(client, f"{KGYS}saklamalar/", {"state": "all"})
    assert forward == backward == list(holds)
    assert_bad_cursors_show_the_first_page(client, f"{KGYS}saklamalar/")
