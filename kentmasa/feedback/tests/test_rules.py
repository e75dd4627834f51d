"""Who is asked after resolution, and how: the institution's default, a service's own rule, a share chosen
by the case (the same cases every time), never KADES or an anonymous tip-off."""

import pytest
from django.db import transaction

from kentmasa.cases import services
from kentmasa.cases.models import Channel, Kind
from kentmasa.feedback import services as feedback
from kentmasa.feedback.models import FeedbackCall, FeedbackRule, FeedbackSettings, Mode

pytestmark = pytest.mark.django_db


def test_every_resolved_case_joins_the_call_list_with_what_the_reports_group_by(world, roads, service):
    case = world.resolved()
    call = world.call_of(case)
    assert (call.method, call.state, call.attempts) == ("call", "waiting", 0)
    assert call.due_at == case.resolved_at == call.resolved_at
    assert (call.unit, call.service, call.channel) == (roads, service, Channel.PHONE)
    assert (call.district, call.neighbourhood) == ("Esenler", "Menderes")
    assert call.resolve_event.action == "resolve" and call.resolve_event.case_id == case.pk


def test_the_call_is_made_in_the_resolves_own_transaction(world, make_case):
    case = world.resolved(assign=False)
    services.reopen(case, actor=world.fatma, note="Vatandaş aradı, devam ediyor.")
    assert FeedbackCall.objects.get(case=case).state == "dropped"
    with pytest.raises(RuntimeError), transaction.atomic():
        services.resolve(case, actor=world.hasan, resolution="Yeniden kapatıldı.")
        assert FeedbackCall.objects.filter(case=case, state="waiting").count() == 1
        raise RuntimeError("the resolve is rolled back")
    assert not FeedbackCall.objects.filter(case=case, state="waiting").exists()
    # Resolved again for real: a new question for the new answer.
    services.resolve(case, actor=world.hasan, resolution="Yeniden kapatıldı.")
    assert FeedbackCall.objects.filter(case=case, state="waiting").count() == 1


def test_the_same_resolve_event_is_asked_about_once(world):
    case = world.resolved()
    call = world.call_of(case)
    assert feedback.on_resolved(case, call.resolve_event) == call
    assert FeedbackCall.objects.filter(case=case).count() == 1


def test_no_settings_means_nobody_is_asked(world):
    world.settings.delete()
    case = world.resolved()
    assert not FeedbackCall.objects.filter(case=case).exists()


def test_a_service_rule_of_none_asks_nobody_though_the_institution_calls_everyone(world, service):
    FeedbackRule.objects.create(service=service, mode=Mode.NONE)
    assert not FeedbackCall.objects.filter(case=world.resolved()).exists()


def test_a_share_calls_the_same_cases_every_time_and_asks_the_rest_by_sms(world, service):
    FeedbackRule.objects.create(service=service, mode=Mode.SHARE, share_percent=30)
    cases = [world.resolved(phone=f"+90532123{n:04d}") for n in range(40)]
    methods = {case.pk: world.call_of(case).method for case in cases}
    called = [pk for pk, method in methods.items() if method == "call"]
    assert set(methods.values()) == {"call", "sms"}
    # Reproducible: decided by the case's id alone.
    assert called == [case.pk for case in cases if feedback.in_share(case.pk, 30)]
    assert all(feedback.in_share(pk, 30) for pk in called)
    # Roughly the share over many ids (not a coin tossed anew each time).
    over_many = sum(feedback.in_share(pk, 30) for pk in range(1, 10_001))
    assert 2_800 < over_many < 3_200
    assert feedback.in_share(123, 0) is False and feedback.in_share(123, 100) is True


def test_a_share_not_called_is_not_asked_at_all_when_the_institution_asks_only_by_phone(world):
    world.settings.mode, world.settings.share_percent, world.settings.ask_by_message = Mode.SHARE, 0, False
    world.settings.save()
    assert not FeedbackCall.objects.filter(case=world.resolved()).exists()


def test_without_a_phone_the_citizen_is_asked_by_email(world):
    case = world.resolved(phone="", email="ayse@example.com")
    call = world.call_of(case)
    assert (call.method, call.address) == ("email", "ayse@example.com")


def test_a_case_that_came_by_email_is_asked_by_email_when_not_called(world):
    world.settings.mode, world.settings.share_percent = Mode.SHARE, 0
    world.settings.save()
    case = world.resolved(email="ayse@example.com", channel=Channel.EMAIL)
    assert world.call_of(case).method == "email"
    other = world.resolved(phone="+905329998877")
    assert (world.call_of(other).method, world.call_of(other).address) == ("sms", "+905329998877")


def test_a_landline_without_email_is_called_but_never_texted(world):
    assert world.call_of(world.resolved(phone="+902124401190")).method == "call"
    world.settings.mode, world.settings.share_percent = Mode.SHARE, 0
    world.settings.save()
    assert not FeedbackCall.objects.filter(case=world.resolved(phone="+902124401191")).exists()


def test_kades_cases_are_never_asked(world):
    case = world.resolved(channel=Channel.KADES)
    assert not FeedbackCall.objects.filter(case=case).exists()


def test_a_number_on_record_for_a_kades_case_is_never_asked(world):
    world.resolved(channel=Channel.KADES, name="Gülsüm Aksoy", phone="+905551112233")
    other = world.resolved(name="Gülsüm Aksoy", phone="+905551112233")
    assert not FeedbackCall.objects.filter(case=other).exists()


def test_anonymous_tip_offs_are_never_asked_but_a_named_one_is(world):
    anonymous = world.resolved(name="", kind=Kind.TIP_OFF)
    assert not FeedbackCall.objects.filter(case=anonymous).exists()
    named = world.resolved(name="Ali Veli", phone="+905321110000", kind=Kind.TIP_OFF)
    assert world.call_of(named).method == "call"


def test_a_case_without_a_citizen_or_resolved_on_the_spot_is_not_asked(world, make_case, operator):
    nobody = make_case()
    services.resolve(nobody, actor=world.hasan, resolution="Yapıldı.")
    assert not FeedbackCall.objects.filter(case=nobody).exists()
    from kentmasa.cases.citizens import STAFF, find_or_create_citizen

    citizen = find_or_create_citizen(world.institution, name="Ayşe", phone="+905321234567", proven=STAFF)
    spot = make_case(citizen=citizen)
    services.resolve_on_the_spot(spot, actor=operator, resolution="Bilgi verildi.")
    assert not FeedbackCall.objects.filter(case=spot).exists()


def test_settings_are_per_institution(world, other_institution):
    assert FeedbackSettings.objects.filter(institution=other_institution).count() == 0
    assert world.settings.max_attempts == 3 and world.settings.retry_hours == 4
