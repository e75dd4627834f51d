"""The feedback question goes to the contacts given on the case, not to what the citizen's record holds
today: Ayşe's record holds her proven phone and an old e-mail; on the public form she proves her phone and
types a new e-mail, which never joins the record. Her rating link goes to the new e-mail; a case on which she
typed another number beside her proven e-mail is called on that number."""

import datetime as dt

import pytest

from kentmasa.cases import services
from kentmasa.cases.citizens import STAFF, find_or_create_citizen
from kentmasa.cases.intake import Inbound, open_from
from kentmasa.cases.models import Case, Channel
from kentmasa.channels.models import Message
from kentmasa.conftest import PASSWORD
from kentmasa.feedback import services as feedback
from kentmasa.feedback.models import FeedbackCall, Mode
from kentmasa.feedback.tests.world import RESOLVED_AT, deliver_all

pytestmark = pytest.mark.django_db
PHONE = "+905321234567"
OLD = "ayse.old@example.com"
NEW = "ayse.yeni@example.org"


def resolved_from_form(world, category, *, phone=PHONE, email=NEW, proven=("phone",)) -> Case:
    find_or_create_citizen(world.institution, name="Ayşe Kaya", phone=PHONE, email=OLD, proven=STAFF)
    case = open_from(
        Inbound(
            channel=Channel.WEB,
            institution=world.institution,
            subject="Sokakta çukur var",
            text="Atatürk Caddesi üzerinde büyük bir çukur oluştu.",
            name="Ayşe Kaya",
            phone=phone,
            email=email,
            proven=frozenset(proven),
            category=category,
            received_at=RESOLVED_AT - dt.timedelta(days=2),
        )
    )
    case = services.assign(
        case, actor=world.murat, assignee=world.hasan, now=RESOLVED_AT - dt.timedelta(days=1)
    )
    return services.resolve(case, actor=world.hasan, resolution="Çukur asfaltla kapatıldı.", now=RESOLVED_AT)


def test_the_rating_link_goes_to_the_e_mail_given_on_the_case(
    world, category, settings, django_capture_on_commit_callbacks
):
    world.settings.mode, world.settings.share_percent = Mode.SHARE, 0
    world.settings.save()
    settings.KENTMASA_SENDERS = {"email": settings.KENTMASA_SENDERS["email"]}  # no SMS: asked by e-mail
    with django_capture_on_commit_callbacks(execute=True):
        case = resolved_from_form(world, category)
    assert case.citizen.email == OLD
    call = FeedbackCall.objects.get(case=case)
    assert (call.method, call.address) == ("email", NEW)
    feedback.send_link(call.pk)
    sent = deliver_all()
    rating = Message.objects.get(template="feedback_rating")
    assert (rating.channel, rating.address) == ("email", NEW)
    assert [message.address for message in sent if message.template == "feedback_rating"] == [NEW]
    assert not Message.objects.filter(address=OLD).exists()


def test_the_call_list_calls_the_number_given_on_the_case(world, category, client):
    typed = "+905559998877"
    case = resolved_from_form(world, category, phone=typed, email=OLD, proven=("email",))
    assert case.citizen.phone == PHONE  # the typed number never joined the record
    call = FeedbackCall.objects.get(case=case)
    assert (call.method, call.phone) == ("call", typed)
    assert client.login(username=world.fatma.username, password=PASSWORD)
    html = client.get("/geri-bildirim/").content.decode()
    assert f'href="tel:{typed}"' in html and f"tel:{PHONE}" not in html
    page = client.get(f"/geri-bildirim/{call.pk}/").content.decode()
    assert f'href="tel:{typed}" id="call-phone"' in page and f"tel:{PHONE}" not in page


def test_a_number_given_on_the_case_that_is_on_a_kades_case_is_never_asked(world, category, client):
    typed = "+905559998877"
    kades = world.make_case(
        citizen=find_or_create_citizen(world.institution, name="Gülsüm Aksoy", phone=typed, proven=STAFF),
        channel=Channel.KADES,
    )
    assert kades.channel == Channel.KADES
    case = resolved_from_form(world, category, phone=typed, email=OLD, proven=("email",))
    assert not FeedbackCall.objects.filter(case=case).exists()
