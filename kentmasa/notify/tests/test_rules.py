"""Who is told what (issue 10, section 2): the pothole on Atatürk Caddesi is assigned, escalated, written on
by the citizen; each time the right members of staff are told, by the media that reach them, and the case's
timeline records it."""

import datetime as dt

import pytest

from kentmasa.cases import services
from kentmasa.cases.models import Channel, Event
from kentmasa.directory.models import User
from kentmasa.escalation import services as escalation
from kentmasa.notify import rules
from kentmasa.notify.kinds import EMAIL, PUSH, SMS
from kentmasa.notify.models import Notification, PushSubscription

pytestmark = pytest.mark.django_db

DUE = dt.datetime.fromisoformat("2026-04-09T17:30+03:00")


def person(make_user, username, role, first, last, *, units=(), teams=(), mobile="", email="", push=False):
    user = make_user(role, username, units=units, teams=teams)
    user.first_name, user.last_name, user.mobile, user.email = first, last, mobile, email
    user.save()
    if push:
        PushSubscription.objects.create(
            user=user, endpoint=f"https://push.example/{user.pk}", p256dh="key", auth="auth"
        )
    return user


@pytest.fixture
def ayse(make_user, roads):
    """Unit staff with a mobile but no push subscription."""
    return person(
        make_user, "ayse", User.Role.UNIT_STAFF, "Ayşe", "Yıldız", units=[roads], mobile="+905321234567"
    )


@pytest.fixture
def mehmet(make_user, roads):
    """The roads unit's manager, on his phone's browser."""
    return person(
        make_user,
        "mehmet",
        User.Role.UNIT_MANAGER,
        "Mehmet",
        "Kaya",
        units=[roads],
        email="mk@esenler.example",
        push=True,
    )


@pytest.fixture
def crew(make_user, road_team):
    """Asfalt Ekibi 1: Hasan leads it (SMS only), Cem has push, Deniz has neither."""
    hasan = person(
        make_user, "hasan", User.Role.FIELD_TEAM, "Hasan", "Çelik", teams=[road_team], mobile="+905331112233"
    )
    cem = person(make_user, "cem", User.Role.FIELD_TEAM, "Cem", "Aydın", teams=[road_team], push=True)
    deniz = person(make_user, "deniz", User.Role.FIELD_TEAM, "Deniz", "Öztürk", teams=[road_team])
    road_team.leader = hasan
    road_team.save()
    return hasan, cem, deniz


def told(case, kind):
    """user → set of media, for the notifications of a kind on the case."""
    return {
        n.user.username: set(n.deliveries.values_list("medium", flat=True))
        for n in Notification.objects.filter(case=case, kind=kind, user__isnull=False).select_related("user")
    }


def timeline(case, action="notified"):
    return [event.note for event in Event.objects.filter(case=case, action=action).order_by("pk")]


# -- assignment ----------------------------------------------------------------------------------------------


def test_a_case_assigned_to_a_person_reaches_her_by_sms_when_she_has_no_push(
    make_case, ayse, mehmet, django_capture_on_commit_callbacks
):
    case = make_case()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(case, actor=mehmet, assignee=ayse)

    [notification] = Notification.objects.filter(case=case)
    assert (notification.user, notification.kind) == (ayse, "assigned")
    assert notification.text == f"Size atandı: {case.tracking_display} Sokakta çukur var"
    assert notification.link == f"/vaka/{case.tracking_number}/"
    assert told(case, "assigned") == {"ayse": {SMS}}  # push wanted, no subscription: the SMS fallback
    assert timeline(case) == ["Bildirildi: Ayşe Yıldız (SMS)"]  # the manager who assigned is not told


def test_a_person_with_a_push_subscription_gets_push_and_no_sms(
    make_case, ayse, mehmet, django_capture_on_commit_callbacks
):
    PushSubscription.objects.create(user=ayse, endpoint="https://push.example/ayse", p256dh="k", auth="a")
    case = make_case()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(case, actor=mehmet, assignee=ayse)

    assert told(case, "assigned") == {"ayse": {PUSH}}


def test_a_case_assigned_to_a_team_reaches_its_leader_and_members(
    make_case, crew, road_team, mehmet, django_capture_on_commit_callbacks
):
    case = make_case()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(case, actor=mehmet, team=road_team)

    assert told(case, "team_assigned") == {"hasan": {SMS}, "cem": {PUSH}, "deniz": set()}
    text = Notification.objects.filter(case=case).values_list("text", flat=True).distinct()
    assert list(text) == [f"Ekibinize (Asfalt Ekibi 1) atandı: {case.tracking_display} Sokakta çukur var"]
    assert timeline(case) == [
        "Bildirildi: Hasan Çelik (SMS); Cem Aydın (Web Push); Deniz Öztürk (yalnızca uygulamada)"
    ]


