"""KVKK applications (art. 11, 13, 14): the clock, identity before anything, the person's records and their
export, correction, erasure, the answer, the day-25 warning, scoping and hostile input."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from kentmasa.cases import services as cases
from kentmasa.cases.citizens import STAFF, find_or_create_citizen
from kentmasa.cases.models import Case, Channel, Citizen, Event, Kind, PhoneCode, Status
from kentmasa.cases.signals import phone_code_requested
from kentmasa.channels.models import Message
from kentmasa.directory.models import User
from kentmasa.notify.models import Notification
from kentmasa.privacy import export, requests
from kentmasa.privacy.models import DataSubjectRequest, ProofChannels

# Monday 1 June 2026: 30 calendar days → Wednesday 1 July 2026, at the close of work.
RECEIVED = dt.datetime.fromisoformat("2026-06-01T10:00+03:00")
AYSE_TC = "10000000146"
OTHER_TC = "17291716060"
AYSE_PHONE = "+905321234567"


@pytest.fixture(autouse=True)
def _senders(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "tr"
    settings.KENTMASA_SENDERS = {**settings.KENTMASA_SENDERS, "sms": "kentmasa.channels.sms.sender.LogSender"}


@pytest.fixture
def codes():
    sent = []

    def keep(sender, *, code, phone, **kwargs):
        sent.append((phone, code))

    phone_code_requested.connect(keep, dispatch_uid="test-dsr-codes")
    yield sent
    phone_code_requested.disconnect(dispatch_uid="test-dsr-codes")


@pytest.fixture
def admin(make_user):
    return make_user(User.Role.ADMINISTRATOR, "admin")


@pytest.fixture
def officer(make_user):
    from django.contrib.auth.models import Permission

    user = make_user(User.Role.OPERATOR, "kvkk")
    user.user_permissions.add(Permission.objects.get(codename="handle_data_subject_requests"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def ayse(institution):
    return find_or_create_citizen(
        institution, name="Ayşe Kaya", tc_kimlik=AYSE_TC, phone=AYSE_PHONE, proven=STAFF, address="Gül Sok. 3"
    )


@pytest.fixture
def stranger(institution):
    return find_or_create_citizen(institution, name="Veli Başka", tc_kimlik=OTHER_TC, proven=STAFF)


def _open(institution, citizen=None, channel=Channel.WEB, **kwargs):
    case = cases.open_case(
        institution=institution,
        channel=channel,
        kind=Kind.DATA_SUBJECT_REQUEST,
        subject="KVKK başvurusu",
        description="Hakkımdaki verileri istiyorum.",
        citizen=citizen,
        received_at=kwargs.pop("received_at", RECEIVED),
        **kwargs,
    )
    return DataSubjectRequest.objects.select_related("case").get(case=case)


def _desk_check(request, by):
    cases.record_on_opening(
        request.case, "desk", {"identity_seen": True, "identity_document": "id_card", "seen_by": by.pk}
    )
    return DataSubjectRequest.objects.select_related("case").get(pk=request.pk)


def _case_of(institution, citizen, subject, *, channel=Channel.PHONE, closed=False):
    case = cases.open_case(
        institution=institution, channel=channel, subject=subject, citizen=citizen, received_at=RECEIVED
    )
    if closed:
        case = cases.resolve(case, actor=None, resolution="Çukur kapatıldı.")
        case = cases.close(case, actor=None)
    return case


# -- the clock and who is told ---------------------------------------------------------------------------


def test_an_application_gets_its_30_day_clock_and_the_officers_are_told(
    institution, ayse, admin, officer, operator
):
    request = _open(institution, ayse)
    due = dt.datetime.fromisoformat("2026-07-01T17:30+03:00")
    assert request.due_at == due
    assert Case.objects.get(pk=request.case_id).due_at == due
    assert request.warn_at == due - dt.timedelta(days=5)
    told = set(Notification.objects.filter(case=request.case).values_list("user__username", flat=True))
    assert told == {"admin", "kvkk"}  # not the operator
    assert not request.proven


def test_the_day_25_warning_goes_once(institution, ayse, admin):
    request = _open(institution, ayse)
    before = Notification.objects.filter(case=request.case).count()
    assert requests.warn_due(now=request.warn_at - dt.timedelta(minutes=1)) == 0
    assert requests.warn_due(now=request.warn_at + dt.timedelta(minutes=1)) == 1
    assert requests.warn_due(now=request.warn_at + dt.timedelta(days=1)) == 0
    assert Notification.objects.filter(case=request.case).count() == before + 1
    assert "01.07.2026" in Notification.objects.filter(case=request.case).latest("pk").text


# -- identity before anything ----------------------------------------------------------------------------


def test_nothing_is_exported_corrected_or_erased_before_the_identity_is_proven(
    client, institution, ayse, admin
):
    request = _open(institution, ayse)
    requests.set_types(request, by=admin, types=["learn", "correction", "erasure"])
    with pytest.raises(requests.RequestError) as refused:
        export.build(request, for_contact=False)
    assert refused.value.code == "unproven"
    with pytest.raises(requests.RequestError):
        requests.correct(request, by=admin, citizen_id=ayse.pk, changes={"name": "Başka Ad"})
    with pytest.raises(requests.RequestError):
        requests.erase(request, by=admin, ground="")
    with pytest.raises(requests.RequestError):
        requests.answer(request, by=admin, given=requests.Answer(decisions={}, delivery="desk"))
    client.force_login(admin)
    response = client.get(reverse("privacy:request_export", args=[request.pk, "json"]))
    assert response.status_code == 400
    assert "kimli" in response.content.decode().lower()  # Turkish: "kimliği ... doğrulanmadı"
    assert Citizen.objects.get(pk=ayse.pk).name == "Ayşe Kaya"
    assert requests.records(request) == []


def test_at_the_desk_the_identity_check_proves_it(institution, ayse, operator):
    request = _desk_check(_open(institution, ayse, channel=Channel.DESK), operator)
    assert request.identity_method == "desk"
    assert request.identity_document == "id_card"
    assert request.identity_by == operator
    assert request.subject_tc == AYSE_TC
    assert [p.pk for p in requests.records(request)] == [ayse.pk]


def test_staff_tick_the_document_later(institution, ayse, admin):
    request = _open(institution, ayse)
    with pytest.raises(requests.RequestError) as bad:
        requests.prove_at_desk(request, by=admin, document="id_card", tc_kimlik="12345678901")
    assert bad.value.code == "tc_kimlik"
    requests.prove_at_desk(request, by=admin, document="passport", tc_kimlik=AYSE_TC)
    request.refresh_from_db()
    assert (request.identity_method, request.identity_by, request.subject) == ("desk", admin, ayse)
    assert Event.objects.filter(case=request.case, action="kvkk_identity", public=False).exists()


def test_the_verified_phone_with_the_tc_kimlik_no_proves_it(institution, ayse, admin, codes):
    request = _open(institution, None, channel=Channel.EMAIL)
    masked = requests.send_phone_code(request, by=admin, tc_kimlik=AYSE_TC, client_ip="192.0.2.1")
    assert masked == ayse.masked_phone
    ((phone, code),) = codes
    assert phone == AYSE_PHONE
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(requests.RequestError):
        requests.prove_by_phone(request, by=admin, tc_kimlik=AYSE_TC, code=wrong)
    with pytest.raises(requests.RequestError):  # the right code with another person's number
        requests.prove_by_phone(request, by=admin, tc_kimlik=OTHER_TC, code=code)
    requests.prove_by_phone(request, by=admin, tc_kimlik=AYSE_TC, code=code)
    request.refresh_from_db()
    assert (request.identity_method, request.subject) == ("phone", ayse)


def test_an_unverified_phone_never_finds_a_record(institution, admin, codes):
    typed = Citizen.objects.create(institution=institution, name="Ayşe", tc_kimlik=AYSE_TC, phone=AYSE_PHONE)
    assert not typed.phone_verified
    request = _open(institution, typed)
    with pytest.raises(requests.RequestError) as refused:
        requests.send_phone_code(request, by=admin, tc_kimlik=AYSE_TC, client_ip="192.0.2.1")
    assert refused.value.code == "no_phone"
    assert codes == [] and not PhoneCode.objects.exists()


def test_a_typed_tc_kimlik_no_with_the_strangers_own_verified_phone_proves_nothing(institution, admin, codes):
    """A stranger typed Ayşe's TC kimlik no on the public form with his own phone, verified by its code: his
    record holds her number unproven and his phone proven. The code never goes to his phone, the proof is
    refused, and nothing of Ayşe's reaches him."""
    ayse = find_or_create_citizen(institution, name="Ayşe Kaya", tc_kimlik=AYSE_TC, proven=STAFF)
    assert ayse.tc_kimlik_verified and not ayse.phone
    hers = _case_of(institution, ayse, "Ayşe'nin çukur başvurusu", closed=True)
    his = Citizen.objects.create(
        institution=institution,
        name="Ayşe Kaya",
        tc_kimlik=AYSE_TC,
        phone="+905559998877",
        phone_verified=True,
    )
    request = _open(institution, his)
    with pytest.raises(requests.RequestError) as refused:
        requests.send_phone_code(request, by=admin, tc_kimlik=AYSE_TC, client_ip="192.0.2.1")
    assert refused.value.code == "no_phone"
    assert codes == [] and not PhoneCode.objects.exists()
    with pytest.raises(requests.RequestError):
        requests.prove_by_phone(request, by=admin, tc_kimlik=AYSE_TC, code="123456")
    request.refresh_from_db()
    assert not request.proven
    with pytest.raises(requests.RequestError):
        export.build(request, for_contact=True)
    assert hers.pk not in {case.pk for case in requests.person_cases(request)}


