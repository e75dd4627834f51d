"""The live stream (kentmasa.notify.live and .stream): one sequence written with each change, over real HTTP
from the ASGI server, to exactly who may see it, resumable after a restart."""

import datetime as dt
import itertools
import time

import pytest
from django.db import transaction
from django.utils import timezone

from kentmasa.cases import access, services
from kentmasa.cases.models import Event
from kentmasa.directory.models import ApiToken, Team, User
from kentmasa.notify import live
from kentmasa.notify.models import LiveEvent
from kentmasa.notify.stream import Hub, Row
from kentmasa.notify.tell import tell
from kentmasa.notify.tests.sse import Listener

R = User.Role


@pytest.fixture(autouse=True)
def _quick_stream(settings):
    """Heartbeats every half second, so a listener that waits for nothing still wakes up."""
    settings.KENTMASA_LIVE = {**settings.KENTMASA_LIVE, "HEARTBEAT": 0.5, "PG_POLL": 0.5}


def token_for(user):
    return {"Authorization": f"Bearer {ApiToken.issue(user)[1]}"}


# --- who may see what ---------------------------------------------------------------------------------------


def test_the_scope_answers_as_may_read(
    make_user, make_case, roads, parks, road_team, places, other_institution, service
):
    """Access.Scope decides from a case's facts what may_read decides from the case, for every role."""
    park_team = Team.objects.create(unit=parks, name="Park Ekibi")
    holder = make_user(R.UNIT_STAFF, "holder", units=[parks])
    places[0].holders.add(holder)
    users = [
        make_user(R.OPERATOR),
        make_user(R.UNIT_STAFF, "roads_staff", units=[roads]),
        make_user(R.UNIT_MANAGER, "parks_manager", units=[parks]),
        make_user(R.FIELD_TEAM, "asfalt", teams=[road_team]),
        make_user(R.FIELD_TEAM, "park_ekip", teams=[park_team]),
        make_user(R.POLICE_OPERATOR),
        make_user(R.ADMINISTRATOR, "admin"),
        make_user(R.OPERATOR, "elsewhere", institution_=other_institution),
        holder,
        User.objects.create_superuser("root", password="x"),
        make_user(R.UNIT_STAFF, "off", units=[roads]),
    ]
    users[-1].is_active = False
    users[-1].save()
    cases = [
        make_case(),
        make_case(unit=parks, category=None),
        make_case(),
        make_case(institution=other_institution, category=None),
    ]
    services.assign(cases[0], actor=users[1], team=road_team)
    escalated = make_case(unit=parks, category=None, service=service)
    escalated.escalation_level = 1
    escalated.save()
    cases.append(escalated)
    checked = 0
    for user, case in itertools.product(users, cases):
        case.refresh_from_db()
        scope = access.Scope.of(user)
        facts = live.case_facts(case)
        seen = scope is not None and scope.sees(
            institution_id=facts["institution_id"],
            unit_id=facts["unit_id"],
            team_id=facts["team_id"],
            places=facts["places"],
        )
        assert seen == access.may_read(user, case), (user.username, case.pk)
        checked += seen
    assert 0 < checked < len(users) * len(cases)


# --- written with the change --------------------------------------------------------------------------------


def test_every_timeline_event_is_a_live_event_in_its_transaction(make_case, road_staff):
    case = make_case()
    events = Event.objects.filter(case=case).count()
    assert LiveEvent.objects.filter(case_id=case.pk, topic="case").count() == events
    first = LiveEvent.objects.filter(case_id=case.pk).order_by("pk").first()
    assert first.change == "open" and first.data["tracking"] == case.tracking_number
    assert first.unit_id == case.unit_id and first.institution_id == case.institution_id
    before = LiveEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.comment(case, actor=road_staff, note="geri alınacak")
        raise RuntimeError
    assert LiveEvent.objects.count() == before  # rolled back with the change
    services.comment(case, actor=road_staff, note="kalıcı not")
    assert LiveEvent.objects.order_by("-pk").first().change == "comment"