def test_a_member_assigned_with_her_team_is_told_once_as_the_assignee(
    make_case, crew, road_team, ayse, mehmet, django_capture_on_commit_callbacks
):
    ayse.teams.add(road_team)
    case = make_case()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(case, actor=mehmet, assignee=ayse, team=road_team)

    assert told(case, "assigned") == {"ayse": {SMS}}
    assert set(told(case, "team_assigned")) == {"hasan", "cem", "deniz"}


def test_taking_a_case_oneself_tells_nobody(make_case, ayse, django_capture_on_commit_callbacks):
    case = make_case()
    with django_capture_on_commit_callbacks(execute=True):
        services.take(case, actor=ayse)

    assert not Notification.objects.filter(case=case).exists()
    assert timeline(case) == []


# -- escalation ----------------------------------------------------------------------------------------------


def test_escalations_reach_the_holders_of_the_first_then_the_second_place(
    make_case, places, make_user, mehmet, django_capture_on_commit_callbacks
):
    first, second = places
    selin = person(make_user, "selin", User.Role.UNIT_MANAGER, "Selin", "Acar", email="sa@esenler.example")
    kemal = person(
        make_user,
        "kemal",
        User.Role.ADMINISTRATOR,
        "Kemal",
        "Şahin",
        mobile="+905441234567",
        email="ks@esenler.example",
    )
    first.holders.add(selin)
    second.holders.add(kemal)
    case = make_case()

    with django_capture_on_commit_callbacks(execute=True):
        escalation.sweep(DUE + dt.timedelta(minutes=5))
    assert told(case, "escalated_1") == {"selin": {EMAIL}}  # push wanted but not subscribed; no SMS fallback
    [notice] = Notification.objects.filter(case=case, kind="escalated_1")
    assert notice.text == (
        f"Son tarih geçti; ilk müracaat yerine iletildi: {case.tracking_display} Sokakta çukur var"
    )
    assert not notice.critical

    with django_capture_on_commit_callbacks(execute=True):
        escalation.sweep(DUE + dt.timedelta(days=1, minutes=10))
    assert told(case, "escalated_2") == {"kemal": {SMS, EMAIL}}
    [urgent] = Notification.objects.filter(case=case, kind="escalated_2")
    assert urgent.critical  # at any hour
    assert urgent.text.startswith("Bir gün sonra hâlâ cevaplanmadı; ikinci müracaat yerine iletildi: ")
    assert timeline(case) == ["Bildirildi: Selin Acar (E-posta)", "Bildirildi: Kemal Şahin (SMS, E-posta)"]
    assert not Notification.objects.filter(user=mehmet).exists()  # the holders, not the unit's manager


def test_without_a_linked_holder_the_units_manager_is_told_and_the_timeline_says_why(
    make_case, mehmet, django_capture_on_commit_callbacks
):
    case = make_case()

    with django_capture_on_commit_callbacks(execute=True):
        escalation.sweep(DUE + dt.timedelta(minutes=5))

    assert told(case, "escalated_1") == {"mehmet": {PUSH, EMAIL}}
    [notice] = Notification.objects.filter(case=case)
    assert "(İlk müracaat yerine bağlı kullanıcı yok)" in notice.text
    assert timeline(case) == [
        "İlk müracaat yerine bağlı kullanıcı yok; bunun yerine birim yöneticilerine bildirildi.",
        "Bildirildi: Mehmet Kaya (Web Push, E-posta)",
    ]


def test_an_inactive_holder_counts_as_none(
    make_case, places, make_user, mehmet, django_capture_on_commit_callbacks
):
    gone = person(make_user, "gone", User.Role.UNIT_MANAGER, "Eski", "Müdür")
    gone.is_active = False
    gone.save()
    places[0].holders.add(gone)
    case = make_case()

    with django_capture_on_commit_callbacks(execute=True):
        escalation.sweep(DUE + dt.timedelta(minutes=5))

    assert set(told(case, "escalated_1")) == {"mehmet"}


# -- idle warning --------------------------------------------------------------------------------------------


