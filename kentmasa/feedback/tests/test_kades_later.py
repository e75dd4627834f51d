"""A citizen whose number turns up on a KADES case after her ordinary case was resolved is never asked about
it any more: Ayşe's resolved case waits on Fatma's call list (or her rating link is out); then a KADES case
of Esenler holds her number (the same record or another). The list no longer shows her, the call's page is
a 404, the rating link answers as a used one (no case number, no unit) and tapping it changes nothing. A
KADES case opened for her number drops her open questions at once."""

import datetime as dt
import re

import pytest

from kentmasa.cases.models import Case, Channel, Citizen, Event, Status
from kentmasa.channels.models import Message
from kentmasa.conftest import PASSWORD
from kentmasa.feedback import services as feedback
from kentmasa.feedback.models import FeedbackCall, FeedbackDaily, Mode
from kentmasa.feedback.tests.world import RESOLVED_AT, deliver_all

pytestmark = pytest.mark.django_db
PHONE = "+905321234567"
LATER = RESOLVED_AT + dt.timedelta(hours=3)
LIST = "/geri-bildirim/"
LINK = re.compile(r"https://basvuru\.esenler\.bel\.tr/degerlendir/([A-Za-z0-9_-]+)/")


def kades_case_for(world, phone: str = PHONE, *, same_record: bool = False, base: Case | None = None) -> Case:
    """A case of Esenler holding ``phone`` that became KADES (set afterwards: no "open" event of a KADES
    case, so only the guards of the list, the page and the link can keep her safe)."""
    if same_record and base is not None:
        citizen = base.citizen
    else:
        citizen = Citizen.objects.create(institution=world.institution, name="Gülsüm Aksoy", phone=phone)
    case = world.make_case(citizen=citizen, channel=Channel.PHONE)
    Case.objects.filter(pk=case.pk).update(channel=Channel.KADES)
    return case


def nothing_happened_to(case: Case) -> None:
    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    assert not Event.objects.filter(case=case, action__in=["close", "reopen", "feedback_call"]).exists()
    assert not FeedbackDaily.objects.exists()


@pytest.mark.parametrize("same_record", [False, True])
def test_the_call_list_and_the_calls_page_drop_a_number_now_on_a_kades_case(world, client, same_record):
    case = world.resolved(phone=PHONE)
    call = world.call_of(case)
    assert client.login(username=world.fatma.username, password=PASSWORD)
    assert case.tracking_display in client.get(LIST).content.decode()
    kades_case_for(world, same_record=same_record, base=case)
    html = client.get(LIST).content.decode()
    assert case.tracking_display not in html and "tel:" + PHONE not in html
    assert client.get(f"{LIST}{call.pk}/").status_code == 404
    assert FeedbackCall.objects.get(pk=call.pk).state == "dropped"
    answer = client.post(f"{LIST}{call.pk}/", {"outcome": "satisfied", "score": "5"})
    assert answer.status_code == 404
    nothing_happened_to(case)
    assert not Message.objects.filter(direction="out", case=case, template__startswith="feedback").exists()


def test_another_number_stays_on_the_list(world, client):
    case = world.resolved(phone=PHONE)
    kades_case_for(world, phone="+905559998877")
    assert client.login(username=world.fatma.username, password=PASSWORD)
    assert case.tracking_display in client.get(LIST).content.decode()
    assert client.get(f"{LIST}{world.call_of(case).pk}/").status_code == 200


def test_a_case_without_a_phone_is_not_taken_for_a_kades_one_without_a_phone(world, client):
    """A KADES person without a number on record must not hide everyone without a number."""
    Citizen.objects.create(institution=world.institution, name="", phone="")
    kades = world.make_case(citizen=Citizen.objects.get(name=""), channel=Channel.PHONE)
    Case.objects.filter(pk=kades.pk).update(channel=Channel.KADES)
    case = world.resolved(phone=PHONE)
    assert client.login(username=world.fatma.username, password=PASSWORD)
    assert case.tracking_display in client.get(LIST).content.decode()


def rating_link(world, django_capture_on_commit_callbacks):
    world.settings.mode, world.settings.share_percent = Mode.SHARE, 0
    world.settings.save()
    with django_capture_on_commit_callbacks(execute=True):
        case = world.resolved(phone=PHONE)
    call = FeedbackCall.objects.get(case=case)
    feedback.send_link(call.pk)
    sent = deliver_all()
    call.refresh_from_db()
    return case, call, LINK.search(sent[-1].body).group(1)


def test_the_rating_link_answers_as_used_and_tapping_changes_nothing(
    world, client, django_capture_on_commit_callbacks
):
    case, call, token = rating_link(world, django_capture_on_commit_callbacks)
    kades_case_for(world)
    page = client.get(f"/degerlendir/{token}/")
    html = page.content.decode()
    assert page.status_code == 410 and 'data-code="used"' in html and "zaten kullanılmış" in html
    assert case.tracking_display not in html and "Fen İşleri" not in html and 'name="score"' not in html
    assert FeedbackCall.objects.get(pk=call.pk).state == "dropped"
    tapped = client.post(f"/degerlendir/{token}/", {"score": "1", "unsolved": "on", "comment": "Çözülmedi"})
    assert tapped.status_code == 410 and case.tracking_display not in tapped.content.decode()
    nothing_happened_to(case)
    with pytest.raises(feedback.FeedbackError) as refused:
        feedback.rate(token, score=5)
    assert refused.value.code == "used"
    nothing_happened_to(case)


def test_rating_through_the_service_drops_a_silenced_link_first(world, django_capture_on_commit_callbacks):
    case, call, token = rating_link(world, django_capture_on_commit_callbacks)
    kades_case_for(world)
    with pytest.raises(feedback.FeedbackError) as refused:
        feedback.rate(token, score=1, unsolved=True)
    assert refused.value.code == "used"
    assert FeedbackCall.objects.get(pk=call.pk).state == "dropped"
    nothing_happened_to(case)


def test_a_kades_case_opened_for_the_number_drops_her_open_questions(
    world, django_capture_on_commit_callbacks
):
    waiting = world.call_of(world.resolved(phone=PHONE))
    other = world.call_of(world.resolved(name="Ali Can", phone="+905551234567"))
    case, link, _token = rating_link(world, django_capture_on_commit_callbacks)
    assert (waiting.state, link.state) == ("waiting", "sent")
    citizen = Citizen.objects.create(institution=world.institution, name="Gülsüm Aksoy", phone=PHONE)
    world.make_case(citizen=citizen, channel=Channel.KADES)
    states = dict(FeedbackCall.objects.values_list("pk", "state"))
    assert states[waiting.pk] == "dropped" and states[link.pk] == "dropped"
    assert states[other.pk] == "waiting"
    nothing_happened_to(case)