def test_a_notification_is_a_live_event_for_its_user_only(make_case, road_staff, road_manager):
    case = make_case()
    [notification] = tell([road_staff], "assigned", "Size bir başvuru atandı", case=case, link="/x/")
    row = LiveEvent.objects.get(topic="notification")
    assert row.user_id == road_staff.pk and row.data["id"] == notification.pk
    assert row.data["text"] == "Size bir başvuru atandı"


def test_old_live_events_are_pruned(make_case, settings):
    make_case()
    assert LiveEvent.objects.exists()
    LiveEvent.objects.update(at=LiveEvent.objects.first().at.replace(year=2020))
    assert live.prune() > 0
    assert not LiveEvent.objects.exists()


# --- the hub's resume point ---------------------------------------------------------------------------------


def _row(i):
    return Row(i, timezone.now(), "case", "x", 1, 1, None, None, 1, (), {})


def test_the_resume_point_waits_below_a_gap(settings):
    """Ids 3 and 4 committed while 2 had not: they go out at once, but a client resuming is sent back to 1."""
    hub = Hub()
    try:
        hub.horizon = 1
        hub._append([_row(3), _row(4)])
        assert [e.row.id for e in hub.log] == [3, 4]
        assert hub.horizon == 1 and all(e.resume == 1 for e in hub.log)
        hub._append([_row(2), _row(3), _row(4)])  # 2 commits: read with those above it again
        assert [e.row.id for e in hub.log] == [3, 4, 2]  # 3 and 4 are not logged twice
        assert hub.horizon == 4 and hub.log[-1].resume == 4
        settings.KENTMASA_LIVE = {**settings.KENTMASA_LIVE, "GAP_WAIT": 0.0}
        hub._append([_row(6)])  # 5 rolled back: the first read notices the gap, the next gives up on it
        hub._append([_row(6)])
        assert hub.horizon == 6
        assert [e.row.id for e in hub.log] == [3, 4, 2, 6]
    finally:
        hub.executor.shutdown()


# --- over HTTP ----------------------------------------------------------------------------------------------


def test_a_unit_member_receives_their_units_changes_and_nothing_of_another_unit(
    asgi_server, make_case, road_staff, park_staff, parks, operator
):
    roads_listener = Listener(f"{asgi_server.url}/api/v1/stream", token_for(road_staff))
    parks_listener = Listener(f"{asgi_server.url}/api/v1/stream", token_for(park_staff))
    try:
        assert roads_listener.status == 200 and roads_listener.content_type.startswith("text/event-stream")
        case = make_case(actor=operator)
        [opened] = roads_listener.wait_for(lambda m: m.event == "case" and m.data["change"] == "open")
        assert opened.data["tracking"] == case.tracking_number and opened.data["case"] == case.pk
        assert opened.data["label"] and opened.data["at"].endswith("+03:00")
        assert int(opened.id or 0) <= opened.data["seq"]
        park_case = make_case(unit=parks, category=None)
        parks_listener.wait_for(lambda m: m.event == "case" and m.data["case"] == park_case.pk)
        time.sleep(1)  # a heartbeat or two later, the other unit's case has still not reached roads
        assert all(m.data.get("case") != park_case.pk for m in roads_listener.messages)
        assert all(m.data.get("case") != case.pk for m in parks_listener.messages)
    finally:
        roads_listener.close()
        parks_listener.close()


def test_notifications_reach_only_their_user(asgi_server, make_case, road_staff, road_manager):
    staff = Listener(f"{asgi_server.url}/api/v1/stream", token_for(road_staff))
    manager = Listener(f"{asgi_server.url}/api/v1/stream", token_for(road_manager))
    try:
        case = make_case()
        tell([road_staff], "assigned", "Size atandı", case=case, link="/b/")
        [told] = staff.wait_for(lambda m: m.event == "notification")
        assert told.data["text"] == "Size atandı" and told.data["kind"] == "assigned"
        manager.wait_for(lambda m: m.event == "case" and m.data["change"] == "notified")
        assert not manager.of("notification")
    finally:
        staff.close()
        manager.close()