def test_an_idle_warning_goes_to_the_unit_mailbox_and_its_managers(
    make_case, roads, mehmet, django_capture_on_commit_callbacks
):
    roads.email = "fen@esenler.example"
    roads.save()
    case = make_case()

    with django_capture_on_commit_callbacks(execute=True):
        services.record_event(case, "idle_warning", note="11 gün 3 saat boyunca kimse işlem yapmadı.")

    mailbox = Notification.objects.get(case=case, user=None)
    assert mailbox.address == "fen@esenler.example"
    assert mailbox.body.splitlines() == [
        f"Vaka {case.tracking_display}: Sokakta çukur var",
        "",
        "11 gün 3 saat boyunca kimse işlem yapmadı.",
        "",
        "Birim: Fen İşleri Müdürlüğü",
    ]
    # A manager's default for warnings is push and e-mail (kinds.ROLE_MEDIA); Mehmet has both.
    assert told(case, "idle_warning") == {"mehmet": {PUSH, EMAIL}}


def test_a_unit_without_a_manager_reaches_the_manager_above(
    make_case, institution, roads, make_user, django_capture_on_commit_callbacks
):
    from kentmasa.directory.models import Unit

    top = Unit.objects.create(institution=institution, name="Altyapı Koordinasyon Dairesi")
    roads.parent = top
    roads.save()
    chief = person(make_user, "chief", User.Role.UNIT_MANAGER, "Zeynep", "Koç", units=[top])
    case = make_case()

    with django_capture_on_commit_callbacks(execute=True):
        services.record_event(case, "idle_warning", note="Kimse işlem yapmadı.")

    assert rules.unit_managers(roads) == [chief]
    assert set(told(case, "idle_warning")) == {"chief"}


# -- the citizen writes --------------------------------------------------------------------------------------


@pytest.fixture
def assigned(make_case, ayse, mehmet):
    return services.assign(make_case(), actor=mehmet, assignee=ayse)


def citizen_told(case):
    return list(
        Notification.objects.filter(case=case, kind="citizen_message").values_list("user__username", "text")
    )


