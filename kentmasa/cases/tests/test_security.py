"""Guessing is stopped where it could pay: tracking codes per number, staff passwords per address and per
name; and every page carries a Content-Security-Policy."""

import pytest
from django.test import Client
from django.urls import reverse

from kentmasa.cases.tracking import format_tracking_number, make_tracking_number
from kentmasa.conftest import PASSWORD
from kentmasa.lib import security


@pytest.fixture(autouse=True)
def generous_per_address_limits(settings):
    # These tests are about the per-number and per-name limits; the per-address ones stay out of the way
    # unless a test lowers them. The database cache lives in each test's transaction.
    settings.KENTMASA_PUBLIC_RATE = "1000/d"
    settings.KENTMASA_LOGIN_RATE_PER_IP = "1000/d"
    # Hour windows, not the production minute ones: a minute boundary falling inside a test would reset
    # the count half-way and make it flaky.
    settings.KENTMASA_LOGIN_RATE_PER_USERNAME = "5/h"
    settings.LANGUAGE_CODE = "tr"


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def look_up(client: Client, number: str, code: str):
    return client.post(reverse("public:track"), {"number": number, "code": code})


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


# --- tracking: failures counted per tracking number


def test_five_wrong_codes_lock_the_number_even_for_the_right_code(make_case):
    case, other = make_case(), make_case(subject="Başka bir başvuru")

    # Spread over five addresses, so the per-address limit never sees more than one.
    guesses = [
        look_up(from_address(f"198.51.100.{i}"), case.tracking_number, wrong(case.verification_code))
        for i in range(5)
    ]
    right = look_up(from_address("203.0.113.50"), case.tracking_number, case.verification_code)

    assert [response.status_code for response in guesses[:4]] == [200] * 4
    assert right.status_code == 429 and 'id="track-locked"' in right.content.decode()
    assert "60 dakika boyunca sorgulanamaz" in right.content.decode()
    assert int(right["Retry-After"]) == 3600
    assert case.subject not in right.content.decode()
    # The same person looking up another number is not affected.
    other_client = from_address("203.0.113.50")
    assert look_up(other_client, other.tracking_number, other.verification_code).status_code == 302


def test_a_number_nobody_has_locks_exactly_like_a_real_one(make_case):
    case = make_case()
    unknown = make_tracking_number(2026, 9_999_999)
    client = from_address("198.51.100.1")

    real = [look_up(client, case.tracking_number, "000000") for _ in range(6)]
    made_up = [look_up(client, format_tracking_number(unknown), "000000") for _ in range(6)]

    def shape(response):
        page = response.content.decode()
        return response.status_code, 'id="track-error"' in page, 'id="track-locked"' in page

    assert [shape(response) for response in real] == [shape(response) for response in made_up]
    assert shape(real[-1]) == (429, False, True)


def test_a_successful_look_up_does_not_reset_the_count(make_case):
    case = make_case()
    attacker, citizen = from_address("198.51.100.1"), from_address("203.0.113.9")

    for _ in range(4):
        look_up(attacker, case.tracking_number, wrong(case.verification_code))
    assert look_up(citizen, case.tracking_number, case.verification_code).status_code == 302
    fifth = look_up(attacker, case.tracking_number, wrong(case.verification_code))

    assert fifth.status_code == 429
    assert look_up(citizen, case.tracking_number, case.verification_code).status_code == 429


def test_the_lock_counts_the_number_however_it_is_typed(make_case):
    case = make_case()
    client = from_address("198.51.100.1")
    spellings = [
        case.tracking_number,
        format_tracking_number(case.tracking_number),
        " ".join([case.tracking_number[:2], case.tracking_number[2:-1], case.tracking_number[-1]]),
    ]
    for i in range(5):
        look_up(client, spellings[i % 3], wrong(case.verification_code))
    assert look_up(client, case.tracking_number, case.verification_code).status_code == 429


# --- staff log-in


def log_in(client: Client, username: str, password: str, path: str = "/giris/"):
    return client.post(path, {"username": username, "password": password})