def test_a_client_resumes_after_a_restart_and_misses_nothing(asgi_server, make_case, road_staff):
    case = make_case()
    first = Listener(f"{asgi_server.url}/api/v1/stream?since={live.latest_id()}", token_for(road_staff))
    services.comment(case, actor=None, note="birinci")
    first.wait_for(lambda m: m.data.get("change") == "comment")
    time.sleep(0.6)  # a heartbeat: the resume point moves up to what the hub has read
    resume_at = first.last_id
    first.close()
    asgi_server.stop()
    missed = [services.comment(case, actor=None, note=f"sunucu kapalıyken {n}") for n in range(3)]
    asgi_server.start()
    headers = {**token_for(road_staff), "Last-Event-ID": resume_at}
    second = Listener(f"{asgi_server.url}/api/v1/stream?since=0", headers)  # the header wins over since
    try:
        first_seq = first.of("case")[-1].data["seq"]
        assert int(resume_at or 0) <= first_seq  # a resume point never passes what was sent
        missed_seqs = set(
            LiveEvent.objects.filter(
                topic="case", change="comment", case_id=case.pk, pk__gt=first_seq
            ).values_list("pk", flat=True)
        )
        assert len(missed_seqs) == len(missed) == 3
        second.wait_for(lambda m: missed_seqs <= {x.data.get("seq") for x in second.of("case")})
        # Nothing from before the resume point came again (since=0 would have sent the case's opening).
        assert all(m.data["seq"] > int(resume_at or 0) for m in second.of("case"))
    finally:
        second.close()


def test_a_client_too_far_behind_is_told_to_start_afresh(asgi_server, make_case, road_staff, settings):
    settings.KENTMASA_LIVE = {**settings.KENTMASA_LIVE, "CATCH_UP_LIMIT": 2}
    case = make_case()
    since = live.latest_id()
    for n in range(4):
        services.comment(case, actor=None, note=f"not {n}")
    listener = Listener(f"{asgi_server.url}/api/v1/stream?since={since}", token_for(road_staff))
    try:
        listener.wait_for(lambda m: m.event == "reset")
        assert not listener.of("case")
    finally:
        listener.close()


def test_the_stream_refuses_who_may_not_listen(asgi_server, road_staff):
    for headers in ({}, {"Authorization": "Bearer km_nope"}, {"Authorization": "Basic eA=="}):
        listener = Listener(f"{asgi_server.url}/api/v1/stream", headers)
        assert listener.status == 401
        listener.close()
    listener = Listener(f"{asgi_server.url}/canli/", {})
    assert listener.status == 401
    listener.close()
    for bad in ("abc", "-1", str(2**64), "1e3"):
        listener = Listener(f"{asgi_server.url}/api/v1/stream?since={bad}", token_for(road_staff))
        assert listener.status == 400
        listener.close()
    # A Last-Event-ID that is not ours is ignored, not an error.
    listener = Listener(
        f"{asgi_server.url}/api/v1/stream", {**token_for(road_staff), "Last-Event-ID": "x\u00e7"}
    )
    assert listener.status == 200
    listener.close()


def test_a_unit_hears_that_a_case_left_it_but_not_where_it_went(
    asgi_server, make_case, road_staff, park_staff, parks, operator
):
    case = make_case()
    roads_listener = Listener(f"{asgi_server.url}/api/v1/stream", token_for(road_staff))
    parks_listener = Listener(f"{asgi_server.url}/api/v1/stream", token_for(park_staff))
    try:
        services.transfer(case, actor=operator, unit=parks, note="Park alanında")
        [arrived] = parks_listener.wait_for(lambda m: m.data.get("change") == "transfer")
        assert arrived.data["unit"] == parks.pk and "left" not in arrived.data
        [left] = roads_listener.wait_for(lambda m: m.data.get("change") == "transfer")
        assert left.data["left"] is True and left.data["tracking"] == case.tracking_number
        assert "unit" not in left.data and "assignee" not in left.data and left.data["label"] == "Devredildi"
        # Later changes of the case are the new unit's alone.
        services.comment(case, actor=None, note="sonraki not")
        parks_listener.wait_for(lambda m: m.data.get("change") == "comment")
        time.sleep(1)
        assert not [m for m in roads_listener.messages if m.data.get("change") == "comment"]
    finally:
        roads_listener.close()
        parks_listener.close()


