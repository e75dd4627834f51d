"""Ahmet leads Asfalt Ekibi 1: /saha/ekip/ shows him the team's work for today and what is still open, and
its members; he gives a work order to Mehmet (kentmasa.field.services.apply, kind "reassign"), once however
often the form is sent. Mehmet, who leads nothing, and the leader of another team cannot."""

import datetime as dt
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from kentmasa.cases.models import Event
from kentmasa.conftest import PASSWORD
from kentmasa.directory.models import Team, User
from kentmasa.field.models import FieldAction, WorkOrder
from kentmasa.field.tests import api_world

LEADER = reverse("field:office_leader")


@pytest.fixture
def world(institution, roads, parks, make_user, make_case):
    return api_world.build(institution, roads, parks, make_user, make_case)


def signed_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def reassign(client, order, member, client_id=None):
    return client.post(
        reverse("field:office_reassign", args=[order.pk]),
        {
            f"wo{order.pk}-client_id": str(client_id or uuid.uuid4()),
            f"wo{order.pk}-assignee": member.pk if member else "",
        },
    )


def test_ahmet_sees_today_s_and_open_work_and_his_members(client, world):
    today = world.order(world.case(subject="Bugünkü çukur"))
    later = world.order(world.case(subject="Gelecek hafta"), day=timezone.localdate() + dt.timedelta(days=7))
    overdue = world.order(world.case(subject="Dünden kalan"))
    WorkOrder.objects.filter(pk=overdue.pk).update(scheduled_for=timezone.localdate() - dt.timedelta(days=1))
    cancelled = world.order(world.case(subject="Vazgeçilen"))
    WorkOrder.objects.filter(pk=cancelled.pk).update(status=WorkOrder.Status.CANCELLED)
    park = world.order(world.case(subject="Parktaki iş"), team=world.park_team)
    page = signed_in(client, world.ahmet).get(LEADER)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Asfalt Ekibi 1" in text
    assert f'id="leader-order-{today.pk}"' in text and f'id="leader-order-{overdue.pk}"' in text
    assert f'id="leader-order-{later.pk}"' in text  # still open
    assert f'id="leader-order-{cancelled.pk}"' not in text and f'id="leader-order-{park.pk}"' not in text
    assert "gecikmiş" in text
    members = re.search(r'id="team-\d+-members">(.*?)</ul>', text, re.S).group(1)
    assert "Ahmet Yılmaz" in members and "Mehmet Demir" in members and "Zeynep" not in members
    assert "<h3>Bugünkü ve açık işler: 3</h3>" in text


def test_ahmet_gives_a_work_order_to_mehmet_once(client, world):
    order = world.order(world.case())
    signed_in(client, world.ahmet)
    form_id = uuid.uuid4()
    response = reassign(client, order, world.mehmet, form_id)
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.assignee == world.mehmet
    again = reassign(client, order, world.mehmet, form_id)
    assert again.status_code == 302
    assert Event.objects.filter(case=order.case, action="work_order_reassigned").count() == 1
    assert FieldAction.objects.filter(user=world.ahmet, client_id=form_id, kind="reassign").count() == 1
    followed = client.get(LEADER)
    assert "İş emri başkasına verildi." in followed.content.decode()
    # Back to the whole team.
    reassign(client, order, None)
    order.refresh_from_db()
    assert order.assignee is None


def test_a_member_of_another_team_is_refused_and_nothing_changes(client, world):
    order = world.order(world.case())
    signed_in(client, world.ahmet)
    response = reassign(client, order, world.zeynep)
    assert response.status_code == 302
    page = client.get(LEADER).content.decode()
    assert "Başkasına verilmedi" in page
    order.refresh_from_db()
    assert order.assignee is None
    assert not Event.objects.filter(case=order.case, action="work_order_reassigned").exists()


@pytest.mark.parametrize("bad", ["", "yok", str(2**70), "1\x00"])
def test_bad_posts_never_500_and_change_nothing(client, world, bad):
    order = world.order(world.case())
    signed_in(client, world.ahmet)
    response = client.post(
        reverse("field:office_reassign", args=[order.pk]),
        {f"wo{order.pk}-client_id": bad, f"wo{order.pk}-assignee": bad},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.assignee is None


def test_only_leaders_of_the_team_reassign_and_see_the_page(client, world, make_user):
    order = world.order(world.case())
    signed_in(client, world.mehmet)
    assert client.get(LEADER).status_code == 403
    assert reassign(client, order, world.mehmet).status_code == 404
    zeynep = world.zeynep
    Team.objects.filter(pk=world.park_team.pk).update(leader=zeynep)
    signed_in(client, zeynep)
    assert client.get(LEADER).status_code == 200
    assert f'id="leader-order-{order.pk}"' not in client.get(LEADER).content.decode()
    assert reassign(client, order, zeynep).status_code == 404
    signed_in(client, world.clerk)
    assert client.get(LEADER).status_code == 403
    order.refresh_from_db()
    assert order.assignee is None
    # A police team's leader has /ekip/, not this page.
    police = Team.objects.create(unit=world.roads, name="Ekip 155", kind=Team.Kind.POLICE)
    officer = make_user(User.Role.FIELD_TEAM, "officer", teams=[police])
    Team.objects.filter(pk=police.pk).update(leader=officer)
    assert signed_in(client, officer).get(LEADER).status_code == 403


def test_a_reported_order_offers_no_reassignment(client, world):
    order = world.order(world.case())
    from kentmasa.field import services

    assert (
        services.apply(world.mehmet, api_world.action("done", order, text="Bitti."))["outcome"] == "applied"
    )
    page = signed_in(client, world.ahmet).get(LEADER).content.decode()
    assert f'id="leader-order-{order.pk}"' in page  # today's work, done
    assert f'id="reassign-{order.pk}"' not in page
    reassign(client, order, world.mehmet)
    assert (
        "Mehmet Demir tarafından zaten “Tamamlandı” olarak bildirildi" in client.get(LEADER).content.decode()
    )