def test_the_sixth_attempt_on_one_name_is_refused_even_with_the_right_password(operator, road_staff):
    wrong_tries = [
        log_in(from_address(f"198.51.100.{i}"), "operator", "yanlış-parola").status_code for i in range(5)
    ]
    sixth = log_in(from_address("203.0.113.1"), "operator", PASSWORD)

    assert wrong_tries == [200] * 5  # the form again, with its error
    assert sixth.status_code == 429 and 'id="login-rate-limited"' in sixth.content.decode()
    assert "Çok fazla giriş denemesi" in sixth.content.decode() and sixth["Retry-After"] == "3600"
    assert "_auth_user_id" not in sixth.wsgi_request.session
    # Another member of staff, from the same address, logs in as usual.
    other = log_in(from_address("203.0.113.1"), "road_staff", PASSWORD)
    assert other.status_code == 302


def test_the_name_is_counted_whatever_its_case(operator):
    for i, spelling in enumerate(["OPERATOR", "Operator", "operatör", "operator ", "OpErAtOr"]):
        log_in(from_address(f"198.51.100.{i}"), spelling, "yanlış-parola")
    assert log_in(from_address("203.0.113.1"), "operator", PASSWORD).status_code == 429


def test_one_address_trying_many_names_is_stopped(settings, operator):
    settings.KENTMASA_LOGIN_RATE_PER_IP = "10/h"
    client = from_address("198.51.100.1")
    tries = [log_in(client, f"kullanici{i}", "yanlış-parola").status_code for i in range(10)]
    eleventh = log_in(client, "operator", PASSWORD)

    assert tries == [200] * 10
    assert eleventh.status_code == 429
    assert log_in(from_address("203.0.113.1"), "operator", PASSWORD).status_code == 302


def test_the_admin_log_in_is_limited_too(operator):
    for i in range(5):
        log_in(from_address(f"198.51.100.{i}"), "operator", "yanlış-parola", path="/admin/login/")
    assert log_in(from_address("203.0.113.1"), "operator", PASSWORD, path="/admin/login/").status_code == 429
    assert log_in(from_address("203.0.113.1"), "operator", PASSWORD).status_code == 429


def test_looking_at_the_log_in_page_is_not_counted(client, operator):
    for _ in range(10):
        assert client.get("/giris/").status_code == 200
    assert log_in(client, "operator", PASSWORD).status_code == 302


# --- behind proxies: the limits count the client, not the load balancer


def test_behind_a_proxy_clients_are_limited_by_their_own_address(settings, make_case):
    settings.KENTMASA_TRUSTED_PROXIES = 1
    settings.KENTMASA_PUBLIC_RATE = "2/h"
    case = make_case()

    def through_balancer(client_address: str, claimed: str = "") -> Client:
        forwarded = f"{claimed}, {client_address}" if claimed else client_address
        return Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    first = through_balancer("198.51.100.1")
    assert [look_up(first, "x", "1").status_code for _ in range(2)] == [200, 200]
    # A new made-up leftmost entry does not give the same client a fresh count...
    assert look_up(through_balancer("198.51.100.1", claimed="192.0.2.77"), "x", "1").status_code == 429
    # ...and another citizen behind the same balancer is not limited for the first one's tries.
    second = through_balancer("198.51.100.2")
    assert look_up(second, case.tracking_number, case.verification_code).status_code == 302


# --- Content-Security-Policy


def test_staff_and_public_pages_carry_the_policy(client, operator):
    public = client.get(reverse("public:track"))
    login_page = client.get("/giris/")
    client.force_login(operator)
    console = client.get(reverse("cases:console"))

    for response in (public, login_page, console):
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "object-src 'none'" in policy
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
        assert "unsafe-eval" not in policy and "script-src 'self' 'unsafe-inline'" not in policy


def test_map_tiles_host_is_allowed_for_images(client, settings):
    settings.KENTMASA_MAP_TILES = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
    policy = client.get(reverse("public:track"))["Content-Security-Policy"]
    assert "img-src 'self' data: https://*.tile.openstreetmap.org;" in policy


@pytest.mark.parametrize(
    ("template", "source"),
    [
        ("", ""),
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org:8443/{z}/{x}/{y}.png", "https://*.tile.example.org:8443"),
        ("https://tiles.example.org/{z}/{x}/{y}{r}.png?key=abc", "https://tiles.example.org"),
        ("/tiles/{z}/{x}/{y}.png", ""),  # same origin: 'self' covers it
        ("javascript:alert(1)", ""),
    ],
)
def test_tile_source(template, source):
    assert security.tile_source(template) == source
