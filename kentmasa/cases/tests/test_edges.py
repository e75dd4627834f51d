"""Every field of the citizen pages and the staff screens is bounded and refuses NUL with a clear Turkish
error, and no value the issue's fuzzers sent gives a 500 or writes half a case.

Ayşe applies on /basvuru/ with a 308-character e-mail address (too long for any mailbox: Citizen.email holds
254); Mehmet the operator dictates a 216,000-character description at the console; a fuzzer posts NUL,
year 0001 and 2^63 into every field of every form.
"""

from typing import Any

import pytest
from django.urls import reverse

from kentmasa.cases.action_forms import TRANSITION_FORMS
from kentmasa.cases.forms import STAFF_TEXT_MAX, NewCaseForm
from kentmasa.cases.models import Attachment, Case, Citizen, Event, Kind
from kentmasa.cases.public_forms import CaseForm, TrackForm
from kentmasa.lib.tests import fuzz

NUL_TR = "Bu değer NUL karakteri içeremez."
FUZZ, FUZZ_IDS = list(fuzz.TEXTS.values()), list(fuzz.TEXTS)


def max_length(field: Any) -> int | None:
    """A form field's max_length (text fields have one; a plain Field, as `fields` types them, does not)."""
    return field.max_length


def too_long(limit: int, length: int) -> str:
    return f"Bu değerin en fazla {limit} karaktere sahip olduğuna emin olun (şu an {length})."


def written() -> tuple[int, int, int]:
    return Case.objects.count(), Citizen.objects.count(), Attachment.objects.count()


@pytest.fixture(autouse=True)
def edge_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KENTMASA_PUBLIC_RATE = "100000/d"
    settings.LANGUAGE_CODE = "tr"


# --- the public form ------------------------------------------------------------------------------------


def application(chosen, **overrides) -> dict:
    return {
        "kind": Kind.COMPLAINT,
        "category": str(chosen.pk),
        "subject": "Kaldırımda çukur",
        "text": "Menderes Mahallesi'nde okul önündeki kaldırımda büyük bir çukur var.",
        "province": "İstanbul",
        "district": "Esenler",
        "neighbourhood": "Menderes",
        "street": "Atışalanı Caddesi",
        "building_no": "12",
        "name": "Ayşe Kaya",
        "phone": "0532 123 45 67",
        "kvkk": "on",
        **overrides,
    }


@pytest.fixture
def form_url(institution):
    return reverse("public:form", args=[institution.slug])


def test_an_e_mail_longer_than_254_characters_is_a_form_error_not_a_500(client, category, form_url):
    response = client.post(form_url, application(category, phone="", email=fuzz.LONG_EMAIL))
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [too_long(254, 308)]
    assert written() == (0, 0, 0)


def test_a_254_character_e_mail_is_accepted_as_it_is(client, category, form_url):
    email = "a" * 60 + "@" + ".".join(["b" * 60] * 3) + "." + "c" * 6 + ".com"
    assert len(email) == 254
    assert client.post(form_url, application(category, phone="", email=email)).status_code == 302
    assert Case.objects.get().citizen.email == email


def test_nul_in_any_field_of_the_public_form_is_a_clear_error(client, category, form_url):
    response = client.post(
        form_url, application(category, subject="Kaldırım\x00", kind="complaint\x00", kvkk="\x00")
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"subject": [NUL_TR], "kind": [NUL_TR], "kvkk": [NUL_TR]}
    assert NUL_TR in response.content.decode()
    assert written() == (0, 0, 0)


def test_every_field_of_the_public_form_is_bounded_by_its_column(institution):
    from kentmasa.cases.models import Case as CaseModel
    from kentmasa.cases.models import Citizen as CitizenModel

    columns = {
        "subject": CaseModel,
        "province": CaseModel,
        "district": CaseModel,
        "neighbourhood": CaseModel,
        "street": CaseModel,
        "building_no": CaseModel,
        "name": CitizenModel,
        "email": CitizenModel,
    }
    fields = CaseForm(institution=institution).fields
    for name, model in columns.items():
        assert max_length(fields[name]) == model._meta.get_field(name).max_length, name
    assert max_length(fields["text"]) == 5000  # Case.description is a TextField


@pytest.mark.parametrize("value", FUZZ, ids=FUZZ_IDS)
def test_fuzzed_public_form_fields_never_give_500_and_a_refusal_writes_nothing(
    client, institution, category, form_url, value
):
    assert client.post(form_url, application(category)).status_code == 302  # the form works as given
    Case.objects.all().delete()
    Citizen.objects.all().delete()
    for field in CaseForm(institution=institution).fields:
        response = client.post(form_url, application(category, **{field: value}))
        assert response.status_code < 500, field
        if response.status_code != 302:
            assert written() == (0, 0, 0), field
        Case.objects.all().delete()
        Citizen.objects.all().delete()


@pytest.mark.parametrize("value", FUZZ, ids=FUZZ_IDS)
def test_fuzzed_tracking_fields_never_give_500(client, db, value):
    for field in TrackForm().fields:
        data = {"number": "26-0000012-8", "code": "123456", field: value}
        response = client.post(reverse("public:track"), data)
        assert response.status_code in (200, 429), field
    response = client.post(reverse("public:track"), {"number": "26-0000012-8\x00", "code": "1\x002"})
    if response.status_code == 200:
        assert response.context["form"].errors == {"number": [NUL_TR], "code": [NUL_TR]}


