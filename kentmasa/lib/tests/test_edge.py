"""The edge every input from outside passes: NUL removed or refused, outside times believed only when
plausible, texts and ids fitted to their columns; and the middleware that refuses NUL in paths and queries
on real pages, before any view (or PostgreSQL) sees it."""

import datetime as dt

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django.utils.datastructures import MultiValueDict

from kentmasa.directory.models import Institution
from kentmasa.lib import edge

NOW = dt.datetime(2026, 3, 18, 10, 0, tzinfo=dt.UTC)
NUL_TR = "Bu değer NUL karakteri içeremez."


# --- text ------------------------------------------------------------------------------------------------


def test_nul_is_removed_and_everything_else_kept():
    assert edge.clean_text("Atatürk\x00 Cad.\x00\x00 çukur") == "Atatürk Cad. çukur"
    assert edge.clean_text("İğdır\tŞişli\n") == "İğdır\tŞişli\n"


def test_nul_is_removed_from_every_string_of_a_payload_keys_included():
    payload = {"te\x00xt": "a\x00b", "list": ["c\x00", 7, None, {"d\x00": True}], "n": 2**63}
    assert edge.clean_tree(payload) == {"text": "ab", "list": ["c", 7, None, {"d": True}], "n": 2**63}


def test_a_text_is_cut_to_its_column_and_an_id_becomes_a_digest_that_keeps_two_ids_apart():
    assert edge.fit("Çiğdem Öztürk", 6) == "Çiğdem"
    assert edge.fit_id("tweet:1@2", 255) == "tweet:1@2"
    first, second = edge.fit_id("9" * 400 + "1", 255), edge.fit_id("9" * 400 + "2", 255)
    assert len(first) == len(second) == 255 and first != second
    assert first.startswith("9" * 190) and first == edge.fit_id("9" * 400 + "1", 255)


# --- outside times ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "believed"),
    [
        (dt.datetime(1, 1, 1, tzinfo=dt.UTC), False),
        (dt.datetime(1900, 1, 1, tzinfo=dt.UTC), False),
        (dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=dt.UTC), False),
        (dt.datetime(2000, 1, 1, tzinfo=dt.UTC), True),
        (NOW - dt.timedelta(days=3), True),
        (NOW + dt.timedelta(minutes=4), True),
        (NOW + dt.timedelta(minutes=6), False),
        (dt.datetime(2099, 1, 1, tzinfo=dt.UTC), False),
        (dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-12))), False),
        (dt.datetime(2026, 3, 18, 9, 0), False),  # noqa: DTZ001 - naive: whose clock?
    ],
)
def test_a_time_from_outside_is_believed_from_2000_to_five_minutes_ahead(moment, believed):
    assert edge.is_plausible(moment, now=NOW) is believed
    assert edge.plausible_time(moment, now=NOW) == (moment if believed else NOW)


def test_no_time_from_outside_means_our_receipt_time():
    assert edge.plausible_time(None, now=NOW) == NOW
    before = timezone.now()
    assert before <= edge.plausible_time(dt.datetime(1, 1, 1, tzinfo=dt.UTC)) <= timezone.now()


# --- forms -----------------------------------------------------------------------------------------------


class EveryKind(edge.EdgeForm, forms.Form):
    text = forms.CharField(required=False)
    email = forms.EmailField(required=False)
    choice = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], required=False)
    several = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False)
    number = forms.IntegerField(required=False)
    decimal = forms.DecimalField(required=False)
    real = forms.FloatField(required=False)
    day = forms.DateField(required=False)
    moment = forms.DateTimeField(required=False)
    ticked = forms.BooleanField(required=False)
    institution = forms.ModelChoiceField(
        queryset=Institution.objects.all(), to_field_name="slug", required=False
    )
    upload = forms.FileField(required=False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("text", "Atatürk\x00Cad."),
        ("email", "ayse\x00@example.com"),
        ("choice", "a\x00"),
        ("several", ["a", "b\x00"]),
        ("number", "12\x00"),
        ("decimal", "\x001.5"),
        ("real", "1.5\x00"),
        ("day", "2026-03-18\x00"),
        ("moment", "2026-03-18 10:00\x00"),
        ("ticked", "\x00"),  # Django alone would take it as ticked
        ("institution", "esenler\x00"),  # Django alone would send it to the database
    ],
)
def test_every_kind_of_field_refuses_nul_with_one_clear_error(institution, field, value):
    data = {field: value}
    form = EveryKind(data)
    assert not form.is_valid()
    assert form.errors == {field: [str(edge.NUL_MESSAGE)]}
    with translation.override("tr"):
        assert EveryKind(data).errors == {field: [NUL_TR]}


