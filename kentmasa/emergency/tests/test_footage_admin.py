"""The KGYS admin: a superuser registers Eskişehir's cameras (a code the recorder can use as a folder, a
police institution only); requests, releases and holds are shown for reading, never added, changed or
deleted there (they go through kentmasa.emergency.footage, which checks the order, the second officer and
the permissions)."""

import datetime as dt

import pytest
from django.utils import timezone

from kentmasa.directory.models import User
from kentmasa.emergency import footage
from kentmasa.emergency.models import Camera, FootageHold, FootageRequest
from kentmasa.emergency.tests.footage_world import ORDER_PDF, kgys_world, record

pytestmark = pytest.mark.django_db

ADMIN = "/admin/emergency/"


@pytest.fixture
def kgys(settings, tmp_path):
    return kgys_world(settings, tmp_path)


@pytest.fixture
def root(client):
    admin = User.objects.create_superuser("root", "root@example.org", "kentmasa-test-1")
    client.force_login(admin)
    return admin


def camera_form(kgys, **changes):
    data = {
        "institution": kgys.world.police.pk,
        "code": "ESK-KGYS-014",
        "name": "Bağlar Kavşağı",
        "location": "Odunpazarı",
        "latitude": "39.760000",
        "longitude": "30.520000",
        "retention_days": "10",
        "active": "on",
    }
    data.update(changes)
    return data


def test_a_camera_is_registered_with_a_code_the_recorder_can_use(client, kgys, root, institution):
    url = f"{ADMIN}camera/add/"
    for bad in ("../etc", "ESK 014", "ESK/014", ".hidden"):
        response = client.post(url, camera_form(kgys, code=bad))
        assert response.status_code == 200 and "code" in response.context["adminform"].form.errors
    municipal = client.post(url, camera_form(kgys, institution=institution.pk))
    assert "institution" in municipal.context["adminform"].form.errors
    assert client.post(url, camera_form(kgys, retention_days="0")).status_code == 200
    assert not Camera.objects.filter(code="ESK-KGYS-014").exists()

    assert client.post(url, camera_form(kgys)).status_code == 302
    assert Camera.objects.get(code="ESK-KGYS-014").retention_days == 10


def test_a_cameras_code_stays_and_a_camera_is_deactivated_never_deleted(client, kgys, root):
    """Its code names its footage's folder on the recorder: renamed or deleted, the purge would lose it."""
    camera = kgys.cameras[0]
    change = f"{ADMIN}camera/{camera.pk}/change/"
    saved = client.post(
        change, camera_form(kgys, code="RENAMED", name="Adalar", retention_days="7", active="")
    )
    assert saved.status_code == 302
    camera.refresh_from_db()
    assert (camera.code, camera.name, camera.retention_days, camera.active) == (
        "ESK-KGYS-001",
        "Adalar",
        7,
        False,
    )
    assert client.post(f"{ADMIN}camera/{camera.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Camera.objects.filter(pk=camera.pk).exists()


def test_requests_releases_and_holds_are_read_only(client, kgys, root):
    start = timezone.now() - dt.timedelta(hours=20)
    record(kgys.recorder, kgys.cameras[0], start, 2)
    made = footage.record_request(
        kgys.world.police,
        requester_kind="court",
        requester="Eskişehir 2. Ağır Ceza Mahkemesi",
        reference_no="2026/88 Esas",
        reference_date=timezone.localdate(),
        cameras=kgys.cameras[:1],
        window_start=start,
        window_end=start + dt.timedelta(hours=1),
        actor=kgys.seda,
        order=ORDER_PDF,
    )
    release = footage.approve(made, actor=kgys.murat)
    hold = FootageHold.objects.get()
    for model, pk in (("footagerequest", made.pk), ("footagerelease", release.pk), ("footagehold", hold.pk)):
        listing = client.get(f"{ADMIN}{model}/")
        assert listing.status_code == 200
        assert client.get(f"{ADMIN}{model}/add/").status_code == 403
        change = client.get(f"{ADMIN}{model}/{pk}/change/")
        assert change.status_code == 200
        assert client.post(f"{ADMIN}{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
    page = client.get(f"{ADMIN}footagerequest/{made.pk}/change/").content.decode()
    assert release.sha256 in page and "2026/88 Esas" in page
    assert FootageRequest.objects.get().status == "released" and FootageHold.objects.get().is_active
