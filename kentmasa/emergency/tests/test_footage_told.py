"""Nobody waits unseen: when Seda records the prosecutor's request, Murat (who holds the release
permission) is told by name, in the app and by e-mail, with a link to the request; Seda is not told of
her own request. When the order is attached later he is told again that it can now be approved. Seda
hears how Murat decided. A directorate where nobody holds the permission puts the request before its
administrators."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kentmasa.directory.models import User
from kentmasa.emergency import footage
from kentmasa.emergency.models import FootageRequest
from kentmasa.emergency.tests.core_world import user
from kentmasa.emergency.tests.footage_world import ORDER_PDF, grant, kgys_world, record
from kentmasa.notify.models import Delivery, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def kgys(settings, tmp_path):
    made = kgys_world(settings, tmp_path)
    made.murat.email = "murat.kaya@egm.example"
    made.murat.save(update_fields=["email"])
    return made


@pytest.fixture
def now():
    return timezone.now().replace(second=0, microsecond=0)


def ask(kgys, now, *, order=None):
    start = now - dt.timedelta(hours=20)
    return footage.record_request(
        kgys.world.police,
        requester_kind=FootageRequest.Requester.PROSECUTOR,
        requester="Eskişehir Cumhuriyet Başsavcılığı",
        reference_no="2026/4471 Soruşturma",
        reference_date=timezone.localdate(now),
        cameras=kgys.cameras[:2],
        window_start=start,
        window_end=start + dt.timedelta(hours=1),
        actor=kgys.seda,
        order=order,
        now=now,
    )


def told(person, kind):
    return list(Notification.objects.filter(user=person, kind=kind).order_by("pk"))


def test_murat_is_told_by_name_when_seda_records_a_request_with_its_order(kgys, now):
    request = ask(kgys, now, order=SimpleUploadedFile("emir.pdf", ORDER_PDF))

    [notice] = told(kgys.murat, "footage_approval")
    assert "Eskişehir Cumhuriyet Başsavcılığı" in notice.text and "2026/4471" in notice.text
    assert notice.link == reverse("emergency:kgys:request", args=[request.pk])
    assert Delivery.objects.filter(notification=notice, medium="email").exists()
    assert told(kgys.seda, "footage_approval") == []  # not her own request
    assert told(kgys.world.supervisor, "footage_approval") == []  # holds only the lift permission


def test_a_request_without_its_order_is_announced_and_announced_again_when_the_order_comes(kgys, now):
    request = ask(kgys, now)
    [first] = told(kgys.murat, "footage_approval")
    assert "yazılı emri henüz eklenmedi" in first.text

    footage.attach_order(request, SimpleUploadedFile("emir.pdf", ORDER_PDF), actor=kgys.seda)
    first_again, second = told(kgys.murat, "footage_approval")
    assert first_again.pk == first.pk
    assert second.text.startswith("Onayınızı bekleyen bir görüntü talebi var")


def test_seda_hears_how_murat_decided(kgys, now):
    for camera in kgys.cameras[:2]:
        record(kgys.recorder, camera, now - dt.timedelta(hours=20), 2)
    released = ask(kgys, now, order=SimpleUploadedFile("emir.pdf", ORDER_PDF))
    footage.approve(released, actor=kgys.murat, now=now, recorder=kgys.recorder)
    [notice] = told(kgys.seda, "footage_decided")
    assert notice.text.startswith("Görüntüler teslim edildi") and "2026/4471" in notice.text

    refused = ask(kgys, now)
    footage.refuse(refused, actor=kgys.murat, reason="Yetkisiz makam")
    assert [n.text.split(":")[0] for n in told(kgys.seda, "footage_decided")] == [
        "Görüntüler teslim edildi",
        "Görüntü talebi reddedildi",
    ]
    assert told(kgys.murat, "footage_decided") == []


def test_with_nobody_holding_the_permission_the_administrators_are_told_to_grant_it(kgys, now):
    """Ayşe, an administrator, cannot approve: she hears that nobody may, and that the permission must be
    granted, never that the request waits for her approval."""
    kgys.murat.user_permissions.clear()
    admin = user("ayse.admin", User.Role.ADMINISTRATOR, kgys.world.police, first_name="Ayşe")
    request = ask(kgys, now)
    footage.attach_order(request, SimpleUploadedFile("emir.pdf", ORDER_PDF), actor=kgys.seda)
    recorded, attached = told(admin, "footage_approval")
    for notice in (recorded, attached):
        assert "müdürlükte “Kamera görüntülerinin teslimini onaylayabilir (KGYS)” yetkisine" in notice.text
        assert "sahip kimse yok" in notice.text
        assert "bu yetkiyi müdürlükten bir görevliye verin" in notice.text
        assert "Onayınızı" not in notice.text and "2026/4471" in notice.text
    assert told(kgys.murat, "footage_approval") == []


def test_when_only_the_recording_officer_holds_the_permission_the_administrators_hear_so(kgys, now):
    kgys.murat.user_permissions.clear()
    kgys.seda = grant(kgys.seda, "release_footage")
    admin = user("ayse.admin", User.Role.ADMINISTRATOR, kgys.world.police, first_name="Ayşe")
    ask(kgys, now, order=SimpleUploadedFile("emir.pdf", ORDER_PDF))
    [notice] = told(admin, "footage_approval")
    assert "yalnızca talebi kaydeden görevlide var" in notice.text
    assert "başka bir görevliye verin" in notice.text and "Onayınızı" not in notice.text
    assert told(kgys.seda, "footage_approval") == []


def test_the_administrators_text_in_english(kgys, now):
    from django.utils import translation

    kgys.murat.user_permissions.clear()
    admin = user("ayse.admin", User.Role.ADMINISTRATOR, kgys.world.police, first_name="Ayşe")
    with translation.override("en"):
        ask(kgys, now)
    [notice] = told(admin, "footage_approval")
    assert "nobody in the directorate holds the permission" in notice.text
    assert "waits for your approval" not in notice.text


def test_a_request_refused_past_retention_asks_nobody(kgys, now):
    start = now - dt.timedelta(days=30)
    request = footage.record_request(
        kgys.world.police,
        requester_kind=FootageRequest.Requester.COURT,
        requester="Eskişehir 2. Asliye Ceza Mahkemesi",
        reference_no="2026/88",
        reference_date=timezone.localdate(now),
        cameras=kgys.cameras[:1],
        window_start=start,
        window_end=start + dt.timedelta(hours=1),
        actor=kgys.seda,
        now=now,
    )
    assert request.status == FootageRequest.Status.REFUSED
    assert Notification.objects.filter(kind="footage_approval").count() == 0
