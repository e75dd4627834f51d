"""The citizen forms tell what is required and what went wrong (WCAG 1.3.1, 3.3.1, 3.3.2): required fields are
marked, to the eye and to screen readers, with the marker explained; a refused form opens with a summary that
lists every error as a link to its field. (Moving the focus to the summary is tested in Chromium, in
test_browser_accessibility.py.)
"""

import re

import pytest
from django.urls import reverse

from kentmasa.cases.models import Kind

MARK = '<span class="required-mark" aria-hidden="true">*</span>'


@pytest.fixture(autouse=True)
def _generous_rate(settings):
    settings.KENTMASA_PUBLIC_RATE = "1000/d"


@pytest.fixture
def form_url(institution):
    return reverse("public:form", args=[institution.slug])


def label(page: str, field_id: str) -> str:
    match = re.search(rf'<label for="{field_id}">(.*?)</label>', page, re.S)
    assert match, f"no label for {field_id}"
    return match.group(1)


def tag(page: str, field_id: str) -> str:
    match = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{field_id}"[^>]*>', page)
    assert match, f"no field {field_id}"
    return match.group(0)


def summary_links(page: str) -> list[tuple[str, str]]:
    match = re.search(
        r'<div class="notice notice--error" id="form-errors" role="alert" tabindex="-1">(.*?)</div>',
        page,
        re.S,
    )
    assert match, "no error summary"
    return re.findall(r'<a href="#([^"]+)">(.*?)</a>', match.group(1), re.S)


def test_the_form_marks_its_required_fields_and_says_what_the_mark_means(client, category, form_url):
    page = client.get(form_url).content.decode()
    assert (
        '<p class="required-note" id="required-note">* ile işaretli alanların doldurulması zorunludur.</p>'
        in page
    )
    assert MARK in label(page, "id_kind")  # always has a value: HTML allows no `required` on such a list
    for field_id in ("id_category", "id_subject", "id_text", "id_kvkk"):
        assert MARK in label(page, field_id), field_id
        assert " required" in tag(page, field_id), field_id
    for field_id in (
        "id_photo",
        "id_province",
        "id_street",
        "id_name",
        "id_phone",
        "id_email",
        "id_tc_kimlik",
    ):
        assert MARK not in label(page, field_id), field_id
        assert " required" not in tag(page, field_id), field_id


def test_a_refused_application_lists_every_error_linked_to_its_field(client, category, form_url):
    response = client.post(
        form_url, {"kind": Kind.REQUEST, "subject": "Çukur", "email": "ayse@", "tc_kimlik": "12345678901"}
    )
    page = response.content.decode()
    errors = response.context["form"].errors
    links = summary_links(page)
    assert [target for target, _text in links] == [
        "id_category",
        "id_text",
        "id_email",
        "id_tc_kimlik",
        "id_kvkk",
    ]
    assert sum(len(messages) for messages in errors.values()) == len(links)
    # Each link names its field, then says what is wrong (a label's closing full stop is left out).
    assert links[0][1] == f"Konu: {errors['category'][0]}"
    assert (
        links[-1][1]
        == f"Kişisel verilerin korunmasına ilişkin aydınlatma metnini okudum: {errors['kvkk'][0]}"
    )
    for target, _text in links:
        assert 'aria-invalid="true"' in tag(page, target)


def test_a_lost_location_is_listed_and_linked_to_the_location_fields(client, category, form_url):
    response = client.post(form_url, {"kind": Kind.TIP_OFF, "latitude": "91", "longitude": "30"})
    links = summary_links(response.content.decode())
    assert ("location", "Konum okunamadı; lütfen yeniden deneyin veya adresi yazın.") in links


def test_a_refused_look_up_opens_with_a_summary(client, make_case):
    empty = client.post(reverse("public:track"), {"number": "", "code": ""}).content.decode()
    assert summary_links(empty) == [
        ("track-number", "Takip numarası: Bu alan zorunludur."),
        ("track-code", "Doğrulama kodu: Bu alan zorunludur."),
    ]
    case = make_case()
    wrong = f"{(int(case.verification_code) + 1) % 10**6:06d}"
    page = client.post(
        reverse("public:track"), {"number": case.tracking_number, "code": wrong}
    ).content.decode()
    summary = re.search(r'id="form-errors" role="alert" tabindex="-1">(.*?)</div>', page, re.S).group(1)
    assert 'id="track-error"' in summary
