"""Open311 at its edges: third-party apps send dates of year 1 and 9999, codes of forty digits, NUL
characters and overlong fields. Each is answered in the spec's error format naming the parameter, never 500;
a NUL in the reporter's own words is removed and the report recorded.
"""

import datetime as dt

import pytest

from kentmasa.cases.models import Case, Channel, Citizen
from kentmasa.channels.models import Message
from kentmasa.channels.open311.tests.test_open311 import (
    API_KEY,
    W3C,
    as_json,
    assert_errors,
    ayse_report,
    post_form,
)

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
FORTY_NINES = "9" * 40


@pytest.fixture(autouse=True)
def open311_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KENTMASA_OPEN311 = {
        "jurisdictions": {"esenler.bel.tr": "esenler"},
        "default_jurisdiction": "esenler.bel.tr",
        "api_keys": {API_KEY: "Kent Cebimde"},
        "rate": "1000/d",
    }
    settings.LANGUAGE_CODE = "tr"


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("start_date=0001-01-01T00:00:00", "start_date"),
        ("start_date=9999-12-31T23:00:00-12:00", "start_date"),
        ("end_date=9999-12-31", "end_date"),
        ("end_date=0001-01-01T00:00:00%2B14:00", "end_date"),
        ("start_date=1999-12-31T23:59:59Z", "start_date"),
        (f"service_code={FORTY_NINES}", "service_code"),
        ("service_code=%C2%B2", "service_code"),  # "²" is a digit to str.isdigit, not to int()
        ("service_code=12,%D9%A3", "service_code"),  # an Arabic-Indic three
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_search_at_the_extremes_is_refused_naming_the_parameter(client, category, query, word, fmt):
    descriptions = assert_errors(client.get(f"{BASE}/requests.{fmt}?{query}"), 400, fmt)

    assert word in descriptions[0]


def test_the_window_of_dates_is_said_in_turkish(client, category):
    descriptions = assert_errors(client.get(f"{BASE}/requests.json?start_date=0001-01-01T00:00:00"), 400)

    assert descriptions == ["start_date 2000-01-01 ile 2099-12-31 arasında olmalıdır."]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_nul_in_the_query_string_is_answered_in_the_spec_format(client, category, fmt):
    descriptions = assert_errors(client.get(f"{BASE}/requests.{fmt}?start_date=2026%00-01-01"), 400, fmt)

    assert descriptions == ["start_date: Bu değer NUL karakteri içeremez."]


def test_a_service_code_of_forty_digits_is_an_unknown_service(client, category):
    assert "service_code" in assert_errors(client.get(f"{BASE}/services/{FORTY_NINES}.json"), 404)[0]
    response = post_form(client, ayse_report(category, service_code=FORTY_NINES))

    assert "service_code" in assert_errors(response, 404)[0]
    assert not Case.objects.exists()


def test_nul_in_the_reporters_words_is_removed_and_the_report_recorded(client, category):
    form = ayse_report(
        category,
        description="Evimin önünde\x00 derin bir çukur var.",
        address_string="Atışalanı Cd.\x00 No 12",
        first_name="Ay\x00şe",
        **{"attribute[depth]": "40\x00 cm"},
    )

    response = post_form(client, form)

    assert response.status_code == 200, response.content
    case = Case.objects.get()
    assert case.description.startswith("Evimin önünde derin bir çukur var.")
    assert "depth: 40 cm" in case.description
    assert case.address_text == "Atışalanı Cd. No 12"
    assert case.citizen.name == "Ayşe Kaya"
    message = Message.objects.get()
    assert message.body == "Evimin önünde derin bir çukur var." and message.data["attributes"] == {
        "depth": "40 cm"
    }


@pytest.mark.parametrize("name", ["email", "jurisdiction_id", "service_code", "device_id", "api_key"])
def test_nul_in_a_code_or_contact_detail_is_refused(client, category, name):
    form = ayse_report(category)
    form[name] = form[name][:3] + "\x00" + form[name][3:]

    descriptions = assert_errors(post_form(client, form), 400)

    assert descriptions == [f"{name}: Bu değer NUL karakteri içeremez."]
    assert not Case.objects.exists() and not Message.objects.exists() and not Citizen.objects.exists()


@pytest.mark.parametrize(
    ("name", "value", "limit"),
    [
        ("email", "a" * 243 + "@example.com", 254),
        ("first_name", "A" * 101, 100),
        ("last_name", "K" * 100, 99),
        ("device_id", "d" * 201, 200),
        ("account_id", "a" * 201, 200),
        ("address_id", "i" * 101, 100),
        ("media_url", "https://foto.example.com/" + "p" * 976, 1000),
        ("attribute[depth]", "ç" * 1001, 1000),
    ],
)
def test_overlong_fields_are_refused_naming_them(client, category, name, value, limit):
    descriptions = assert_errors(post_form(client, ayse_report(category, **{name: value})), 400)

    assert descriptions == [f"{name} en fazla {limit} karakter olabilir."]
    assert not Case.objects.exists() and not Citizen.objects.exists()


def test_the_longest_accepted_fields_are_recorded(client, category):
    form = ayse_report(category, email="a" * 242 + "@example.com", first_name="A" * 100, last_name="K" * 99)

    response = post_form(client, form)

    assert response.status_code == 200, response.content
    citizen = Case.objects.get().citizen
    assert len(citizen.email) == 254 and citizen.name == "A" * 100 + " " + "K" * 99


def test_times_before_standard_time_are_given_with_a_whole_minute_offset(client, make_case):
    """Istanbul kept local mean time (+01:55:52) until 1910: the spec's W3C format cannot carry seconds."""
    old = make_case(channel=Channel.OPEN311, received_at=dt.datetime(1900, 6, 1, 12, 0, tzinfo=dt.UTC))

    [shown] = as_json(client.get(f"{BASE}/requests/{old.tracking_number}.json"))

    assert shown["requested_datetime"] == "1900-06-01T12:00:00+00:00"
    assert W3C.match(shown["updated_datetime"])


@pytest.mark.parametrize(
    ("lat", "long"), [("nan", "28.87"), ("41.04", "inf"), ("1e400", "28.87"), ("41", "-1e-400x")]
)
def test_coordinates_that_are_no_numbers_are_refused(client, category, lat, long):
    descriptions = assert_errors(post_form(client, ayse_report(category, lat=lat, long=long)), 400)

    assert "lat" in descriptions[0] and "long" in descriptions[0]
    assert not Case.objects.exists()


def test_coordinates_with_many_decimals_are_kept_to_the_micro_degree(client, category):
    response = post_form(client, ayse_report(category, lat="41.04381234567891", long="28.87573149999999"))

    assert response.status_code == 200, response.content
    case = Case.objects.get()
    assert (str(case.latitude), str(case.longitude)) == ("41.043812", "28.875731")
