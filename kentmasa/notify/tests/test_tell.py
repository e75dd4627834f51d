"""Telling staff: who gets a notification, by which media, when (quiet hours), and the timeline's record."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kentmasa.cases.models import Event
from kentmasa.directory.models import User
from kentmasa.notify.kinds import EMAIL, PUSH, SMS
from kentmasa.notify.models import (
    Delivery,
    Deputy,
    InstitutionDefault,
    Notification,
    Preference,
    PushSubscription,
    StaffSettings,
)
from kentmasa.notify.tell import quiet_until, tell, tell_unit_mailbox

IST = ZoneInfo("Europe/Istanbul")
NOON = dt.datetime(2026, 3, 18, 12, 0, tzinfo=IST)


def at(hour: int, minute: int = 0, day: int = 18) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=IST)


def subscribe(user: User) -> PushSubscription:
    return PushSubscription.objects.create(
        user=user, endpoint=f"https://push.example/{user.pk}", p256dh="key", auth="auth"
    )


def media_of(notification: Notification) -> set[str]:
    return set(notification.deliveries.values_list("medium", flat=True))


@pytest.fixture
def ayse(make_user, roads):
    user = make_user(User.Role.UNIT_STAFF, "ayse", units=[roads])
    user.first_name, user.last_name = "Ayşe", "Yılmaz"
    user.email = "ayse@esenler.example"
    user.mobile = "+905321234567"
    user.save()
    return user


@pytest.fixture
def mehmet(make_user, roads):
    user = make_user(User.Role.UNIT_MANAGER, "mehmet", units=[roads])
    user.first_name, user.last_name = "Mehmet", "Kaya"
    user.email = "mehmet@esenler.example"
    user.save()
    return user


# -- who is told ---------------------------------------------------------------------------------------


def test_one_notification_per_distinct_active_user_and_never_the_actor(ayse, mehmet, road_staff, make_user):
    gone = make_user(User.Role.UNIT_STAFF, "gone")
    gone.is_active = False
    gone.save()
    told = tell([ayse, ayse, mehmet, gone, road_staff], "citizen_message", "Vatandaş yazdı", actor=road_staff)
    assert sorted(n.user.username for n in told) == ["ayse", "mehmet"]
    assert Notification.objects.count() == 2
    assert all(n.read_at is None and n.text == "Vatandaş yazdı" for n in told)


def test_nobody_left_to_tell_writes_nothing(ayse, make_case):
    case = make_case()
    events = Event.objects.filter(case=case).count()
    assert tell([ayse], "assigned", "Size bir vaka atandı", case=case, actor=ayse) == []
    assert Notification.objects.count() == 0
    assert Event.objects.filter(case=case).count() == events


def test_an_unknown_kind_is_refused(ayse):
    with pytest.raises(ValueError):
        tell([ayse], "no_such_kind", "?")


# -- media ---------------------------------------------------------------------------------------------


def test_kind_defaults_only_by_media_that_reach_the_user(ayse, mehmet):
    subscribe(ayse)
    # escalated_1: push + e-mail. Ayşe has a subscription and an e-mail; Mehmet only an e-mail.
    first, second = tell([ayse, mehmet], "escalated_1", "Vaka size yükseltildi", now=NOON)
    assert media_of(first) == {PUSH, EMAIL}
    assert media_of(second) == {EMAIL}
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.QUEUED}
    assert all(d.next_attempt_at == NOON for d in Delivery.objects.all())


def test_sms_fallback_when_push_is_wanted_but_there_is_no_subscription(ayse, mehmet):
    [notification] = tell([ayse], "assigned", "Size bir vaka atandı", now=NOON)
    assert media_of(notification) == {SMS}
    # With a subscription: push only.
    subscribe(ayse)
    [notification] = tell([ayse], "assigned", "Size bir vaka atandı", now=NOON)
    assert media_of(notification) == {PUSH}
    # No subscription and no mobile: in the app only.
    [notification] = tell([mehmet], "assigned", "Size bir vaka atandı", now=NOON)
    assert media_of(notification) == set()


def test_defaults_differ_by_role_field_crews_get_team_work_by_sms_too(ayse, make_user, road_team):
    crew = make_user(User.Role.FIELD_TEAM, "ekip", teams=[road_team])
    crew.mobile, crew.email = "+905329876543", "ekip@esenler.example"
    crew.save()
    subscribe(crew)
    subscribe(ayse)
    on_the_road, at_the_desk = tell([crew, ayse], "team_assigned", "Ekibinize bir vaka atandı", now=NOON)
    assert media_of(on_the_road) == {PUSH, SMS}
    assert media_of(at_the_desk) == {PUSH}


def test_a_kind_without_fallback_does_not_fall_back_to_sms(ayse):
    [notification] = tell([ayse], "citizen_message", "Vatandaş yazdı", now=NOON)
    assert media_of(notification) == set()


def test_own_preference_beats_institution_defaults_which_beat_the_kind(ayse, mehmet, institution):
    subscribe(ayse)
    subscribe(mehmet)
    InstitutionDefault.objects.create(institution=institution, role="", kind="citizen_message", email=True)
    InstitutionDefault.objects.create(
        institution=institution, role=User.Role.UNIT_MANAGER, kind="citizen_message", push=False, sms=False
    )
    first, second = tell([ayse, mehmet], "citizen_message", "Vatandaş yazdı", now=NOON)
    assert media_of(first) == {PUSH, EMAIL}  # the institution's default for every role
    assert media_of(second) == set()  # the institution's default for managers: nothing but the app
    Preference.objects.create(user=mehmet, kind="citizen_message", push=False, sms=False, email=True)
    Preference.objects.create(user=ayse, kind="citizen_message", push=False, sms=True, email=False)
    first, second = tell([ayse, mehmet], "citizen_message", "Vatandaş yazdı", now=NOON)
    assert media_of(first) == {SMS}
    assert media_of(second) == {EMAIL}


def test_a_preference_of_push_only_still_falls_back_to_sms(ayse):
    Preference.objects.create(user=ayse, kind="assigned", push=True, sms=False, email=False)
    [notification] = tell([ayse], "assigned", "Size bir vaka atandı", now=NOON)
    assert media_of(notification) == {SMS}


def test_the_queries_do_not_grow_with_the_people_told(ayse, mehmet, road_staff, make_case):
    case = make_case()
    # deputies, preferences, institution defaults, subscriptions, quiet hours; the notifications, the
    # deliveries, their live events and the "notified" event with its own (with their savepoints, and the case
    # read as it is now for who may see it): the same however many people are told.
    counts = []
    for people in ([ayse], [ayse, mehmet, road_staff]):
        with CaptureQueriesContext(connection) as queries:
            tell(people, "escalated_1", "Vaka yükseltildi", case=case, now=NOON)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 15


# -- deputies ------------------------------------------------------------------------------------------


def test_an_active_deputy_is_told_instead_of_the_principal(ayse, mehmet):
    Deputy.objects.create(principal=mehmet, deputy=ayse, starts_at=at(9), ends_at=at(18))
    [notification] = tell([mehmet], "escalated_1", "Vaka yükseltildi", now=NOON)
    assert notification.user == ayse
    assert notification.on_behalf_of == mehmet
    # Before or after the period the principal is told.
    [before] = tell([mehmet], "escalated_1", "Vaka yükseltildi", now=at(8, 59))
    [after] = tell([mehmet], "escalated_1", "Vaka yükseltildi", now=at(18))
    assert before.user == mehmet and after.user == mehmet
    assert before.on_behalf_of is None


def test_a_deputy_told_for_themselves_is_told_once(ayse, mehmet):
    Deputy.objects.create(principal=mehmet, deputy=ayse, starts_at=at(9), ends_at=at(18))
    told = tell([mehmet, ayse], "escalated_1", "Vaka yükseltildi", now=NOON)
    assert [(n.user, n.on_behalf_of) for n in told] == [(ayse, None)]


def test_an_inactive_deputy_does_not_stand_in(ayse, mehmet):
    Deputy.objects.create(principal=mehmet, deputy=ayse, starts_at=at(9), ends_at=at(18))
    ayse.is_active = False
    ayse.save()
    [notification] = tell([mehmet], "escalated_1", "Vaka yükseltildi", now=NOON)
    assert notification.user == mehmet


def test_the_deputy_is_not_told_what_they_did_themselves(ayse, mehmet):
    Deputy.objects.create(principal=mehmet, deputy=ayse, starts_at=at(9), ends_at=at(18))
    assert tell([mehmet], "citizen_message", "Vatandaş yazdı", actor=ayse, now=NOON) == []


def test_the_deputy_gets_their_own_media(ayse, mehmet):
    Deputy.objects.create(principal=mehmet, deputy=ayse, starts_at=at(9), ends_at=at(18))
    [notification] = tell([mehmet], "assigned", "Size bir vaka atandı", now=NOON)
    assert media_of(notification) == {SMS}  # Ayşe's mobile, not Mehmet's (he has none)


# -- quiet hours ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "now", "expected"),
    [
        ((22, 0), (7, 0), at(23, 30), at(7, 0, day=19)),  # crossing midnight, before it
        ((22, 0), (7, 0), at(2, 15), at(7, 0)),  # crossing midnight, after it
        ((22, 0), (7, 0), at(22, 0), at(7, 0, day=19)),  # the first minute is quiet
        ((22, 0), (7, 0), at(7, 0), None),  # the end is not
        ((22, 0), (7, 0), at(12, 0), None),
        ((12, 0), (13, 30), at(12, 45), at(13, 30)),  # within a day
        ((12, 0), (13, 30), at(13, 30), None),
        ((12, 0), (13, 30), at(11, 59), None),
        ((8, 0), (8, 0), at(8, 0), None),  # empty
    ],
)
def test_quiet_until(start, end, now, expected):
    assert quiet_until(dt.time(*start), dt.time(*end), now) == expected


def test_non_critical_deliveries_wait_for_the_end_of_quiet_hours(ayse):
    StaffSettings.objects.create(user=ayse, quiet_from=dt.time(22), quiet_until=dt.time(7))
    night = at(23, 10)
    [notification] = tell([ayse], "assigned", "Size bir vaka atandı", now=night)
    [delivery] = notification.deliveries.all()
    assert delivery.medium == SMS
    assert delivery.next_attempt_at == at(7, 0, day=19)
    assert notification.created_at == night  # in the app at once


def test_critical_kinds_ignore_quiet_hours(ayse):
    StaffSettings.objects.create(user=ayse, quiet_from=dt.time(22), quiet_until=dt.time(7))
    night = at(2, 0)
    [notification] = tell([ayse], "escalated_2", "İkinci müracaat yerine yükseltildi", now=night)
    assert notification.critical
    assert media_of(notification) == {SMS, EMAIL}
    assert {d.next_attempt_at for d in notification.deliveries.all()} == {night}


# -- the timeline --------------------------------------------------------------------------------------


def test_one_internal_event_per_call_names_who_was_told_by_what(ayse, mehmet, make_case):
    case = make_case()
    subscribe(mehmet)
    told = tell([ayse, mehmet], "assigned", "Size bir vaka atandı", case=case, link="/vaka/x/", now=NOON)
    [event] = Event.objects.filter(case=case, action="notified")
    assert not event.public
    assert event.actor is None
    assert event.note == "Bildirildi: Ayşe Yılmaz (SMS); Mehmet Kaya (Web Push)"
    assert event.data == {
        "kind": "assigned",
        "users": [ayse.pk, mehmet.pk],
        "notifications": [n.pk for n in told],
    }
    assert all(n.case == case and n.link == "/vaka/x/" for n in told)


def test_the_timeline_names_deputies_and_quiet_hours(ayse, mehmet, make_case):
    case = make_case()
    Deputy.objects.create(principal=mehmet, deputy=ayse, starts_at=at(0), ends_at=at(23, 59))
    StaffSettings.objects.create(user=ayse, quiet_from=dt.time(22), quiet_until=dt.time(7))
    tell([mehmet], "assigned", "Size bir vaka atandı", case=case, now=at(23))
    event = Event.objects.get(case=case, action="notified")
    assert event.note == "Bildirildi: Mehmet Kaya yerine Ayşe Yılmaz (SMS, sessiz saatlerden sonra, 07:00)"


def test_deliveries_are_enqueued_after_commit(ayse, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        [notification] = tell([ayse], "assigned", "Size bir vaka atandı")
    [delivery] = notification.deliveries.all()
    [job] = DBTaskResult.objects.filter(task_path="kentmasa.notify.delivery.deliver_notification")
    assert job.args_kwargs == {"args": [delivery.pk], "kwargs": {}}


# -- a unit's mailbox ----------------------------------------------------------------------------------


def test_tell_unit_mailbox(roads, make_case):
    case = make_case()
    tell_unit_mailbox(roads, "idle_warning", "İşlem yapılmadı", "Uzun metin\nikinci satır", case=case)
    assert Notification.objects.count() == 0  # the unit has no e-mail address
    roads.email = "fen@esenler.example"
    roads.save()
    tell_unit_mailbox(roads, "idle_warning", "İşlem yapılmadı", "Uzun metin\nikinci satır", case=case)
    notification = Notification.objects.get()
    assert notification.user is None
    assert notification.address == "fen@esenler.example"
    assert notification.text == "İşlem yapılmadı"
    assert notification.body == "Uzun metin\nikinci satır"
    assert notification.link == f"/vaka/{case.tracking_number}/"
    assert media_of(notification) == {EMAIL}
    event = Event.objects.get(case=case, action="notified")
    assert event.note == "Bildirildi: Fen İşleri Müdürlüğü <fen@esenler.example> (E-posta)"
    assert event.data["notifications"] == [notification.pk]
