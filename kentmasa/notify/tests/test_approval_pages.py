"""The approver's pages (/onay/), the case page's held actions and pending approval, and the overview's
approvals per unit. The last test drives a phone-sized Chromium: one tap approves."""

import datetime as dt
import io
import os
import re

import pytest
from django.utils import timezone
from PIL import Image

from kentmasa.cases import services
from kentmasa.cases.attachments import add_attachment
from kentmasa.cases.citizens import STAFF, find_or_create_citizen
from kentmasa.cases.models import Attachment, Status
from kentmasa.directory.models import User
from kentmasa.notify import approvals
from kentmasa.notify.models import Action, Approval, ApprovalRule, Deputy

# Playwright's sync API runs an event loop in this thread; the ORM calls of the phone test are blocking ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.django_db

ANSWER = "Çukur asfaltla kapatıldı, yol açık."
PASSWORD = "kentmasa-test-1"


@pytest.fixture
def case(make_case, institution):
    citizen = find_or_create_citizen(institution, name="Ali Kaya", phone="+905321234567", proven=STAFF)
    return make_case(citizen=citizen, location={"neighbourhood": "Menderes", "street": "Atatürk Caddesi"})


@pytest.fixture
def rule(institution, service):
    return ApprovalRule.objects.create(institution=institution, service=service, action=Action.RESOLVE)


@pytest.fixture
def approval(case, rule, road_staff, road_manager):
    with pytest.raises(services.Held) as held:
        services.perform(case, "resolve", actor=road_staff, resolution=ANSWER)
    return Approval.objects.get(pk=held.value.approval_id)


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(out, format="JPEG")
    return out.getvalue()


def page_of(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_my_approvals_are_mine_and_those_i_stand_in_for(client, approval, road_manager, make_user, parks):
    page = page_of(client, road_manager, "/onay/").content.decode()
    assert f'id="approval-{approval.pk}"' in page and "Yanıt (çözüm)" in page
    deputy = make_user(User.Role.UNIT_MANAGER, "vekil", units=[parks])
    now = timezone.now()
    Deputy.objects.create(
        principal=road_manager,
        deputy=deputy,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=2),
    )
    page = page_of(client, deputy, "/onay/").content.decode()
    assert f'id="approval-{approval.pk}"' in page and "Unit Manager adına vekil olarak" in page
    stranger = make_user(User.Role.UNIT_MANAGER, "park_mudur", units=[parks])
    page = page_of(client, stranger, "/onay/").content.decode()
    assert 'id="no-approvals"' in page and "Onayınızı bekleyen bir talep yok." in page


def test_the_approval_page_shows_the_case_the_answer_the_photos_and_that_the_clock_runs(
    client, case, approval, road_manager
):
    photo = add_attachment(case, jpeg(), name="cukur.jpg")
    page = page_of(client, road_manager, f"/onay/{approval.pk}/").content.decode()
    assert case.tracking_display in page and "Sokakta çukur var" in page
    assert "Atatürk Caddesi üzerinde büyük bir çukur oluştu." in page and "Menderes" in page
    assert ANSWER in page and "Vatandaşa verilecek yanıt" in page
    assert (
        "Süre işlemeye devam ediyor: son tarih " + timezone.localtime(case.due_at).strftime("%d.%m.%Y")
        in page
    )
    assert 'id="approve"' in page and 'id="send-back"' in page and 'id="id_note"' in page
    assert 'name="viewport" content="width=device-width' in page
    assert "csrfmiddlewaretoken" in page
    assert f'src="/onay/{approval.pk}/foto/{photo.pk}/"' in page
    image = client.get(f"/onay/{approval.pk}/foto/{photo.pk}/")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert image["Cache-Control"] == "private, no-store"