def test_kep_proves_an_application_received_by_kep_where_the_institution_accepts_it(institution, ayse, admin):
    kep = Citizen.objects.create(
        institution=institution, name="Ayşe Kaya", email="ayse.kaya@hs01.kep.tr", email_verified=True
    )
    opening = {"contacts": {"email": "ayse.kaya@hs01.kep.tr"}}
    plain = _open(institution, kep, channel=Channel.EMAIL, opening_data=opening)
    assert not plain.proven  # the institution does not accept KEP yet
    with pytest.raises(requests.RequestError):
        requests.prove_remotely(plain, by=admin, method="kep", tc_kimlik=AYSE_TC)
    ProofChannels.objects.create(institution=institution, kep=True)
    received = _open(institution, kep, channel=Channel.EMAIL, opening_data=opening)
    assert received.identity_method == "kep"
    forged = Citizen.objects.create(institution=institution, name="Ayşe Kaya", email="ayse.kaya@hs01.kep.tr")
    assert not _open(institution, forged, channel=Channel.EMAIL, opening_data=opening).proven  # no DMARC pass
    with pytest.raises(requests.RequestError):  # e-Devlet is not set up
        requests.prove_remotely(plain, by=admin, method="edevlet", tc_kimlik=AYSE_TC)


# -- the person's data -----------------------------------------------------------------------------------


