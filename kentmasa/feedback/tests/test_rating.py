"""The rating link for citizens not called: sent by SMS or e-mail through the channels' messages (delivery
tracked), a one-tap page without login, usable once and until it expires; a low score with "not solved"
reopens the case like a "not satisfied" call. KADES is never asked."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from kentmasa.cases.models import Case, Channel, Event, Status
from kentmasa.channels.models import Message
from kentmasa.feedback import services as feedback
from kentmasa.feedback.models import FeedbackCall, FeedbackDaily, Mode
from kentmasa.feedback.tests.world import deliver_all
from kentmasa.notify.models import Notification

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https://basvuru\.esenler\.bel\.tr/degerlendir/([A-Za-z0-9_-]+)/")


@pytest.fixture
def by_message(world):
    """Esenler calls nobody and asks everyone by a rating link."""
    world.settings.mode, world.settings.share_percent = Mode.SHARE, 0
    world.settings.save()
    return world


def asked(world, django_capture_on_commit_callbacks, **kwargs):
    """A resolved case whose rating link went out by the worker; returns (case, call, raw token)."""
    with django_capture_on_commit_callbacks(execute=True):
        case = world.resolved(**kwargs)
    # The task the commit enqueued, run as the worker would.
    call = FeedbackCall.objects.filter(case=case).first()
    if call is not None and call.state == "waiting":
        feedback.send_link(call.pk)
    sent = deliver_all()
    if call is not None:
        call.refresh_from_db()
    token = LINK.search(sent[-1].body).group(1) if sent else ""
    return case, call, token


def test_the_link_goes_by_sms_once_with_only_its_hash_kept(by_message, django_capture_on_commit_callbacks):
    case, call, token = asked(by_message, django_capture_on_commit_callbacks)
    message = Message.objects.get(template="feedback_rating")
    assert (message.channel, message.address, message.state) == ("sms", "+905321234567", "sent")
    assert message.case == case and message.external_id == f"prov-{message.pk}"
    assert case.tracking_display in message.body and "Esenler Belediyesi" in message.body
    assert "14 gün" in message.body
    assert call.state == "sent" and call.message == message
    assert call.token_hash == FeedbackCall.hash_token(token) and token not in call.token_hash
    assert call.expires_at == call.resolved_at + dt.timedelta(days=14) or call.expires_at > timezone.now()
    # Asked again (a retried task, the periodic safety net): nothing new.
    assert feedback.send_link(call.pk) is None
    assert feedback.send_due_links() == 0
    assert Message.objects.filter(template="feedback_rating").count() == 1
    event = Event.objects.get(case=case, action="feedback_asked")
    assert "0532 *** ** 67" in event.note or "***" in event.note


def test_by_email_when_there_is_no_phone(by_message, django_capture_on_commit_callbacks):
    _case, _call, token = asked(
        by_message, django_capture_on_commit_callbacks, phone="", email="ayse@example.com"
    )
    message = Message.objects.get(template="feedback_rating")
    assert (message.channel, message.address) == ("email", "ayse@example.com")
    assert token and message.subject.startswith("Başvurunuzu değerlendirin")


def test_a_satisfied_rating_closes_the_case_and_the_link_works_once(
    by_message, client, django_capture_on_commit_callbacks
):
    case, call, token = asked(by_message, django_capture_on_commit_callbacks)
    page = client.get(f"/degerlendir/{token}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Memnun kaldınız mı?" in html and case.tracking_display in html
    assert html.count('name="score"') == 5
    done = client.post(f"/degerlendir/{token}/", {"score": "4", "comment": "Teşekkürler"})
    assert done.status_code == 200 and "Teşekkür" in done.content.decode()
    call.refresh_from_db()
    case.refresh_from_db()
    assert (call.state, call.outcome, call.score, call.note) == ("done", "satisfied", 4, "Teşekkürler")
    assert case.status == Status.CLOSED
    close = Event.objects.get(case=case, action="close")
    assert close.actor is None and "4/5" in close.note
    # Once only: a second tap, or a second visit, is told so and changes nothing.
    again = client.post(f"/degerlendir/{token}/", {"score": "1", "unsolved": "on"})
    assert again.status_code == 410 and "zaten kullanılmış" in again.content.decode()
    assert client.get(f"/degerlendir/{token}/").status_code == 410
    assert FeedbackCall.objects.get(pk=call.pk).score == 4
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED
    row = FeedbackDaily.objects.get()
    assert (row.method, row.calls, row.reached, row.satisfied, row.score_sum) == ("sms", 1, 1, 1, 4)


def test_a_low_score_with_not_solved_reopens_the_case_and_tells_the_unit(
    by_message, client, django_capture_on_commit_callbacks
):
    case, _call, token = asked(by_message, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            f"/degerlendir/{token}/", {"score": "1", "unsolved": "on", "comment": "Çukur duruyor"}
        )
    assert done.status_code == 200 and 'id="rated-reopened"' in done.content.decode()
    case.refresh_from_db()
    assert case.status == Status.ASSIGNED and case.assignee == by_message.hasan
    reopen = Event.objects.get(case=case, action="reopen")
    assert reopen.actor is None and "1/5" in reopen.note and "Çukur duruyor" in reopen.note
    told = {n.user for n in Notification.objects.filter(case=case, kind="feedback_not_satisfied")}
    assert told == {by_message.hasan, by_message.murat}
    row = FeedbackDaily.objects.get()
    assert (row.not_satisfied, row.reopened) == (1, 1)


def test_a_low_score_without_not_solved_is_not_satisfied_but_closes(
    by_message, client, django_capture_on_commit_callbacks
):
    case, call, token = asked(by_message, django_capture_on_commit_callbacks)
    assert client.post(f"/degerlendir/{token}/", {"score": "2"}).status_code == 200
    case.refresh_from_db()
    call.refresh_from_db()
    assert case.status == Status.CLOSED and call.outcome == "not_satisfied"
    assert FeedbackDaily.objects.get().reopened == 0


def test_an_expired_link_is_refused_and_settled_by_the_periodic_job(
    by_message, client, django_capture_on_commit_callbacks
):
    case, call, token = asked(by_message, django_capture_on_commit_callbacks)
    FeedbackCall.objects.filter(pk=call.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    page = client.post(f"/degerlendir/{token}/", {"score": "5"})
    assert page.status_code == 410 and "süresi dolmuş" in page.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.RESOLVED
    assert feedback.expire_links() == 1
    assert feedback.expire_links() == 0
    call.refresh_from_db()
    assert (call.state, call.outcome) == ("done", "no_rating")
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED
    assert FeedbackDaily.objects.get().no_rating == 1


@pytest.mark.parametrize("token", ["x", "A" * 43, "..", "a" * 300, "ş" * 30, "null"])
def test_a_bad_link_gets_a_turkish_page_not_an_error(by_message, client, token):
    page = client.get(f"/degerlendir/{token}/")
    assert page.status_code == 404
    assert "Bu değerlendirme bağlantısı geçerli değil." in page.content.decode()
    assert client.post(f"/degerlendir/{token}/", {"score": "5"}).status_code in (404, 429)


def test_odd_addresses_are_refused_before_the_page(by_message, client):
    assert client.get("/degerlendir/../../etc/passwd/").status_code == 404
    assert client.get("/degerlendir/%00abc/").status_code == 400


def test_many_wrong_links_lock_the_address_out(by_message, client, settings):
    settings.KENTMASA_PUBLIC_RATE = "1000/m"
    for n in range(20):
        client.get(f"/degerlendir/{'b' * 30}{n:03d}/")
    locked = client.get(f"/degerlendir/{'c' * 30}/")
    assert locked.status_code == 429 and locked["Retry-After"] == "3600"


def test_bad_ratings_change_nothing(by_message, client, django_capture_on_commit_callbacks):
    case, call, token = asked(by_message, django_capture_on_commit_callbacks)
    for bad in ({"score": "0"}, {"score": "6"}, {"score": "beş"}, {}):
        assert client.post(f"/degerlendir/{token}/", bad).status_code == 400
    with pytest.raises(feedback.FeedbackError):
        feedback.rate(token, score=7)
    assert FeedbackCall.objects.get(pk=call.pk).state == "sent"
    assert Case.objects.get(pk=case.pk).status == Status.RESOLVED


def test_a_case_reopened_by_staff_meanwhile_voids_the_link(
    by_message, client, django_capture_on_commit_callbacks
):
    from kentmasa.cases import services

    case, _call, token = asked(by_message, django_capture_on_commit_callbacks)
    services.reopen(case, actor=by_message.murat, note="Birim yeniden bakacak.")
    assert client.get(f"/degerlendir/{token}/").status_code == 410


def test_kades_is_never_texted_even_if_a_link_was_queued(by_message, django_capture_on_commit_callbacks):
    case, _call, _token = asked(by_message, django_capture_on_commit_callbacks, channel=Channel.KADES)
    assert not FeedbackCall.objects.filter(case=case).exists()
    assert not Message.objects.filter(template="feedback_rating").exists()
    # A question made before the case became KADES is dropped when its link is to be sent.
    other = by_message.resolved(phone="+905320001122")
    pending = FeedbackCall.objects.get(case=other)
    Case.objects.filter(pk=other.pk).update(channel=Channel.KADES)
    assert feedback.send_link(pending.pk) is None
    assert FeedbackCall.objects.get(pk=pending.pk).state == "dropped"
    assert deliver_all() == []