def test_an_approver_outside_the_unit_sees_the_page_and_photos(client, case, approval, make_user, places):
    holder = make_user(User.Role.ADMINISTRATOR, "ayse_yilmaz")
    Approval.objects.filter(pk=approval.pk).update(approver=holder, level=1)
    photo = add_attachment(case, jpeg(), name="cukur.jpg")
    holder.role = User.Role.FIELD_TEAM  # sees no case of the unit at all
    holder.save()
    # The desk's scan of an identity document is a photo too, but not the citizen's: never shown here.
    scan = add_attachment(case, jpeg(), name="kimlik.jpg")
    Attachment.objects.filter(pk=scan.pk).update(public=False)
    page = page_of(client, holder, f"/onay/{approval.pk}/")
    assert page.status_code == 200
    assert f"/foto/{photo.pk}/" in page.content.decode() and f"/foto/{scan.pk}/" not in page.content.decode()
    assert client.get(f"/onay/{approval.pk}/foto/{photo.pk}/").status_code == 200
    assert client.get(f"/onay/{approval.pk}/foto/{scan.pk}/").status_code == 404
    assert client.get(f"/vaka/{case.tracking_number}/").status_code == 404
    # Once it is decided, the approval no longer opens the case to them.
    approvals.send_back(approval.pk, user=holder, note="Eksik.")
    assert client.get(f"/onay/{approval.pk}/").status_code == 404
    assert client.get(f"/onay/{approval.pk}/foto/{photo.pk}/").status_code == 404


def test_strangers_get_404_and_onlookers_may_not_decide(
    client, case, approval, road_staff, park_staff, make_user, roads
):
    photo = add_attachment(case, jpeg(), name="cukur.jpg")
    url = f"/onay/{approval.pk}/"
    assert client.get(url).status_code == 302  # to the log-in page
    client.force_login(park_staff)
    for address in (url, f"{url}foto/{photo.pk}/"):
        assert client.get(address).status_code == 404
    assert client.post(f"{url}onayla/").status_code == 404
    assert client.post(f"{url}geri-gonder/", {"note": "Hayır"}).status_code == 404
    colleague = make_user(User.Role.UNIT_STAFF, "meslektas", units=[roads])
    for onlooker in (road_staff, colleague):
        page = page_of(client, onlooker, url)
        assert page.status_code == 200 and 'id="approve"' not in page.content.decode()
        assert 'id="approval-waiting"' in page.content.decode()
        assert client.post(f"{url}onayla/").status_code == 403
        assert client.post(f"{url}geri-gonder/", {"note": "Hayır"}).status_code == 403
    assert client.get("/onay/999999/").status_code == 404
    approval.refresh_from_db()
    assert approval.state == "pending"


def test_one_tap_approves_and_the_answer_is_on_the_case(client, case, approval, road_manager):
    client.force_login(road_manager)
    answer = client.post(f"/onay/{approval.pk}/onayla/", follow=True)
    assert answer.redirect_chain[-1][0] == "/onay/"
    assert f"Onaylandı: Yanıt (çözüm) · {case.tracking_display}" in answer.content.decode()
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.resolution == ANSWER
    decided = client.get(f"/onay/{approval.pk}/").content.decode()
    assert 'id="approval-decision"' in decided and 'id="approve"' not in decided
    again = client.post(f"/onay/{approval.pk}/onayla/", follow=True)
    assert "Bu onay talebi zaten karara bağlandı." in again.content.decode()


def test_sending_back_needs_a_note(client, case, approval, road_manager):
    client.force_login(road_manager)
    refused = client.post(f"/onay/{approval.pk}/geri-gonder/", {"note": "  "})
    assert refused.status_code == 400 and 'id="id_note-error"' in refused.content.decode()
    answer = client.post(f"/onay/{approval.pk}/geri-gonder/", {"note": "Fotoğraf ekleyin."}, follow=True)
    assert answer.redirect_chain[-1][0] == "/onay/"
    assert "Geri gönderildi: Yanıt (çözüm)" in answer.content.decode()
    approval.refresh_from_db()
    case.refresh_from_db()
    assert approval.state == "returned" and case.status == Status.NEW


def test_an_approval_the_case_outran_tells_the_approver_why(client, case, approval, road_manager):
    services.ask_citizen(case, actor=road_manager, question="Tam adres nedir?")
    client.force_login(road_manager)
    answer = client.post(f"/onay/{approval.pk}/onayla/", follow=True)
    assert answer.redirect_chain[-1][0] == f"/onay/{approval.pk}/"
    page = answer.content.decode()
    assert "Yapılamadı: " in page and 'id="approve"' in page