def test_under_a_wsgi_server_the_stream_refuses_rather_than_hold_a_thread(client, road_staff):
    client.force_login(road_staff)
    response = client.get("/canli/")
    assert response.status_code == 503 and response.json()["code"] == "not_asgi"


# --- the hub reading the table (review) ---------------------------------------------------------------------

BASE = 10**9  # ids of this section's own rows, far above what the sequence hands out


def _write(*ids: int) -> None:
    LiveEvent.objects.bulk_create(
        [LiveEvent(id=BASE + i, at=timezone.now(), topic="case", change="x", institution_id=1) for i in ids]
    )


def _in_hub(coroutine_function):
    """Run ``coroutine_function(hub)`` on a fresh hub, closing its database thread afterwards."""
    import asyncio

    async def main():
        hub = Hub()
        try:
            return await coroutine_function(hub)
        finally:
            await hub.close()

    return asyncio.run(main())


@pytest.mark.django_db(transaction=True)
def test_a_hub_started_while_a_lower_id_is_uncommitted_still_reads_it_when_it_commits(settings):
    """PostgreSQL hands out ids before commit: when a hub starts (the first stream after a restart, or after
    IDLE_STOP), id 3 may still be in flight below 4 and 5. Starting at the largest id would skip 3 for good,
    for every stream of the process; the hub starts below it and holds its resume point there instead."""
    # (The ids below this test's rows are missing too: with no wait, the first read gives up on those.)
    settings.KENTMASA_LIVE = {**settings.KENTMASA_LIVE, "GAP_WAIT": 0.0}
    _write(1, 2, 4, 5)

    async def started_then_three_commits(hub):
        await hub.start()
        assert hub.horizon <= BASE + 2  # no resume point passes the id still in flight
        await hub.read()
        assert [e.row.id for e in hub.log] == []  # 4 and 5 were there before: not news
        await hub.db(_write, 3)  # commits (in the hub's own thread, as another process would)
        await hub.read()
        return [e.row.id for e in hub.log], hub.horizon

    logged, horizon = _in_hub(started_then_three_commits)
    assert logged == [BASE + 3]
    assert horizon == BASE + 5


@pytest.mark.django_db(transaction=True)
def test_a_full_batch_above_a_gap_is_read_on_not_read_again(monkeypatch, settings):
    """More than READ_BATCH ids committed above one still in flight: the hub reads on past the first batch
    (rather than reading that batch again and again until GAP_WAIT gives up on the gap)."""
    from kentmasa.notify import stream

    settings.KENTMASA_LIVE = {**settings.KENTMASA_LIVE, "GAP_WAIT": 3600.0}
    monkeypatch.setattr(stream, "READ_BATCH", 2)
    _write(1, 3, 4, 5, 6, 7)
    reads = []
    real_rows = stream._rows

    def counted(after, limit):
        reads.append(after)
        if len(reads) > 10:
            raise AssertionError(f"the hub keeps reading: {reads}")
        return real_rows(after, limit)

    monkeypatch.setattr(stream, "_rows", counted)

    async def read_once(hub):
        hub.horizon = BASE + 1
        await hub.read()
        return [e.row.id for e in hub.log], hub.horizon

    logged, horizon = _in_hub(read_once)
    assert logged == [BASE + i for i in (3, 4, 5, 6, 7)]
    assert horizon == BASE + 1  # 2 is still awaited


def test_giving_up_on_a_gap_skips_no_other_gap_read_in_a_later_batch(settings):
    """Ids 3 and 5 came in one batch (2 and 4 missing), 7 and 8 in the next (6 missing): when the wait for
    2 has run out, the hub moves past 2 only; 4, then 6, are waited for in their turn."""
    hub = Hub()
    try:
        hub.horizon = 1
        hub._append([_row(3), _row(5)])
        settings.KENTMASA_LIVE = {**settings.KENTMASA_LIVE, "GAP_WAIT": 0.0}
        hub._append([_row(7), _row(8)])
        assert hub.horizon == 3  # (not 8: the later batch's first id is not the first one above the gap)
        hub._append([_row(6), _row(7), _row(8)])
        assert hub.horizon == 8
        assert [e.row.id for e in hub.log] == [3, 5, 7, 8, 6]
    finally:
        hub.executor.shutdown()


