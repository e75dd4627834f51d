"""The read-noting contract (kentmasa.lib.personal_reads) and the middleware that writes the notes."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from kentmasa.directory.models import User
from kentmasa.lib.personal_reads import note_read, noted_reads
from kentmasa.privacy.middleware import AccessLogMiddleware
from kentmasa.privacy.models import AccessLog


def run(user, status=200, reads=(("case", 7, 9, "x"),), query="", set_user_in_view=False):
    request = RequestFactory().get(f"/vaka/7/{query}", REMOTE_ADDR="10.1.2.3")
    request.user = AnonymousUser() if set_user_in_view else user

    def view(request):
        if set_user_in_view:  # as the API's BearerToken does during the view
            request.user = user
        for what, case_id, citizen_id, detail in reads:
            note_read(request, what=what, case_id=case_id, citizen_id=citizen_id, detail=detail)
        return HttpResponse(status=status)

    return AccessLogMiddleware(view)(request)


@pytest.mark.django_db
def test_note_read_only_appends_to_the_request(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        note_read(request, what="case", case_id=1, citizen_id=2)
        note_read(request, what="export", detail="x" * 900)
    reads = noted_reads(request)
    assert [(r.what, r.case_id, r.citizen_id) for r in reads] == [("case", 1, 2), ("export", None, None)]
    assert len(reads[1].detail) == 500


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown kind"):
        note_read(RequestFactory().get("/"), what="whatever")


@pytest.mark.django_db
def test_the_reads_of_a_request_are_written_in_one_insert(operator, django_assert_num_queries):
    with django_assert_num_queries(1):
        run(operator, reads=[("case", 7, 9, "a"), ("attachment", 7, 9, "b")], query="?neden=denetim")
    rows = list(AccessLog.objects.order_by("pk"))
    assert [(r.what, r.case_id, r.citizen_id, r.detail) for r in rows] == [
        ("case", 7, 9, "a"),
        ("attachment", 7, 9, "b"),
    ]
    for row in rows:
        assert (row.user_id, row.institution_id, row.reason) == (
            operator.pk,
            operator.institution_id,
            "denetim",
        )
        assert (row.client_ip, row.path) == ("10.1.2.3", "/vaka/7/")


@pytest.mark.django_db
def test_a_user_set_by_the_views_token_authentication_counts(operator):
    run(operator, set_user_in_view=True)
    assert AccessLog.objects.get().user_id == operator.pk


@pytest.mark.django_db
@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_writes_nothing(operator, status):
    run(operator, status=status)
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("status", [302, 400, 403, 404])
def test_any_other_answer_writes_the_reads_its_view_noted(operator, status):
    """A view notes a read only after its access check, when it shows the data: a 400 re-render of a form's
    error page shows it too (a refusal notes nothing, so writes nothing)."""
    run(operator, status=status)
    assert AccessLog.objects.get().case_id == 7


@pytest.mark.django_db
def test_anonymous_and_switched_off_users_write_nothing(operator, django_assert_num_queries):
    run(AnonymousUser())
    operator.is_active = False
    run(operator)
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_a_request_that_noted_nothing_costs_no_query(operator, django_assert_num_queries):
    with django_assert_num_queries(0):
        run(operator, reads=[])


@pytest.mark.django_db
def test_a_superuser_without_institution_logs_under_the_cases_institution(make_case, institution):
    case = make_case()
    root = User.objects.create_superuser("root", password="kentmasa-test-1")
    run(root, reads=[("case", case.pk, None, "")])
    assert AccessLog.objects.get().institution_id == institution.pk