def test_the_export_holds_the_persons_cases_and_no_one_elses_and_never_kades(
    client, institution, ayse, stranger, operator, admin
):
    pothole = _case_of(institution, ayse, "Gül Sokak'ta çukur", closed=True)
    _case_of(institution, stranger, "Veli'nin gürültü şikâyeti")
    kades = _case_of(institution, ayse, "KADES ihbarı", channel=Channel.KADES)
    typed = Citizen.objects.create(
        institution=institution, name="Ayşe K.", tc_kimlik=AYSE_TC, phone="+905551112233"
    )
    _case_of(institution, typed, "Formdan yazılan başvuru")
    request = _desk_check(_open(institution, ayse, channel=Channel.DESK), operator)

    data = export.build(request, for_contact=True)
    subjects = {case["subject"] for case in data["cases"]}
    assert "Gül Sokak'ta çukur" in subjects and "KVKK başvurusu" in subjects
    assert "Veli'nin gürültü şikâyeti" not in subjects
    assert "KADES ihbarı" not in subjects
    assert "Formdan yazılan başvuru" not in subjects  # a typed TC kimlik no never joins
    assert data["records"][0]["tc_kimlik"] == AYSE_TC
    pothole_row = next(c for c in data["cases"] if c["subject"] == "Gül Sokak'ta çukur")
    assert pothole_row["answer"] == "Çukur kapatıldı."
    assert requests.is_kades_person(request)
    # At the desk, on paper, with her identity seen: her KADES cases may be printed.
    assert "KADES ihbarı" in {
        c["subject"] for c in export.build(request, for_contact=False, with_kades=True)["cases"]
    }

    client.force_login(admin)
    response = client.get(reverse("privacy:request_export", args=[request.pk, "json"]))
    assert response.status_code == 200
    body = json.loads(response.content)
    assert {c["tracking_number"] for c in body["cases"]} >= {pothole.tracking_display}
    assert kades.tracking_display not in response.content.decode()
    pdf = client.get(reverse("privacy:request_export", args=[request.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    request.refresh_from_db()
    assert request.export_pages and request.export_pages >= 1

    # Staff link the typed record after a check: its case joins the export (and the timeline says so).
    requests.link_record(request, by=admin, citizen_id=typed.pk, reason="Aynı ad ve adres, kimlikte görüldü")
    assert "Formdan yazılan başvuru" in {
        c["subject"] for c in export.build(request, for_contact=True)["cases"]
    }
    assert Event.objects.filter(case=request.case, action="kvkk_link").exists()


def test_the_fee_is_free_up_to_ten_pages():
    assert requests.fee(10) == Decimal("0")
    assert requests.fee(13) == Decimal("3")
    assert requests.fee(3, Decimal("25.00")) == Decimal("25.00")


# -- correction ------------------------------------------------------------------------------------------


def test_correction_goes_through_the_domain_function_and_keeps_no_old_value_in_public(
    institution, ayse, operator, admin
):
    pothole = _case_of(institution, ayse, "Çukur")
    request = _desk_check(_open(institution, ayse, channel=Channel.DESK), operator)
    with pytest.raises(requests.RequestError):
        requests.correct(request, by=admin, citizen_id=ayse.pk, changes={"phone": "12"})
    changed = requests.correct(
        request, by=admin, citizen_id=ayse.pk, changes={"name": "Ayşe Kaya Demir", "address": "Lale Sok. 5"}
    )
    assert changed == ["address", "name"]
    ayse.refresh_from_db()
    assert (ayse.name, ayse.address) == ("Ayşe Kaya Demir", "Lale Sok. 5")
    assert "demir" in Case.objects.get(pk=pothole.pk).search_text
    event = Event.objects.get(case=request.case, action="kvkk_correction")
    assert not event.public and event.data["fields"] == ["address", "name"]
    assert "Gül Sok" not in event.note and "Gül Sok" not in json.dumps(event.data)
    with pytest.raises(requests.RequestError):  # another person's record
        requests.correct(
            request,
            by=admin,
            citizen_id=Citizen.objects.create(institution=institution, name="X").pk,
            changes={"name": "Y"},
        )


# -- the answer ------------------------------------------------------------------------------------------


def test_the_answer_at_the_desk_names_the_complaint_to_the_board_and_sends_nothing(
    institution, ayse, operator, admin, django_capture_on_commit_callbacks
):
    request = _desk_check(_open(institution, ayse, channel=Channel.DESK), operator)
    requests.set_types(request, by=admin, types=["learn", "erasure"])
    with pytest.raises(requests.RequestError):  # a refusal needs its ground
        requests.answer(
            request,
            by=admin,
            given=requests.Answer(
                decisions={"learn": {"decision": "granted"}, "erasure": {"decision": "refused"}}
            ),
        )
    Message.objects.filter(case=request.case).delete()  # the desk's receipt SMS, if any
    with django_capture_on_commit_callbacks(execute=True):
        requests.answer(
            request,
            by=admin,
            given=requests.Answer(
                decisions={
                    "learn": {"decision": "granted"},
                    "erasure": {"decision": "refused", "ground": "Açık başvurular: KVKK m.5/2-ç"},
                },
                delivery="desk",
            ),
        )
    request.refresh_from_db()
    case = Case.objects.get(pk=request.case_id)
    assert case.status == Status.RESOLVED
    assert "Kişisel Verileri Koruma Kurulu" in case.resolution and "altmış gün" in case.resolution
    assert request.delivery == "desk" and request.warn_at is None
    assert not Message.objects.filter(case=case).exists()  # nothing queued (replies are made at once)
    with pytest.raises(requests.RequestError):
        requests.set_types(request, by=admin, types=["learn"])


def test_the_answer_goes_only_to_a_proven_contact_with_the_export_link(
    client, institution, ayse, admin, codes, django_capture_on_commit_callbacks
):
    typed = Citizen.objects.create(institution=institution, name="Ayşe", phone="+905559998877")
    request = _open(
        institution, typed, channel=Channel.EMAIL, opening_data={"contacts": {"sms": typed.phone}}
    )
    requests.send_phone_code(request, by=admin, tc_kimlik=AYSE_TC, client_ip="192.0.2.1")
    requests.prove_by_phone(request, by=admin, tc_kimlik=AYSE_TC, code=codes[0][1])
    requests.set_types(request, by=admin, types=["learn"])
    granted = requests.Answer(decisions={"learn": {"decision": "granted"}}, delivery="channel")
    with pytest.raises(requests.RequestError) as refused:  # the number given on the application is not hers
        requests.answer(request, by=admin, given=granted)
    assert refused.value.code == "unproven_contact"
    typed = Citizen.objects.create(institution=institution, name="Ayşe", phone=AYSE_PHONE)  # typed, unproven
    request = _open(institution, typed, channel=Channel.EMAIL, opening_data={"contacts": {"sms": AYSE_PHONE}})
    requests.send_phone_code(request, by=admin, tc_kimlik=AYSE_TC, client_ip="192.0.2.1")
    requests.prove_by_phone(request, by=admin, tc_kimlik=AYSE_TC, code=codes[-1][1])
    requests.set_types(request, by=admin, types=["learn"])
    with django_capture_on_commit_callbacks(execute=True):
        requests.answer(request, by=admin, given=granted, base_url="https://kentmasa.example")
    request.refresh_from_db()
    sent = Message.objects.get(case=request.case, direction=Message.Direction.OUT)
    assert sent.address == AYSE_PHONE
    link = reverse("privacy:request_export_public", args=[request.export_key])
    assert link in request.answer
    client.logout()
    assert client.get(link).content.startswith(b"%PDF")
    assert client.get(reverse("privacy:request_export_public", args=["x" * 40])).status_code == 404


def test_nothing_is_sent_to_a_kades_persons_contact(institution, ayse, operator, admin):
    _case_of(institution, ayse, "KADES", channel=Channel.KADES)
    request = _desk_check(_open(institution, ayse, channel=Channel.DESK), operator)
    requests.set_types(request, by=admin, types=["learn"])
    with pytest.raises(requests.RequestError) as refused:
        requests.answer(
            request,
            by=admin,
            given=requests.Answer(decisions={"learn": {"decision": "granted"}}, delivery="channel"),
        )
    assert refused.value.code == "kades"


# -- erasure ---------------------------------------------------------------------------------------------


def test_erasure_anonymises_closed_cases_and_keeps_open_ones_with_their_ground(
    institution, ayse, operator, admin
):
    from kentmasa.privacy import anonymise

    closed = _case_of(institution, ayse, "Ayşe Kaya'nın eski çukur başvurusu", closed=True)
    running = _case_of(institution, ayse, "Açık başvuru")
    request = _desk_check(_open(institution, ayse, channel=Channel.DESK), operator)
    plan = {line.case.pk: line for line in requests.erasure_plan(request)}
    assert not plan[closed.pk].keep and plan[running.pk].keep and plan[request.case_id].keep
    requests.set_types(request, by=admin, types=["erasure"])
    requests.erase(request, by=admin, ground="KVKK m.7 ve Yönetmelik m.12")
    assert anonymise.is_anonymised(closed.pk)
    assert not anonymise.is_anonymised(running.pk)
    assert Case.objects.get(pk=running.pk).citizen_id == ayse.pk
    event = Event.objects.get(case=request.case, action="kvkk_erasure")
    assert "m.5/2-ç" in event.note and "Yönetmelik m.12" in event.note
    request.refresh_from_db()
    assert request.erased_at is not None


def test_erasure_keeps_held_cases_with_their_reason_and_runs_only_when_asked(
    institution, ayse, operator, admin
):
    """A case under a legal hold, or merged into a case still open, is kept (kentmasa.privacy.retention.holds)
    with its reason; and nothing is erased unless the application asked for erasure (m.11/e)."""
    from django.utils import timezone

    from kentmasa.privacy import anonymise
    from kentmasa.privacy.models import CaseHold

    closed = _case_of(institution, ayse, "Kapanmış, tutulmayan", closed=True)
    held = _case_of(institution, ayse, "Savcılığın istediği", closed=True)
    CaseHold.objects.create(case=held, reason="Savcılık soruşturması 2026/12", created_at=timezone.now())
    open_case = _case_of(institution, None, "Açık ana başvuru")
    merged = _case_of(institution, ayse, "Birleştirilen başvuru")
    cases.merge(merged, actor=None, into=open_case)
    request = _desk_check(_open(institution, ayse, channel=Channel.DESK), operator)
    requests.set_types(request, by=admin, types=["learn"])
    with pytest.raises(requests.RequestError) as refused:
        requests.erase(request, by=admin, ground="")
    assert refused.value.code == "not_asked"
    assert not anonymise.is_anonymised(closed.pk)
    assert not Event.objects.filter(case=request.case, action="kvkk_erasure").exists()
    request.refresh_from_db()
    assert request.erased_at is None

    requests.set_types(request, by=admin, types=["erasure"])
    plan = {line.case.pk: line for line in requests.erasure_plan(request)}
    assert plan[held.pk].keep and "Savcılık soruşturması 2026/12" in plan[held.pk].reason
    assert plan[merged.pk].keep and plan[merged.pk].reason
    assert not plan[closed.pk].keep
    requests.erase(request, by=admin, ground="")
    assert anonymise.is_anonymised(closed.pk)
    assert not anonymise.is_anonymised(held.pk) and not anonymise.is_anonymised(merged.pk)
    assert Case.objects.get(pk=held.pk).citizen_id == ayse.pk
    note = Event.objects.get(case=request.case, action="kvkk_erasure").note
    assert "Savcılık soruşturması 2026/12" in note


# -- pages: scoping and hostile input --------------------------------------------------------------------


def test_only_the_institutions_officers_see_applications(
    client, institution, other_institution, ayse, admin, operator, make_user
):
    request = _open(institution, ayse)
    urls = [
        reverse("privacy:request", args=[request.pk]),
        reverse("privacy:request_export", args=[request.pk, "pdf"]),
    ]
    client.force_login(operator)
    assert client.get(reverse("privacy:requests")).status_code == 403
    for url in urls:
        assert client.get(url).status_code == 403
    assert (
        client.post(
            reverse("privacy:request_step", args=[request.pk, "types"]), {"types": ["learn"]}
        ).status_code
        == 403
    )
    outsider = make_user(User.Role.ADMINISTRATOR, "kayseri_admin", institution_=other_institution)
    client.force_login(outsider)
    listed = client.get(reverse("privacy:requests")).content.decode()
    assert 'id="dsr-none"' in listed and request.case.tracking_display not in listed
    for url in urls:
        assert client.get(url).status_code == 404
    assert (
        client.post(
            reverse("privacy:request_step", args=[request.pk, "types"]), {"types": ["learn"]}
        ).status_code
        == 404
    )
    client.force_login(admin)
    page = client.get(reverse("privacy:requests"))
    assert page.status_code == 200 and request.case.tracking_display in page.content.decode()
    assert client.get(urls[0]).status_code == 200
    case_page = client.get(reverse("cases:detail", args=[request.case.tracking_number])).content.decode()
    assert 'id="case-kvkk-link"' in case_page
    assert DataSubjectRequest.objects.get(pk=request.pk).types == []


def test_bad_input_is_a_clear_error_and_changes_nothing(client, institution, ayse, admin):
    request = _open(institution, ayse)
    client.force_login(admin)
    step = lambda name, data: client.post(reverse("privacy:request_step", args=[request.pk, name]), data)  # noqa: E731
    response = step("desk", {"document": "id_card", "tc_kimlik": "12345678901"})
    assert response.status_code == 400 and "TC" in response.content.decode()
    response = step("desk", {"document": "id_card", "tc_kimlik": AYSE_TC + "\x00"})
    assert response.status_code == 400
    response = step("types", {"types": ["learn\x00"]})
    assert response.status_code == 400
    response = step("types", {"types": ["nothing"]})
    assert response.status_code == 400
    response = step("link", {"citizen": "9" * 40, "reason": "x"})
    assert response.status_code == 400
    assert client.post(reverse("privacy:request_step", args=[request.pk, "nope"]), {}).status_code == 404
    assert client.get("/kvkk/basvurular/99999999999999999999999/").status_code == 404
    request.refresh_from_db()
    assert not request.proven and request.types == []


def test_a_stranger_on_the_public_form_with_her_tc_kimlik_no_gets_nothing_of_hers(
    client, institution, category, ayse, admin
):
    """The hijack of the hardening issue: someone types Ayşe's TC kimlik no and an address of his own on the
    public form's "KVKK başvurusu". The application is recorded and its clock runs, on a record of his own;
    nothing of Ayşe's can be exported, and the code that would prove it goes only to her verified phone."""
    from kentmasa.cases.tests.test_citizen_proof import apply

    case = apply(
        client,
        institution,
        category,
        kind=Kind.DATA_SUBJECT_REQUEST,
        name="Ayşe Kaya",
        tc_kimlik=AYSE_TC,
        email="not-ayse@example.com",
        subject="Verilerim",
    )
    request = DataSubjectRequest.objects.get(case=case)
    assert case.citizen_id != ayse.pk and not request.proven
    assert Case.objects.get(pk=case.pk).due_at == request.due_at
    assert requests.records(request) == []
    told = Event.objects.get(case=case, action="comment", data__kvkk="identity_needed")
    assert told.public and "nüfus cüzdanı" in told.note  # the tracking page says what to bring
    with pytest.raises(requests.RequestError):
        export.build(request, for_contact=True)
    client.force_login(admin)
    assert client.get(reverse("privacy:request_export", args=[request.pk, "pdf"])).status_code == 400
    assert 'id="nav-kvkk-requests"' in client.get(reverse("privacy:requests")).content.decode()


def test_the_applications_queue_pages_forward_and_back_by_deadline(client, institution, admin, monkeypatch):
    from django.utils import timezone

    from kentmasa.cases.tests.keyset_walk import assert_bad_cursors_show_the_first_page, walk
    from kentmasa.privacy import request_views

    monkeypatch.setattr(request_views, "PAGE_SIZE", 2)
    made = [_open(institution) for _ in range(5)]
    DataSubjectRequest.objects.filter(pk=made[3].pk).update(due_at=made[1].due_at)  # a tie: the key decides
    answered = timezone.now()
    DataSubjectRequest.objects.filter(pk__in=[made[0].pk, made[4].pk]).update(answered_at=answered)
    client.force_login(admin)
    url = "/kvkk/basvurular/"
    open_ones = DataSubjectRequest.objects.filter(answered_at__isnull=True).order_by("due_at", "pk")
    forward, backward = walk(client, url)
    assert forward == backward == list(open_ones.values_list("pk", flat=True))
    done = DataSubjectRequest.objects.filter(answered_at__isnull=False).order_by("-answered_at", "-pk")
    forward, backward = walk(client, url, {"durum": "cevaplanan"})
    assert forward == backward == list(done.values_list("pk", flat=True))
    assert_bad_cursors_show_the_first_page(client, url)
