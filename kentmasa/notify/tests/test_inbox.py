"""The inbox, opening and marking notifications, the header's counts, the settings and deputy pages."""

import datetime as dt
import os
import re

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from kentmasa.cases.models import Status
from kentmasa.cases.tests.keyset_walk import (
    assert_bad_cursors_show_the_first_page,
    assert_reads,
    list_queries,
    walk,
)
from kentmasa.conftest import PASSWORD
from kentmasa.directory.models import Unit, User
from kentmasa.notify import views
from kentmasa.notify.models import Deputy, InstitutionDefault, Notification, Preference, StaffSettings
from kentmasa.notify.tell import tell

# The browser test: Playwright's sync API runs an event loop in this thread; the ORM calls are blocking ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def ayse(make_user, roads):
    user = make_user(User.Role.UNIT_STAFF, "ayse", units=[roads])
    user.first_name, user.last_name = "Ayşe", "Yılmaz"
    user.save()
    return user


@pytest.fixture
def as_ayse(client, ayse):
    client.force_login(ayse)
    return client


def note(user, text="Size bir vaka atandı", link="", at=None, read=False):
    return Notification.objects.create(
        user=user,
        kind="assigned",
        text=text,
        link=link,
        created_at=at or timezone.now(),
        read_at=timezone.now() if read else None,
    )


def badge(html: str, element_id: str) -> str | None:
    found = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    return found.group(1) if found else None


# -- the inbox -----------------------------------------------------------------------------------------


def test_the_inbox_needs_a_signed_in_member_of_staff(client):
    answer = client.get("/bildirimler/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/giris/")


def test_the_inbox_shows_my_notifications_newest_first_unread_marked(as_ayse, ayse, road_staff):
    now = timezone.now()
    old = note(ayse, "Eski bildirim", at=now - dt.timedelta(hours=2), read=True)
    new = note(ayse, "Yeni bildirim", at=now - dt.timedelta(minutes=5))
    note(road_staff, "Başkasının bildirimi")
    html = as_ayse.get("/bildirimler/").content.decode()
    assert html.index("Yeni bildirim") < html.index("Eski bildirim")
    assert "Başkasının bildirimi" not in html
    assert re.search(rf'id="notification-{new.pk}" class="notification unread', html)
    assert re.search(rf'id="notification-{old.pk}" class="notification"', html)
    only_unread = as_ayse.get("/bildirimler/?unread=1").content.decode()
    assert "Yeni bildirim" in only_unread and "Eski bildirim" not in only_unread


def test_the_inbox_pages_through_a_bounded_number(as_ayse, ayse):
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                user=ayse, kind="assigned", text=f"Bildirim {n}", created_at=now - dt.timedelta(minutes=n)
            )
            for n in range(views.PAGE + 1)
        ]
    )
    answer = as_ayse.get("/bildirimler/")
    first = answer.content.decode()
    assert first.count('class="notification') == views.PAGE
    assert f'rel="next" href="?after={answer.context["page"].next}"' in first
    second = as_ayse.get("/bildirimler/", {"after": answer.context["page"].next}).content.decode()
    assert second.count('class="notification') == 1
    assert f"Bildirim {views.PAGE}<" in second
    for page in ("abc", "-4", "99999999999999999999999", "\u0661"):  # an old page number: the first page
        assert as_ayse.get("/bildirimler/", {"page": page}).status_code == 200
    assert_bad_cursors_show_the_first_page(as_ayse, "/bildirimler/")


