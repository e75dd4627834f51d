"""The hotlist (kentmasa.emergency.pts.upsert_hotlist / remove_hotlist) and the PTS admin pages."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kentmasa.cases.services import TransitionError
from kentmasa.directory.models import Institution, User
from kentmasa.emergency import pts
from kentmasa.emergency.models import DispatchSettings, HotlistEntry, PlateAlert, PlateKind
from kentmasa.emergency.tests.core_world import user
from kentmasa.emergency.tests.pts_world import pts_world, read

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return pts_world()[0]


def test_seda_adds_a_plate_and_a_second_spelling_changes_the_same_entry(world):
    entry, created = pts.upsert_hotlist(
        world.police, plate="26 abc 123", reason="stolen", note="  Beyaz Doblo ", actor=world.operator
    )
    assert created
    assert (entry.plate, entry.plate_kind, entry.reason, entry.note, entry.added_by) == (
        "26ABC123",
        PlateKind.TURKISH,
        "stolen",
        "Beyaz Doblo",
        world.operator,
    )
    until = timezone.now() + dt.timedelta(days=7)
    again, created = pts.upsert_hotlist(
        world.police, plate="26-ABC-123", reason="wanted", valid_until=until, actor=world.operator
    )
    assert not created and again.pk == entry.pk
    assert (again.reason, again.note, again.valid_until) == ("wanted", "", until)
    assert HotlistEntry.objects.count() == 1
    diplomatic, _created = pts.upsert_hotlist(world.police, plate="06 cd 1234", reason="other", actor=None)
    foreign, _created = pts.upsert_hotlist(world.police, plate="B-MW 1234", reason="wanted", actor=None)
    assert (diplomatic.plate_kind, foreign.plate, foreign.plate_kind) == (
        PlateKind.DIPLOMATIC,
        "BMW1234",
        PlateKind.FOREIGN,
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"plate": "?"}, "plate"),
        ({"plate": ""}, "plate"),
        ({"plate": "26 ABC\x00123"}, "plate"),
        ({"plate": "A" * 300}, "plate"),
        ({"reason": "lost"}, "reason"),
        ({"note": "x" * 501}, "note"),
        ({"note": "not\x00e"}, "note"),
        ({"valid_until": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}, "valid_until"),
        ({"valid_until": dt.datetime(2100, 1, 1, tzinfo=dt.UTC)}, "valid_until"),
        ({"valid_until": dt.datetime(2030, 1, 1)}, "valid_until"),  # naive  # noqa: DTZ001
    ],
)
def test_bad_input_changes_nothing(world, values, field):
    params = {"plate": "26 ABC 123", "reason": "stolen", "actor": world.operator, **values}
    with pytest.raises(TransitionError) as refused:
        pts.upsert_hotlist(world.police, **params)
    assert refused.value.code == field
    assert not HotlistEntry.objects.exists()


def test_only_the_directorates_operators_keep_its_hotlist(world, institution):
    member = world.members[world.teams[0].pk][0]
    ankara = Institution.objects.create(slug="ankara-emniyet", name="Ankara", kind=Institution.Kind.POLICE)
    ankara_operator = user("ankara155", User.Role.POLICE_OPERATOR, ankara)
    for actor in (member, world.supervisor, ankara_operator):
        with pytest.raises(TransitionError) as refused:
            pts.upsert_hotlist(world.police, plate="26 ABC 123", reason="stolen", actor=actor)
        assert refused.value.code == "forbidden"
    with pytest.raises(TransitionError) as refused:
        pts.upsert_hotlist(institution, plate="26 ABC 123", reason="stolen", actor=None)  # a municipality
    assert refused.value.code == "institution"
    entry, _created = pts.upsert_hotlist(
        world.police, plate="26 ABC 123", reason="stolen", actor=world.operator
    )
    with pytest.raises(TransitionError):
        pts.remove_hotlist(entry, actor=member)
    assert HotlistEntry.objects.count() == 1


# -- the admin -----------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "kentmasa-test-1")
    client.force_login(root)
    return client


def test_the_admin_keeps_a_plate_as_its_key(admin_client, world, institution):
    url = reverse("admin:emergency_hotlistentry_add")
    answer = admin_client.post(
        url, {"institution": world.police.pk, "plate": "26 abc 123", "reason": "terror", "note": "İhbar"}
    )
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    entry = HotlistEntry.objects.get()
    assert (entry.plate, entry.plate_kind, entry.added_by.username) == ("26ABC123", "turkish", "root")
    again = admin_client.post(
        url, {"institution": world.police.pk, "plate": "26-ABC-123", "reason": "stolen"}
    )
    assert again.status_code == 200  # the same plate twice: the form says so
    assert HotlistEntry.objects.count() == 1
    municipality = admin_client.post(
        url, {"institution": institution.pk, "plate": "34 ABC 123", "reason": "stolen"}
    )
    assert "institution" in municipality.context["adminform"].form.errors
    unreadable = admin_client.post(url, {"institution": world.police.pk, "plate": "???", "reason": "stolen"})
    assert "plate" in unreadable.context["adminform"].form.errors
    found = admin_client.get(reverse("admin:emergency_hotlistentry_changelist") + "?q=26+abc+123")
    assert found.context["cl"].result_count == 1


def test_the_admin_shows_alerts_with_their_hits_and_reads_without_counting_them(admin_client, world):
    pts.upsert_hotlist(world.police, plate="26 ABC 123", reason="stolen", actor=None)
    pts.ingest(world.police, [read("26 ABC 123"), read("26 ABC 124")])
    alert = PlateAlert.objects.get()
    page = admin_client.get(reverse("admin:emergency_platealert_change", args=[alert.pk]))
    assert page.status_code == 200
    assert b"ESK-PTS-001" in page.content and b"Yunus Ekibi 1" in page.content
    reads = admin_client.get(reverse("admin:emergency_plateread_changelist") + "?q=26+abc+124")
    assert reads.status_code == 200
    assert reads.context["cl"].result_count == 1
    assert reads.context["cl"].show_full_result_count is False
    assert admin_client.get(reverse("admin:emergency_plateread_add")).status_code == 403
    settings_page = admin_client.get(
        reverse("admin:emergency_dispatchsettings_change", args=[DispatchSettings.objects.get().pk])
    )
    assert b"plate_alert_teams" in settings_page.content
    assert b"plate_read_retention_days" in settings_page.content
