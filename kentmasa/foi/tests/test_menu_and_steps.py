"""The menu's "Bilgi edinme" link and the request page's list of Law 4982 steps.

The link shows to those who may use /bilgi-edinme/ — the information service (Elif), an operator, the staff
of a unit holding information (Ali) — of an institution that runs the service; never to a feedback operator,
nor in an institution without FoiSettings. The steps are named as the case page names them, in Turkish,
never by their action names (``foi_extended``).
"""

import pytest
from django.utils import translation

from kentmasa.directory.models import Institution, User
from kentmasa.foi import services
from kentmasa.foi.services import Identity
from kentmasa.foi.tests.conftest import AYSE_TC

pytestmark = pytest.mark.django_db

LINK = 'id="nav-foi" href="/bilgi-edinme/"'


@pytest.fixture(autouse=True)
def turkish(settings):
    settings.LANGUAGE_CODE = "tr"
    with translation.override("tr"):
        yield


def menu_of(client, user) -> str:
    client.force_login(user)
    return client.get("/bildirimler/").content.decode()


def test_the_menu_offers_bilgi_edinme_to_those_who_may_use_it(client, foi_settings, elif_, ali, make_user):
    page = menu_of(client, elif_)
    assert LINK in page and ">Bilgi edinme</a>" in page
    assert LINK in menu_of(client, ali)
    assert LINK in menu_of(client, make_user(User.Role.OPERATOR, "operator_esenler"))
    assert LINK not in menu_of(client, make_user(User.Role.FEEDBACK_OPERATOR, "geribildirim"))
    client.force_login(elif_)
    assert 'aria-current="page">Bilgi edinme</a>' in client.get("/bilgi-edinme/").content.decode()


def test_no_link_where_the_institution_runs_no_information_service(client, elif_, make_user):
    assert LINK not in menu_of(client, elif_)
    kayseri = Institution.objects.create(slug="kayseri", name="Kayseri BB", kind="metropolitan")
    assert LINK not in menu_of(
        client, make_user(User.Role.OPERATOR, "kayseri_operator", institution_=kayseri)
    )


def test_the_steps_are_named_in_turkish_not_by_their_action(client, open_request, elif_, roads):
    request = open_request()
    identity = Identity(name="Ayşe Kaya", tc_kimlik=AYSE_TC, email="ayse@example.com")
    services.accept(request, actor=elif_, identity=identity, now=request.received_at)
    services.forward_to_unit(request, actor=elif_, unit=roads, now=request.received_at)
    services.extend(request, actor=elif_, reason="Arşivden getirilecek.", now=request.received_at)
    client.force_login(elif_)
    page = client.get(f"/bilgi-edinme/{request.pk}/").content.decode()
    steps = page.split('id="foi-events"', 1)[1].split("</ol>", 1)[0]
    assert "Bilgi edinme başvurusu tam bulundu" in steps
    assert "Süre 30 iş gününe uzatıldı" in steps
    assert "</time> foi_" not in steps and 'data-action="foi_extended"' in steps