# --- an open stream and the credential it was opened with (review) ------------------------------------------


@pytest.fixture
def _refresh_every_turn(settings):
    """Who is listening is checked again at every turn of the stream (every heartbeat, half a second)."""
    settings.KENTMASA_LIVE = {**settings.KENTMASA_LIVE, "SCOPE_REFRESH": 0.0}


@pytest.mark.usefixtures("_refresh_every_turn")
def test_a_revoked_token_ends_its_open_stream(asgi_server, make_case, road_staff):
    token, raw = ApiToken.issue(road_staff)
    listener = Listener(f"{asgi_server.url}/api/v1/stream", {"Authorization": f"Bearer {raw}"})
    try:
        assert listener.status == 200
        time.sleep(1.2)  # a few turns (and checks) of the stream while the token is good: it stays open
        case = make_case()
        listener.wait_for(lambda m: m.data.get("case") == case.pk)
        token.revoked = True
        token.save(update_fields=["revoked"])
        assert listener.wait_closed(10), "the stream of a revoked token is still open"
    finally:
        listener.close()


@pytest.mark.usefixtures("_refresh_every_turn")
@pytest.mark.parametrize("ended_by", ["sign_out", "new_password"])
def test_a_session_that_ended_ends_its_open_stream(asgi_server, client, make_case, road_staff, ended_by):
    from django.contrib.sessions.models import Session

    client.force_login(road_staff)
    key = client.cookies["sessionid"].value
    listener = Listener(f"{asgi_server.url}/canli/", {"Cookie": f"sessionid={key}"})
    try:
        assert listener.status == 200
        time.sleep(1.2)  # a few turns (and checks) of the stream while signed in: it stays open
        case = make_case()
        listener.wait_for(lambda m: m.data.get("case") == case.pk)
        if ended_by == "sign_out":
            Session.objects.filter(session_key=key).delete()
        else:  # a new password signs the other sessions out (the session's hash no longer matches)
            road_staff.set_password("Yeni-parola-2026")
            road_staff.save()
        assert listener.wait_closed(10), f"the stream is still open after {ended_by}"
    finally:
        listener.close()


class _Quiet:
    """A scope that is shown nothing (only the stream's own lines come)."""

    def allows(self, row):
        return False

    def payload(self, row):
        return None

    async def refresh(self):
        return True


@pytest.mark.django_db(transaction=True)
def test_a_stream_ends_when_its_hub_stops(settings):
    """A hub that stopped (its task failed, the database was away when it started) reads nothing more: its
    streams end, so their clients reconnect to a new hub, rather than hear heartbeats and nothing else."""
    import asyncio

    from kentmasa.notify import stream

    async def main():
        lines = stream.events(_Quiet(), None)
        try:
            assert (await anext(lines)).startswith("retry:")
            await stream.shutdown()  # this loop's hub stops
            after = []
            async for line in lines:
                after.append(line)
                if len(after) > 3:
                    break
            return after
        finally:
            await lines.aclose()
            await stream.shutdown()

    assert asyncio.run(main()) == []


def test_a_backdated_case_is_kept_as_long_as_any_live_event(make_case):
    """An SMS read days late opens a case received days ago: its live event is timed when it was written,
    so the prune does not take it before a reconnecting screen has read it."""
    case = make_case(received_at=timezone.now() - dt.timedelta(days=5))
    live.prune()
    assert LiveEvent.objects.filter(case_id=case.pk, change="open").exists()


def test_a_position_of_thousands_of_digits_is_refused_or_ignored_never_a_500(rf):
    """int() refuses more than 4300 digits: a huge ?since= is the client's mistake (400), a huge
    Last-Event-ID is not ours (ignored)."""
    from kentmasa.notify.stream_views import BadPosition, position

    huge = "9" * 5000
    with pytest.raises(BadPosition):
        position(rf.get("/api/v1/stream", {"since": huge}))
    assert position(rf.get("/api/v1/stream", HTTP_LAST_EVENT_ID=huge)) is None
    assert position(rf.get("/api/v1/stream", HTTP_LAST_EVENT_ID="42")) == 42