@pytest.mark.django_db
def test_a_file_whose_name_carries_nul_is_refused():
    upload = SimpleUploadedFile("dilek\x00ce.pdf", b"%PDF-1.4\n")
    form = EveryKind({}, MultiValueDict({"upload": [upload]}))
    assert form.errors == {"upload": [str(edge.NUL_MESSAGE)]}


@pytest.mark.django_db
def test_a_form_without_nul_is_cleaned_as_before(institution):
    form = EveryKind({"text": " Gül Sokak ", "choice": "b", "several": ["a"], "number": "2", "ticked": "on"})
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["text"], form.cleaned_data["number"], form.cleaned_data["ticked"]) == (
        "Gül Sokak",
        2,
        True,
    )
    again = EveryKind({"institution": "esenler"})
    assert again.is_valid() and again.cleaned_data["institution"] == institution


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["9223372036854775808", "-9223372036854775809", " 99999999999999999999 "])
def test_a_model_choice_past_what_a_database_key_holds_is_no_choice(institution, value):
    class Picks(edge.EdgeForm, forms.Form):
        one = forms.ModelChoiceField(queryset=Institution.objects.all(), required=False)
        several = forms.ModelMultipleChoiceField(queryset=Institution.objects.all(), required=False)

    form = Picks({"one": value, "several": [str(institution.pk), value]})
    assert {name: [e.code for e in errors] for name, errors in form.errors.as_data().items()} == {
        "one": ["invalid_choice"],
        "several": ["invalid_choice"],
    }
    assert form.errors["several"] == [f"Geçerli bir seçenek seçin. {value} mevcut seçeneklerden biri değil."]
    biggest = Picks({"one": str(2**63 - 1), "several": [str(institution.pk)]})  # fits: simply not found
    assert biggest.errors.as_data()["one"][0].code == "invalid_choice"
    fine = Picks({"several": [str(institution.pk)]})
    assert fine.is_valid() and fine.cleaned_data["several"].get() == institution


def test_a_field_a_subclass_puts_in_after_init_refuses_nul_too():
    class Later(EveryKind):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["desk"] = forms.ChoiceField(choices=[("desk", "Masa")])

    form = Later({"desk": "desk\x00"})
    institution = form.fields["institution"]
    assert isinstance(institution, forms.ModelChoiceField)
    institution.queryset = Institution.objects.none()
    assert form.errors == {"desk": [str(edge.NUL_MESSAGE)]}
    # Cleaning again puts the check in once more only where it is missing.
    checked = form.fields["desk"].clean
    form.full_clean()
    assert form.fields["desk"].clean is checked and form.errors == {"desk": [str(edge.NUL_MESSAGE)]}


# --- the middleware, on real pages -----------------------------------------------------------------------


@pytest.fixture
def ayse(client, operator):
    client.force_login(operator)
    return operator


@pytest.fixture
def hasan(client, road_manager):
    client.force_login(road_manager)
    return road_manager


def test_the_console_caller_look_up_refuses_nul_in_q(ayse, client):
    assert client.get("/konsol/arayan", {"q": "0532"}).status_code == 200
    response = client.get("/konsol/arayan?q=abc%00def")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == f"q: {NUL_TR}"


def test_the_queue_refuses_nul_in_q(hasan, client):
    assert client.get("/kuyruk/", {"q": "çukur"}).status_code == 200
    response = client.get("/kuyruk/?status=&q=%00")
    assert response.status_code == 400 and response.content.decode() == f"q: {NUL_TR}"


@pytest.mark.django_db
def test_the_public_tracking_page_refuses_nul_in_its_query_and_path(client):
    assert client.get("/basvuru/takip/", {"no": "26-0000012-8"}).status_code == 200
    response = client.get("/basvuru/takip/?no=26%000000128")
    assert response.status_code == 400 and response.content.decode() == f"no: {NUL_TR}"
    response = client.get("/basvuru/takip/26%000000128/")
    assert response.status_code == 400 and response.content.decode() == f"path: {NUL_TR}"


@pytest.mark.django_db
def test_the_api_is_answered_in_json_in_turkish_or_in_english_when_asked(client):
    response = client.get("/api/v1/cases?q=abc%00def")
    assert response.status_code == 400
    assert response.json() == {"detail": NUL_TR, "errors": {"q": [NUL_TR]}}
    response = client.get("/api/v1/cases?q=abc%00def", headers={"Accept-Language": "en"})
    english = "The value may not contain a NUL character."
    assert response.json() == {"detail": english, "errors": {"q": [english]}}


@pytest.mark.django_db
def test_a_query_without_nul_goes_through_untouched(client):
    response = client.get("/basvuru/takip/?no=%2500")  # a literal "%00" typed by somebody is text
    assert response.status_code == 200
