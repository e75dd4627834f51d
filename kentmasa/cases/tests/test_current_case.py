"""The one "follow a merged case" rule (cases.queries.current_case)."""

import pytest

from kentmasa.cases import services
from kentmasa.cases.models import Case, Status
from kentmasa.cases.queries import current_case

pytestmark = pytest.mark.django_db


def test_a_merged_case_lives_on_in_its_target_even_over_two_merges(make_case, operator):
    first, second, third = make_case(), make_case(), make_case()
    services.merge(first, into=second, actor=operator)
    services.merge(second, into=third, actor=operator)
    found = current_case(Case.objects.get(pk=first.pk))
    assert found.pk == third.pk
    assert found.citizen_id == third.citizen_id


def test_a_case_that_is_not_merged_is_itself(make_case):
    case = make_case()
    assert current_case(case) is case


def test_a_stale_link_on_a_case_no_longer_merged_is_not_followed(make_case):
    case, other = make_case(), make_case()
    Case.objects.filter(pk=case.pk).update(merged_into=other)  # a link left behind, status not MERGED
    assert current_case(Case.objects.get(pk=case.pk)).pk == case.pk


def test_a_cycle_in_the_data_ends(make_case):
    one, two = make_case(), make_case()
    Case.objects.filter(pk=one.pk).update(status=Status.MERGED, merged_into=two)
    Case.objects.filter(pk=two.pk).update(status=Status.MERGED, merged_into=one)
    assert current_case(Case.objects.get(pk=one.pk)).pk in (one.pk, two.pk)
