"""KGYS footage in a real Chromium: Seda records the Eskişehir prosecutor's request for last night's footage
of two cameras at the Adalar with the form; she is not offered the approval. Murat, who holds the release
permission, presses "Approve and release" and is refused on the page: no written order is attached. Seda
attaches the scanned order; Murat approves again, the release log shows the package's SHA-256, and the
package he downloads has exactly that SHA-256. The holds stay."""

import datetime as dt
import hashlib
import os
import re

import pytest
from django.utils import timezone

from kentmasa.conftest import PASSWORD
from kentmasa.emergency.models import FootageHold, FootageRelease, FootageRequest
from kentmasa.emergency.tests.footage_world import ORDER_PDF, kgys_world, record

# Playwright's sync API runs an event loop in this thread; the ORM calls below are ordinary blocking ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kgys(transactional_db, settings, tmp_path):
    return kgys_world(settings, tmp_path)


def log_in(page, username: str, then: str) -> None:
    page.goto("/giris/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/(kuyruk|konsol|raporlar)/$"))
    page.goto(then)


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_request_is_refused_without_the_order_and_released_with_it_by_a_second_officer(
    new_page, kgys, tmp_path
):
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=20)
    record(kgys.recorder, kgys.cameras[0], start + dt.timedelta(minutes=10), 3)
    record(kgys.recorder, kgys.cameras[1], start + dt.timedelta(minutes=40), 2)

    # Seda records the request from the list.
    seda = new_page()
    log_in(seda, kgys.seda.username, "/haber-merkezi/kgys/")
    seda.click("#kgys-new-request")
    seda.select_option("#id_requester_kind", "prosecutor")
    seda.fill("#id_requester", "Eskişehir Cumhuriyet Başsavcılığı")
    seda.fill("#id_reference_no", "2026/4471 Soruşturma")
    assert seda.input_value("#id_reference_date") == timezone.localdate().isoformat()  # today, offered
    seda.check("#id_cameras_0")
    seda.check("#id_cameras_1")
    seda.fill("#id_window_start", local(start))
    seda.fill("#id_window_end", local(start + dt.timedelta(hours=1)))
    seda.fill("#id_note", "Adalar'daki kavga, 155 ihbarı")
    seda.click("#kgys-request-submit")
    seda.wait_for_selector("#kgys-status[data-status=pending]")
    assert "yasal saklamaya alındı" in seda.inner_text("#messages")
    request = FootageRequest.objects.get()
    assert seda.url.endswith(f"/haber-merkezi/kgys/talep/{request.pk}/")
    assert FootageHold.objects.filter(request=request, lifted_at__isnull=True).count() == 2
    assert seda.locator("#kgys-approve").count() == 0  # she recorded it and holds no permission
    assert seda.locator("#kgys-needs-permission").is_visible()

    # Murat tries to approve before the order is attached: refused, with the reason, nothing released.
    murat = new_page()
    log_in(murat, kgys.murat.username, f"/haber-merkezi/kgys/talep/{request.pk}/")
    assert murat.locator("#kgys-no-order").is_visible()
    murat.click("#kgys-approve")
    refusal = murat.wait_for_selector("#kgys-refusal[data-code=no_order]")
    assert "yazılı emir" in refusal.inner_text().lower()
    assert murat.get_attribute("#kgys-status", "data-status") == "pending"
    assert not FootageRelease.objects.exists()

    # Seda attaches the scanned order.
    seda.set_input_files(
        "#id_order", files=[{"name": "emir.pdf", "mimeType": "application/pdf", "buffer": ORDER_PDF}]
    )
    seda.click("#kgys-attach-order")
    seda.wait_for_selector("#kgys-order-sha256")
    assert seda.inner_text("#kgys-order-sha256") == hashlib.sha256(ORDER_PDF).hexdigest()

    # Murat approves: released and logged with the package's SHA-256.
    murat.goto(f"/haber-merkezi/kgys/talep/{request.pk}/")
    murat.click("#kgys-approve")
    murat.wait_for_selector("#kgys-status[data-status=released]")
    release = FootageRelease.objects.get()
    assert release.released_by == kgys.murat and release.cameras == ["ESK-KGYS-001", "ESK-KGYS-002"]
    assert murat.inner_text(f"#kgys-release-sha256-{release.pk}") == release.sha256
    row = murat.inner_text(f"#kgys-release-{release.pk}")
    assert "Murat Kaya" in row and "ESK-KGYS-001, ESK-KGYS-002" in row
    assert "6 dosya" in row  # five segments and the manifest
    with murat.expect_download() as download:
        murat.click(f"#kgys-package-{release.pk}")
    saved = tmp_path / "paket.zip"
    download.value.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == release.sha256
    # Handing over lifted nothing.
    assert FootageHold.objects.filter(request=request, lifted_at__isnull=True).count() == 2
    assert murat.locator(".badge.late").count() == 2  # both holds shown as held
