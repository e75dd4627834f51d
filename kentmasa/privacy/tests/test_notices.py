"""Privacy notices (KVKK m.10): versioned per channel, shown where data is collected, recorded per case."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from kentmasa.cases.citizens import find_or_create_citizen
from kentmasa.cases.models import Case, Channel, Kind
from kentmasa.channels import desk
from kentmasa.channels.models import Message
from kentmasa.channels.receipts import receipt_pdf
from kentmasa.privacy.models import ChannelGroup, Notice, NoticeShown, PublishedNoticeError

pytestmark = pytest.mark.django_db
KVKK = "/basvuru/kvkk/"


def publish(institution, group, text, title="Aydınlatma Metni"):
    return Notice.objects.create(institution=institution, channel_group=group, title=title, text=text)


def shown(case):
    return NoticeShown.objects.select_related("notice").get(case=case)


def test_an_institution_without_a_notice_gets_the_builtin_text_as_version_1(client, institution, make_case):
    case = make_case(channel=Channel.PHONE)
    record = shown(case)
    assert (record.notice.channel_group, record.notice.version, record.from_form) == ("default", 1, False)
    assert "6698" in record.notice.text and institution.name in record.notice.text
    assert "m.11" in record.notice.text or "KVKK m.11" in record.notice.text
    page = client.get(KVKK, {"kurum": institution.slug}).content.decode()
    assert 'id="kvkk-version"' in page and institution.name in page


def test_a_new_version_applies_to_new_cases_and_old_cases_keep_theirs(client, institution, make_case):
    first = publish(institution, ChannelGroup.PHONE, "Birinci metin.")
    old_case = make_case(channel=Channel.PHONE)
    second = publish(institution, ChannelGroup.PHONE, "İkinci metin.")
    new_case = make_case(channel=Channel.PHONE)
    assert (first.version, second.version) == (1, 2)
    assert shown(old_case).notice == first and shown(new_case).notice == second
    assert shown(Case.objects.get(pk=old_case.pk)).notice.version == 1
    # The old version stays readable where the citizen can find it; the current one is the default page.
    old_page = client.get(KVKK, {"kurum": institution.slug, "kanal": "phone", "surum": "1"}).content.decode()
    assert "Birinci metin." in old_page and "İkinci metin." not in old_page
    current = client.get(KVKK, {"kurum": institution.slug, "kanal": "phone"}).content.decode()
    assert "İkinci metin." in current and "surum=1" in current  # the earlier version is listed
    assert client.get(KVKK, {"kurum": institution.slug, "kanal": "phone", "surum": "7"}).status_code == 404
    assert client.get(KVKK, {"kurum": institution.slug, "surum": "9" * 40}).status_code == 404


def test_a_published_notice_is_never_edited_or_deleted(institution):
    notice = publish(institution, ChannelGroup.SMS, "Metin.")
    notice.text = "Başka metin."
    with pytest.raises(PublishedNoticeError):
        notice.save()
    with pytest.raises(PublishedNoticeError):
        notice.delete()
    assert Notice.objects.get().text == "Metin."


def test_a_channel_without_its_own_notice_uses_the_default_groups(institution, make_case):
    default = publish(institution, ChannelGroup.DEFAULT, "Genel metin.")
    assert shown(make_case(channel=Channel.CIMER)).notice == default
    assert shown(make_case(channel=Channel.WHATSAPP)).notice == default


def test_a_kades_case_records_no_notice(institution, make_case):
    case = make_case(channel=Channel.KADES, kind=Kind.TIP_OFF)
    assert not NoticeShown.objects.filter(case=case).exists()


def application(category) -> dict:
    return {
        "kind": Kind.COMPLAINT,
        "category": category.pk,
        "subject": "Kaldırımda çukur",
        "text": "Menderes Mahallesi'nde okul önündeki kaldırımda büyük bir çukur var.",
        "province": "İstanbul",
        "district": "Esenler",
        "name": "Ayşe Kaya",
        "phone": "0532 123 45 67",
        "email": "",
        "tc_kimlik": "",
        "kvkk": "on",
        "website": "",
    }


@pytest.fixture
def public_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KENTMASA_PUBLIC_RATE = "1000/d"
    settings.LANGUAGE_CODE = "tr"


def test_the_form_links_its_notice_version_and_the_case_records_the_one_it_showed(
    public_settings, institution, category
):
    first = publish(institution, ChannelGroup.FORM, "Form metni 1.")
    client = Client()
    url = reverse("public:form", args=[institution.slug])
    page = client.get(url).content.decode()
    assert "kanal=form&amp;surum=1" in page and 'name="kvkk_surum" value="form-1"' in page
    # A new version is published while the citizen fills in the form: the case records what they were shown.
    publish(institution, ChannelGroup.FORM, "Form metni 2.")
    answer = client.post(url, {**application(category), "kvkk_surum": "form-1"})
    assert answer.status_code == 302
    record = shown(Case.objects.get())
    assert (record.notice, record.from_form) == (first, True)


def test_a_form_posted_without_or_with_a_bad_version_records_the_current_one(
    public_settings, institution, category
):
    publish(institution, ChannelGroup.FORM, "Form metni.")
    url = reverse("public:form", args=[institution.slug])
    for posted in ("", "form-99", "x\x00-1", "form-" + "9" * 30):
        assert Client().post(url, {**application(category), "kvkk_surum": posted}).status_code == 302
    records = NoticeShown.objects.select_related("notice")
    assert {(r.notice.version, r.from_form) for r in records} == {(1, False)}


def test_the_desk_receipt_carries_the_notice_link_and_version(institution, make_case):
    publish(institution, ChannelGroup.DESK, "Masa metni.")
    case = make_case(channel=Channel.DESK)
    receipt = desk.build_receipt(RequestFactory().get("/"), case)
    assert receipt.kvkk_version == "1" and "kanal=desk" in receipt.kvkk_url and "surum=1" in receipt.kvkk_url
    assert receipt_pdf(receipt).startswith(b"%PDF")


def test_the_first_sms_carries_a_short_link_to_the_notice(
    settings, institution, make_case, django_capture_on_commit_callbacks
):
    settings.KENTMASA_PUBLIC_URL = "https://basvuru.example"
    notice = publish(institution, ChannelGroup.SMS, "SMS metni.")
    citizen = find_or_create_citizen(institution, name="Ayşe Kaya", phone="+905321234567")
    with django_capture_on_commit_callbacks(execute=True):
        make_case(channel=Channel.SMS, citizen=citizen)
    message = Message.objects.get(direction="out", template="open")
    assert f"KVKK: https://basvuru.example/kvkk/a/{notice.pk}/" in message.body
    answer = Client().get(f"/kvkk/a/{notice.pk}/")
    assert answer.status_code == 302 and "kanal=sms" in answer["Location"] and "surum=1" in answer["Location"]
    assert Client().get("/kvkk/a/999999/").status_code == 404


def test_the_case_page_shows_the_version_given(operator, institution, make_case):
    publish(institution, ChannelGroup.PHONE, "Telefon metni.")
    case = make_case(channel=Channel.PHONE)
    client = Client()
    client.force_login(operator)
    page = client.get(f"/vaka/{case.tracking_number}/").content.decode()
    assert 'id="case-notice"' in page and "surum=1" in page