def test_the_inbox_pages_forward_and_back_every_notification_once_newest_first(as_ayse, ayse, road_staff):
    now = timezone.now()
    Notification.objects.bulk_create(
        [  # two at each moment: the key breaks the tie; some read, another user's never shown
            Notification(
                user=ayse,
                kind="assigned",
                text=f"Bildirim {n}",
                created_at=now - dt.timedelta(minutes=n // 2),
                read_at=now if n % 3 == 0 else None,
            )
            for n in range(2 * views.PAGE + 5)
        ]
        + [Notification(user=road_staff, kind="assigned", text="Başkasının", created_at=now)]
    )
    mine = Notification.objects.filter(user=ayse).order_by("-created_at", "-id")
    forward, backward = walk(as_ayse, "/bildirimler/")
    assert forward == backward == list(mine.values_list("pk", flat=True))
    forward, backward = walk(as_ayse, "/bildirimler/", {"unread": "1"})
    assert forward == backward == list(mine.filter(read_at__isnull=True).values_list("pk", flat=True))


def test_opening_marks_read_and_goes_to_the_link(as_ayse, ayse):
    notification = note(ayse, link="/vaka/2600000014/")
    answer = as_ayse.get(f"/bildirimler/{notification.pk}/")
    assert answer.status_code == 302
    assert answer["Location"] == "/vaka/2600000014/"
    notification.refresh_from_db()
    first_read = notification.read_at
    assert first_read is not None
    as_ayse.get(f"/bildirimler/{notification.pk}/")
    notification.refresh_from_db()
    assert notification.read_at == first_read  # the first reading is kept


@pytest.mark.parametrize(
    "link", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/\\evil.example"]
)
def test_opening_never_leaves_the_site(as_ayse, ayse, link):
    notification = note(ayse, link=link)
    answer = as_ayse.get(f"/bildirimler/{notification.pk}/")
    assert answer["Location"] == "/bildirimler/"


def test_another_users_notification_is_not_found(as_ayse, road_staff):
    theirs = note(road_staff)
    assert as_ayse.get(f"/bildirimler/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert as_ayse.get(f"/bildirimler/{2**63}/").status_code == 404
    assert as_ayse.get(f"/bildirimler/{2**64 + 5}/").status_code == 404


def test_mark_all_read(ayse, road_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ayse)
    mine = [note(ayse), note(ayse)]
    theirs = note(road_staff)
    assert client.post("/bildirimler/hepsi-okundu/").status_code == 403  # no CSRF token
    assert client.get("/bildirimler/hepsi-okundu/").status_code == 405
    page = client.get("/bildirimler/")
    token = page.cookies["csrftoken"].value
    answer = client.post("/bildirimler/hepsi-okundu/", {"csrfmiddlewaretoken": token})
    assert answer.status_code == 302
    assert all(n.read_at for n in Notification.objects.filter(pk__in=[m.pk for m in mine]))
    theirs.refresh_from_db()
    assert theirs.read_at is None


# -- the header ----------------------------------------------------------------------------------------


def test_the_header_counts_unread_bounded(as_ayse, ayse, road_staff):
    html = as_ayse.get("/bildirimler/").content.decode()
    assert badge(html, "unread-count") == "0"
    tell([ayse], "assigned", "Size bir vaka atandı")
    note(road_staff)
    assert badge(as_ayse.get("/bildirimler/").content.decode(), "unread-count") == "1"
    Notification.objects.bulk_create(
        [Notification(user=ayse, kind="assigned", text="x", created_at=timezone.now()) for _ in range(120)]
    )
    assert badge(as_ayse.get("/bildirimler/").content.decode(), "unread-count") == "99+"


def test_the_header_counts_new_cases_in_my_units(
    client, ayse, road_manager, operator, roads, parks, make_case
):
    sub = Unit.objects.create(institution=roads.institution, parent=roads, name="Asfalt Şefliği")
    make_case(unit=roads)
    make_case(unit=sub)
    make_case(unit=parks)
    started = make_case(unit=roads)
    started.status = Status.IN_PROGRESS
    started.save()
    client.force_login(ayse)
    assert badge(client.get("/bildirimler/").content.decode(), "queue-new-count") == "1"
    client.force_login(road_manager)  # a manager's units include those below
    assert badge(client.get("/bildirimler/").content.decode(), "queue-new-count") == "2"
    client.force_login(operator)  # works no unit queue
    html = client.get("/bildirimler/").content.decode()
    assert 'id="queue-new-count"' not in html
    assert 'id="nav-inbox"' in html


def test_the_header_counts_cost_two_bounded_queries(as_ayse, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        as_ayse.get("/bildirimler/")
    counts = [q["sql"] for q in queries.captured_queries if "LIMIT 100" in q["sql"]]
    assert len(counts) == 2  # unread, and new cases in my units; each stops at 100 rows


def test_signed_out_pages_count_nothing(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        client.get("/giris/")


# -- settings ------------------------------------------------------------------------------------------


def test_preferences_show_the_defaults_and_store_only_choices(as_ayse, ayse, institution):
    InstitutionDefault.objects.create(institution=institution, role="", kind="citizen_message", email=True)
    html = as_ayse.get("/bildirimler/ayarlar/").content.decode()
    assert re.search(r'name="assigned__push"[^>]*checked', html)  # the kind's default
    assert not re.search(r'name="assigned__sms"[^>]*checked', html)
    assert re.search(r'name="citizen_message__email"[^>]*checked', html)  # the institution's
    answer = as_ayse.post(
        "/bildirimler/ayarlar/",
        {
            "assigned__push": "on",
            "assigned__sms": "on",  # changed
            "citizen_message__push": "on",
            "citizen_message__email": "on",  # as the institution's default
            "quiet_from": "22:00",
            "quiet_until": "07:00",
            "digest": "daily",
            "mobile": "0532 123 45 67",
        },
    )
    assert answer.status_code == 302
    choices = {p.kind: (p.push, p.sms, p.email) for p in Preference.objects.filter(user=ayse)}
    assert choices["assigned"] == (True, True, False)
    assert "citizen_message" not in choices  # the default: not stored
    assert choices["escalated_1"] == (False, False, False)  # every box of it left empty
    row = StaffSettings.objects.get(user=ayse)
    assert (row.quiet_from, row.quiet_until, row.digest) == (dt.time(22), dt.time(7), "daily")
    ayse.refresh_from_db()
    assert ayse.mobile == "+905321234567"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mobile": "0212 440 11 90"}, "Yalnızca Türk cep telefonu numarası"),
        ({"mobile": "abc"}, "0532 123 45 67 gibi"),
        ({"quiet_from": "22:00"}, "Sessiz saatlerin iki ucunu da"),
        ({"quiet_from": "08:00", "quiet_until": "08:00"}, "başladığından başka bir saatte"),
        ({"mobile": "0532\x00123"}, "NUL"),
        ({"digest": "weekly"}, "Geçerli bir seçenek seçin"),
    ],
)
def test_preferences_refuse_bad_input(as_ayse, ayse, data, message):
    answer = as_ayse.post("/bildirimler/ayarlar/", data)
    assert answer.status_code == 200
    assert message in answer.content.decode()
    assert not StaffSettings.objects.filter(user=ayse).exists()


# -- deputies ------------------------------------------------------------------------------------------


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_naming_listing_and_removing_a_deputy(as_ayse, ayse, road_manager, road_staff):
    now = timezone.now()
    html = as_ayse.get("/bildirimler/vekalet/").content.decode()
    assert f'value="{road_manager.pk}"' in html
    assert f'<option value="{ayse.pk}"' not in html  # not myself
    answer = as_ayse.post(
        "/bildirimler/vekalet/",
        {
            "deputy": road_manager.pk,
            "starts_at": local(now - dt.timedelta(minutes=5)),
            "ends_at": local(now + dt.timedelta(days=3)),
            "note": "Yıllık izin",
        },
    )
    assert answer.status_code == 302
    deputy = Deputy.objects.get()
    assert (deputy.principal, deputy.deputy, deputy.note) == (ayse, road_manager, "Yıllık izin")
    [told] = tell([ayse], "escalated_1", "Vaka yükseltildi")
    assert told.user == road_manager and told.on_behalf_of == ayse
    assert f'id="deputy-{deputy.pk}"' in as_ayse.get("/bildirimler/vekalet/").content.decode()
    # Someone else cannot remove it.
    other = Client()
    other.force_login(road_staff)
    assert other.post(f"/bildirimler/vekalet/{deputy.pk}/sil/").status_code == 404
    assert as_ayse.post(f"/bildirimler/vekalet/{2**63}/sil/").status_code == 404
    assert as_ayse.post(f"/bildirimler/vekalet/{deputy.pk}/sil/").status_code == 302
    assert not Deputy.objects.exists()


def test_a_deputy_from_another_institution_or_a_bad_period_is_refused(
    as_ayse, make_user, other_institution, road_manager
):
    stranger = make_user(User.Role.UNIT_MANAGER, "stranger", institution_=other_institution)
    now = timezone.now()
    cases = [
        ({"deputy": stranger.pk}, "Geçerli bir seçenek seçin"),
        ({"deputy": 2**64}, "Geçerli bir seçenek seçin"),
        (
            {"deputy": road_manager.pk, "ends_at": local(now - dt.timedelta(days=4))},
            "Sürenin başladıktan sonra bitmesi gerekir.",
        ),
        (
            {"deputy": road_manager.pk, "ends_at": local(now - dt.timedelta(days=2))},
            "Bu süre zaten geçmiş.",
        ),
        ({"deputy": road_manager.pk, "ends_at": "yarın"}, "Geçerli bir tarih/saat girin."),
        (
            {"deputy": road_manager.pk, "ends_at": local(now + dt.timedelta(days=400))},
            "en çok bir yıl",
        ),
    ]
    for data, message in cases:
        posted = {
            "starts_at": local(now - dt.timedelta(days=3)),
            "ends_at": local(now + dt.timedelta(days=1)),
            **data,
        }
        answer = as_ayse.post("/bildirimler/vekalet/", posted)
        assert answer.status_code == 200, data
        html = answer.content.decode()
        assert message in html, data
        assert "deputy_period" not in html  # the form says why before the database's rule would
    assert not Deputy.objects.exists()


def test_every_page_answers_a_signed_in_user(client, make_user):
    for role in User.Role.values:
        user = make_user(role, f"u-{role}")
        client.force_login(user)
        for url in ("/bildirimler/", "/bildirimler/ayarlar/", "/bildirimler/vekalet/"):
            assert client.get(url).status_code == 200, (role, url)


def test_a_password_login_reaches_the_inbox(client, ayse):
    assert client.login(username="ayse", password=PASSWORD)
    assert client.get("/bildirimler/").status_code == 200


# -- the admin -----------------------------------------------------------------------------------------


def test_the_admin_shows_notifications_read_only_with_their_deliveries(client, ayse, make_case):
    admin = User.objects.create_superuser("yonetici", "yonetici@esenler.example", PASSWORD)
    client.force_login(admin)
    ayse.mobile = "+905321234567"
    ayse.save()
    [notification] = tell([ayse], "assigned", "Size bir vaka atandı", case=make_case())
    for model in (
        "notification",
        "preference",
        "institutiondefault",
        "staffsettings",
        "deputy",
        "pushsubscription",
    ):
        assert client.get(f"/admin/notify/{model}/").status_code == 200, model
    page = client.get(f"/admin/notify/notification/{notification.pk}/change/").content.decode()
    assert "Size bir vaka atandı" in page
    assert re.search(r'class="field-medium">\s*<p>SMS</p>', page)  # its delivery, inline
    assert 'name="text"' not in page  # nothing to edit
    assert client.get("/admin/notify/notification/add/").status_code == 403
    assert client.get("/admin/notify/deputy/add/").status_code == 200


# -- in a real browser -----------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_chromium_the_header_counts_and_opening_a_notification(new_page, road_staff, make_case):
    from kentmasa.cases.tests.test_browser import log_in
    from kentmasa.cases.tests.test_browser_accessibility import check

    case = make_case()  # new in the roads unit
    tell(
        [road_staff],
        "escalated_1",
        "Vaka ilk müracaat yerine yükseltildi",
        case=case,
        link=f"/vaka/{case.tracking_number}/",
    )
    page = new_page()
    log_in(page, "road_staff")
    page.wait_for_url(re.compile(r"/kuyruk/"))
    assert page.inner_text("#unread-count").strip().startswith("1")
    assert page.inner_text("#queue-new-count").strip().startswith("1")
    page.click("#nav-inbox")
    page.wait_for_url(re.compile(r"/bildirimler/$"))
    problems: list[str] = []
    check(page, "inbox", problems)
    page.click("#inbox li.unread a")
    page.wait_for_url(re.compile(rf"/vaka/{case.tracking_number}/$"))
    assert not page.is_visible("#unread-count")  # none unread: the badge is hidden
    page.goto("/bildirimler/ayarlar/")
    check(page, "preferences", problems)
    page.goto("/bildirimler/vekalet/")
    check(page, "deputies", problems)
    assert problems == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans (enable_seqscan = off)")
@pytest.mark.parametrize(
    ("params", "indexes"),
    [({}, ("notification_inbox",)), ({"unread": "1"}, ("notification_unread", "notification_inbox"))],
)
def test_the_inbox_reads_its_index(as_ayse, ayse, road_staff, params, indexes):
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                user=ayse if n % 5 == 0 else road_staff,
                kind="assigned",
                text=f"Bildirim {n}",
                created_at=now - dt.timedelta(minutes=n),
                read_at=now if n % 3 == 0 else None,
            )
            for n in range(600)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notify_notification")
    keys, _count = list_queries(as_ayse, "/bildirimler/", params, "notify_notification")
    assert_reads(keys, "notify_notification", *indexes)