# --- the console ----------------------------------------------------------------------------------------


@pytest.fixture
def mehmet(operator, client):
    client.force_login(operator)
    return operator


def console_data(chosen, **overrides) -> dict:
    return {
        "citizen_name": "Mehmet Kaya",
        "citizen_phone": "0532 123 45 67",
        "category": str(chosen.pk),
        "category_search": chosen.name,
        "kind": "complaint",
        "channel": "phone",
        "subject": "Sokakta çukur var",
        "description": "Okul önünde derin bir çukur.",
        "province": "İstanbul",
        "district": "Esenler",
        "priority": "2",
        **overrides,
    }


def test_the_console_description_is_bounded_at_10000_characters(mehmet, client, category):
    response = client.post("/konsol/", console_data(category, description="ş" * 216_000))
    assert response.context["form"].errors == {"description": [too_long(STAFF_TEXT_MAX, 216_000)]}
    assert written() == (0, 0, 0)
    assert client.post("/konsol/", console_data(category, description="ş" * 10_000)).status_code == 302
    assert len(Case.objects.get().description) == 10_000


def test_the_console_e_mail_is_bounded_by_its_column(mehmet, client, category):
    response = client.post("/konsol/", console_data(category, citizen_email=fuzz.LONG_EMAIL))
    assert response.context["form"].errors == {"citizen_email": [too_long(254, 308)]}
    assert written() == (0, 0, 0)


def test_every_console_field_that_lands_in_a_column_is_bounded_by_it(mehmet):
    fields = NewCaseForm(user=mehmet).fields
    for name in ("subject", "province", "district", "neighbourhood", "street", "building_no", "address_text"):
        assert max_length(fields[name]) == Case._meta.get_field(name).max_length, name
    assert max_length(fields["citizen_name"]) == Citizen._meta.get_field("name").max_length
    assert max_length(fields["citizen_email"]) == Citizen._meta.get_field("email").max_length
    assert max_length(fields["description"]) == max_length(fields["resolution"]) == STAFF_TEXT_MAX


@pytest.mark.parametrize("value", FUZZ, ids=FUZZ_IDS)
def test_fuzzed_console_fields_never_give_500_and_a_refusal_writes_nothing(mehmet, client, category, value):
    for field in NewCaseForm(user=mehmet).fields:
        response = client.post("/konsol/", console_data(category, **{field: value}))
        assert response.status_code < 500, field
        if response.status_code != 302:
            assert written() == (0, 0, 0), field
        Case.objects.all().delete()
        Citizen.objects.all().delete()


# --- the case page and the queue ------------------------------------------------------------------------


@pytest.fixture
def hasan(road_manager, client):
    client.force_login(road_manager)
    return road_manager


def test_a_comment_is_bounded_and_refuses_nul(hasan, client, make_case):
    case = make_case()
    url = reverse("cases:comment", args=[case.tracking_number])
    events = Event.objects.count()
    response = client.post(url, {"comment-note": "ş" * (STAFF_TEXT_MAX + 1)})
    assert response.status_code == 400
    assert response.context["comment_form"].errors == {"note": [too_long(STAFF_TEXT_MAX, STAFF_TEXT_MAX + 1)]}
    response = client.post(url, {"comment-note": "Ekip\x00 yönlendirildi", "comment-public": "\x00"})
    assert response.context["comment_form"].errors == {"note": [NUL_TR], "public": [NUL_TR]}
    assert Event.objects.count() == events


def test_every_note_of_the_case_page_is_bounded(hasan, make_case):
    case = make_case()
    for name, form_class in TRANSITION_FORMS.items():
        form = form_class(case=case, user=hasan)
        for field_name, field in form.fields.items():
            if field.widget.__class__.__name__ == "Textarea":
                assert max_length(field) == STAFF_TEXT_MAX, (name, field_name)


@pytest.mark.parametrize("value", FUZZ, ids=FUZZ_IDS)
def test_fuzzed_case_page_forms_never_give_500_and_a_refusal_changes_nothing(hasan, client, make_case, value):
    case = make_case()
    for name, form_class in TRANSITION_FORMS.items():
        for field in form_class(case=case, user=hasan).fields:
            url = reverse("cases:transition", args=[case.tracking_number, name])
            events = Event.objects.count()
            response = client.post(url, {f"{name}-{field}": value})
            assert response.status_code < 500, (name, field)
            if response.status_code == 400:
                assert Event.objects.count() == events, (name, field)
    response = client.post(reverse("cases:comment", args=[case.tracking_number]), {"comment-note": value})
    assert response.status_code < 500


@pytest.mark.parametrize("value", FUZZ, ids=FUZZ_IDS)
def test_fuzzed_queue_filters_and_bulk_assignment_never_give_500(hasan, client, make_case, value):
    case = make_case()
    for field in ("q", "status", "unit", "category", "overdue", "page", "after", "before"):
        if "\x00" in value:
            continue  # refused by the middleware before the view (lib/tests/test_edge.py)
        assert client.get("/kuyruk/", {field: value}).status_code == 200, field
    for field in ("cases", "assignee", "team"):
        data = {"cases": [str(case.pk)], "assignee": str(hasan.pk), field: value}
        assert client.post("/kuyruk/toplu-atama/", data).status_code == 302, field