def test_the_citizens_message_on_an_active_case_reaches_the_assignee(
    assigned, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.comment(assigned, actor=None, note="Çukur büyüdü!", public=True, from_citizen=True)

    assert citizen_told(assigned) == [
        ("ayse", f"Vatandaştan yeni mesaj: {assigned.tracking_display} Sokakta çukur var")
    ]
    assert timeline(assigned)[-1] == "Bildirildi: Ayşe Yıldız (yalnızca uygulamada)"


def test_the_citizens_answer_reaches_the_assignee(assigned, ayse, django_capture_on_commit_callbacks):
    waiting = services.ask_citizen(assigned, actor=ayse, question="Hangi binanın önünde?")
    with django_capture_on_commit_callbacks(execute=True):
        services.citizen_answered(waiting, actor=None, answer="12 numaranın önünde.")

    assert [user for user, _ in citizen_told(assigned)] == ["ayse"]


def test_without_an_assignee_the_team_leader_hears_it(
    make_case, crew, road_team, mehmet, django_capture_on_commit_callbacks
):
    case = services.assign(make_case(), actor=mehmet, team=road_team)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment(case, actor=None, note="Hâlâ bekliyorum.", public=True, from_citizen=True)

    assert [user for user, _ in citizen_told(case)] == ["hasan"]


def test_a_message_that_reopens_a_finished_case_is_told_once(
    assigned, ayse, django_capture_on_commit_callbacks
):
    resolved = services.resolve(assigned, actor=ayse, resolution="Çukur kapatıldı.")
    with django_capture_on_commit_callbacks(execute=True):
        services.follow_up(resolved, message="Çukur yine açıldı, kimse gelmedi.")

    assert [user for user, _ in citizen_told(assigned)] == ["ayse"]


def test_staff_notes_and_a_thank_you_tell_nobody(assigned, ayse, mehmet, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.comment(assigned, actor=mehmet, note="Yarın bakılacak.")
        services.comment(assigned, actor=ayse, note="Ekibimiz yolda.", public=True)
        resolved = services.resolve(assigned, actor=ayse, resolution="Çukur kapatıldı.")
        services.follow_up(resolved, message="Teşekkürler 🙏")

    assert citizen_told(assigned) == []


# -- what is never said, and what is never heard -------------------------------------------------------------


def test_a_kades_case_is_told_without_its_words(make_case, ayse, mehmet, django_capture_on_commit_callbacks):
    case = make_case(channel=Channel.KADES, subject="Eşim beni tehdit ediyor")
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(case, actor=mehmet, assignee=ayse)

    [notification] = Notification.objects.filter(case=case)
    assert notification.text == f"Size atandı: {case.tracking_display} KADES ihbarı"
    assert "tehdit" not in notification.text


def test_notified_events_are_not_told_again(make_case, ayse, mehmet, django_capture_on_commit_callbacks):
    case = make_case()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(case, actor=mehmet, assignee=ayse)
        services.record_event(
            case, "notified", note="Bildirildi: Ayşe Yıldız (SMS)", data={"kind": "assigned"}
        )

    assert Notification.objects.filter(case=case).count() == 1
    assert len(timeline(case)) == 2  # the assignment's, and the one written by hand: no more


def test_a_broken_event_tells_nobody_and_breaks_nothing(
    make_case, mehmet, django_capture_on_commit_callbacks
):
    case = make_case()
    with django_capture_on_commit_callbacks(execute=True):
        services.record_event(case, "escalate", data={"level": 7})
        services.record_event(case, "assign", data={"assignee": "mehmet"})

    assert not Notification.objects.filter(case=case).exists()


# -- an answer that did not reach the citizen ----------------------------------------------------------------


class RefusingSender:
    """The SMS provider refuses the number for good (a real provider's permanent refusal)."""

    channel = "sms"

    def can_reach(self, message):
        return True

    def send(self, message):
        from kentmasa.lib.outbound import SendError

        raise SendError("number blocked", permanent=True)


def test_an_answer_the_provider_refused_reaches_the_assignee(
    make_case, ayse, mehmet, settings, django_capture_on_commit_callbacks
):
    from kentmasa.cases.citizens import STAFF, find_or_create_citizen
    from kentmasa.channels import replies, tasks

    settings.KENTMASA_SENDERS = {"sms": f"{__name__}.RefusingSender"}
    citizen = find_or_create_citizen(ayse.institution, name="Ali Kaya", phone="+905321112233", proven=STAFF)
    case = services.assign(make_case(citizen=citizen), actor=mehmet, assignee=ayse)
    resolved = services.resolve(case, actor=ayse, resolution="Çukur kapatıldı.")
    message = replies.make_reply(resolved, resolved.events.get(action="resolve"))
    assert message is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.deliver(message.pk) == "failed"

    assert list(
        Notification.objects.filter(case=case, kind="reply_failed").values_list("user__username", "text")
    ) == [("ayse", f"Yanıt vatandaşa ulaşmadı: {case.tracking_display} Sokakta çukur var")]


def test_an_undelivered_answer_on_a_case_nobody_holds_reaches_the_units_manager(
    make_case, mehmet, django_capture_on_commit_callbacks
):
    case = make_case()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment(case, actor=None, public=False, note="SMS iletilmedi.", data={"reply_failed": True})
    assert set(
        Notification.objects.filter(case=case, kind="reply_failed").values_list("user__username", flat=True)
    ) == {"mehmet"}
    # A plain system note tells nobody.
    with django_capture_on_commit_callbacks(execute=True):
        services.comment(case, actor=None, public=False, note="Fotoğraf sonradan alındı.")
    assert Notification.objects.filter(case=case).count() == 1


def test_the_holder_told_of_an_escalation_can_read_the_case_but_not_act_on_it(
    client, make_case, make_user, parks, service, django_capture_on_commit_callbacks
):
    from kentmasa.directory.models import ApplicationPlace

    holder = person(make_user, "hasan.aydogan", User.Role.UNIT_MANAGER, "Hasan", "Aydoğan", units=[parks])
    place = ApplicationPlace.objects.create(institution=service.institution, person_name="Hasan Aydoğan")
    place.holders.add(holder)
    service.first_application_place = place
    service.save()
    case = make_case()
    client.force_login(holder)
    page = f"/vaka/{case.tracking_number}/"
    assert client.get(page).status_code == 404  # not escalated: not his case

    with django_capture_on_commit_callbacks(execute=True):
        assert escalation.sweep(now=DUE + dt.timedelta(minutes=1)).first == 1
    [notice] = Notification.objects.filter(user=holder, kind="escalated_1")
    response = client.get(notice.link)
    assert notice.link == page and response.status_code == 200
    assert 'id="action-resolve"' not in response.content.decode()  # read only: no buttons
    answer = client.post(f"{page}islem/resolve/", {"resolve-resolution": "Kapattık."})
    assert answer.status_code == 404
