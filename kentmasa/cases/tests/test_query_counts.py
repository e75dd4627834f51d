"""The hot paths of the staff screens take a fixed number of queries, whatever the queue or timeline holds.

Exact counts, the same on SQLite and PostgreSQL (session, user, the page's own reads); a change here is
either a new N+1 (fix it) or a deliberate new read (raise the pin and say why in the commit).
"""

import datetime as dt

import pytest
from django.utils import timezone

from kentmasa.cases import services
from kentmasa.cases.models import Citizen

pytestmark = pytest.mark.django_db

# +2 on every staff page: the header counts unread notifications and a unit member's new cases
# (kentmasa.notify.context, each bounded and read from an index); +1 for office and unit roles: whether the
# institution runs an information service, for the menu's "Bilgi edinme" (foi.access.may_use_pages).
# +2: the menu's "KVKK başvuruları" asks the user's and the groups' permissions once a request.
# +1 (keyset pages, kentmasa.cases.queries.keyset_page): a page not filled by cases with a deadline reads
# the cases without one in a second range read; the total is a count bounded at COUNT_LIMIT.
# -1: the institution's closed days come from the per-process cache (kentmasa.directory.cached) a running
# process has filled; the tests fill it first (institution.closed_dates()).
# +1: the page's keys are picked from the index first, then its rows read by key (keyset_page): SQLite
# would otherwise sort every matching row with its joins before the limit (5 s at 1M for an institution).
QUEUE_QUERIES = 18
# 17: the case page reads the action waiting for approval, if any (kentmasa.notify.approvals); +3 header;
# +2 KVKK: the privacy notice version the case recorded (one query) and the access log's one insert.
# +2: the menu's KVKK permission, as on the queue.
# -1: the closed days from the per-process cache, as on the queue.
# +1: the follow-ups' ids by the follows index alone, then their rows in the user's scope (SQLite walked the
# institution's cases for the joined query: 2 s at 1M).
CASE_PAGE_QUERIES = 24


@pytest.fixture
def hasan(client, road_manager):
    client.force_login(road_manager)
    return road_manager


def fill_queue(institution, make_case, road_staff, count: int) -> list:
    cases = []
    for i in range(count):
        citizen = Citizen.objects.create(
            institution=institution, name=f"Arayan {i}", phone=f"+9053312345{i:02d}"
        )
        case = make_case(received_at=timezone.now() - dt.timedelta(days=i + 1), citizen=citizen)
        if i % 2:
            case = services.assign(case, actor=None, assignee=road_staff)
        cases.append(case)
    return cases


@pytest.mark.parametrize("count", [1, 12])
def test_the_unit_queue_takes_the_same_queries_for_one_case_or_a_dozen(
    hasan, client, institution, make_case, road_staff, django_assert_num_queries, count
):
    fill_queue(institution, make_case, road_staff, count)
    institution.closed_dates()  # cached per process, as in a running server
    with django_assert_num_queries(QUEUE_QUERIES):
        page = client.get("/kuyruk/")
    assert page.status_code == 200 and page.content.decode().count('<tr id="case-') == count


@pytest.mark.parametrize("comments", [0, 10])
def test_the_case_page_takes_the_same_queries_however_long_its_timeline(
    hasan, client, institution, make_case, road_staff, django_assert_num_queries, comments
):
    earlier = services.close(
        services.resolve(make_case(), actor=road_staff, resolution="Yapıldı."), actor=None
    )
    citizen = Citizen.objects.create(institution=institution, name="Ali Kaya", phone="+905321234567")
    case = services.assign(make_case(citizen=citizen, follows=earlier), actor=None, assignee=road_staff)
    for i in range(comments):
        services.comment(case, actor=road_staff if i % 2 else None, note=f"Not {i}", public=bool(i % 3))
    later = make_case(subject="Yine çukur", follows=case)
    institution.closed_dates()  # cached per process, as in a running server
    with django_assert_num_queries(CASE_PAGE_QUERIES):
        page = client.get(f"/vaka/{case.tracking_number}/").content.decode()
    assert page.count('<li class="event ') == comments + 2  # open, assign and the comments
    assert (
        f'href="/vaka/{earlier.tracking_number}/"' in page
        and f'href="/vaka/{later.tracking_number}/"' in page
    )


# The public form's application, once the process has the institution's set-up cached
# (kentmasa.lib.process_cache): the session; the rate limit's counter in the database cache (12: the cache
# backend's add, get and set, each with its cull count and savepoint); the institution by its slug; whether
# it lists topics; the chosen topic with its service and unit; intake.open_from's transaction (savepoints in
# the test's transaction) with the citizen's insert under its own savepoint, the case, its number, its "open"
# event, the live event and the privacy notice version shown; the session's receipt (a savepoint and an
# update). Was 35: the topic's service and unit were read one by one and the "open" event read back even
# when no file came with the form.
PUBLIC_FORM_QUERIES = 31


def test_the_public_form_records_an_application_in_a_fixed_number_of_queries(
    client, institution, category, settings, tmp_path, django_assert_num_queries
):
    from django.urls import reverse

    from kentmasa.cases.models import Case
    from kentmasa.cases.tests.test_public import application

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KENTMASA_PUBLIC_RATE = "1000/d"
    url = reverse("public:form", args=[institution.slug])
    for phone in (
        "0532 123 45 60",
        "0532 123 45 61",
    ):  # the first writes the default notice; the second warms
        assert client.post(url, application(category, phone=phone)).status_code == 302

    with django_assert_num_queries(PUBLIC_FORM_QUERIES):
        response = client.post(url, application(category, phone="0532 123 45 99"))

    assert response.status_code == 302
    case = Case.objects.latest("pk")
    assert (case.category, case.service, case.unit) == (category, category.service, category.unit)
    assert case.citizen is not None and case.citizen.phone == "+905321234599"