def test_the_case_page_holds_the_answer_and_shows_what_waits(
    client, case, rule, road_staff, road_manager, institution, make_user
):
    client.force_login(road_staff)
    answer = client.post(
        f"/vaka/{case.tracking_number}/islem/resolve/", {"resolve-resolution": ANSWER}, follow=True
    )
    page = answer.content.decode()
    assert answer.redirect_chain[-1][0] == f"/vaka/{case.tracking_number}/"
    assert "Onaya gönderildi: Unit Manager" in page
    approval = Approval.objects.get()
    assert 'id="case-pending-approval"' in page and f'href="/onay/{approval.pk}/"' in page
    assert "Yanıt (çözüm)" in page and "onaylayacak kişi: Unit Manager" in page
    assert 'data-action="approval_requested"' in page and "Onay istendi" in page
    case.refresh_from_db()
    assert case.status == Status.NEW
    # A second held action while this one waits is refused with a clear message.
    boss = make_user(User.Role.ADMINISTRATOR, "baskan")
    ApprovalRule.objects.create(institution=institution, action=Action.REJECT, approver=boss)
    client.force_login(road_manager)
    refused = client.post(
        f"/vaka/{case.tracking_number}/islem/reject/", {"reject-reason": "Mükerrer başvuru"}, follow=True
    )
    assert "önceki bir işlem onay bekliyor" in refused.content.decode()
    assert Approval.objects.count() == 1


def test_the_overview_counts_approvals_waiting_per_unit(client, approval, make_case, road_manager, operator):
    overview = page_of(client, road_manager, "/raporlar/").content.decode()
    row = re.search(r'<table class="compact" id="approvals-by-unit">.*?</table>', overview, re.S)
    assert row and "Fen İşleri Müdürlüğü" in row.group(0) and '<td class="num">1</td>' in row.group(0)
    Approval.objects.update(state="approved")
    assert 'id="no-approvals-waiting"' in page_of(client, operator, "/raporlar/").content.decode()


# --- on a phone ------------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_approver_approves_with_one_tap(new_page, case, approval, road_manager):
    add_attachment(case, jpeg(), name="cukur.jpg")
    page = new_page()
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/giris/")
    page.fill("#id_username", "road_manager")
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.goto(f"/onay/{approval.pk}/")
    page.wait_for_selector("#approval-photos img")
    # Nothing is wider than the phone, and the buttons are big enough for a thumb.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    for button in ("#approve", "#send-back"):
        box = page.locator(button).bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 300
    assert "Süre işlemeye devam ediyor" in page.inner_text("#approval-deadline")
    page.click("#approve")
    page.wait_for_url(re.compile(r"/onay/$"))
    assert "Onaylandı" in page.inner_text("#messages")
    case.refresh_from_db()
    assert case.status == Status.RESOLVED


def test_the_admin_sets_rules_and_shows_approvals_for_reading(client, approval, institution, service):
    root = User.objects.create_superuser("root", password="x")
    client.force_login(root)
    added = client.post(
        "/admin/notify/approvalrule/add/",
        {
            "institution": institution.pk,
            "action": "reject",
            "service": service.pk,
            "wait_hours": 8,
            "active": "on",
        },
    )
    assert added.status_code == 302
    assert ApprovalRule.objects.filter(action="reject", service=service, wait_hours=8).exists()
    assert client.get("/admin/notify/approvalrule/").status_code == 200
    listed = client.get("/admin/notify/approval/")
    assert listed.status_code == 200 and case_number(approval) in listed.content.decode()
    assert client.get("/admin/notify/approval/add/").status_code == 403
    change = client.post(f"/admin/notify/approval/{approval.pk}/change/", {"state": "approved"})
    assert change.status_code in (200, 403)
    approval.refresh_from_db()
    assert approval.state == "pending"


def case_number(approval) -> str:
    return approval.case.tracking_number
