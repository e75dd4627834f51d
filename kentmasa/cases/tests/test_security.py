"""Guessing is stopped where it could pay: tracking codes per address and, slowed down, per number; staff
passwords per address and per name; and every page carries a Content-Security-Policy."""

import pytest
from django.test import Client
from django.urls import reverse

from kentmasa.cases.tracking import format_tracking_number, make_tracking_number
from kentmasa.cases.views import public
from kentmasa.conftest import PASSWORD
from kentmasa.lib import lockout, security


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


# --- tracking: wrong codes lock the address that makes them and only slow down the number


@pytest.fixture
def cache_clock(monkeypatch):
    """The database cache's clock, moved forward by the test (no sleeping); the cache rows expire by it."""
    import datetime as dt

    from django.core.cache.backends import db as db_cache
    from django.core.cache.backends.base import DEFAULT_TIMEOUT
    from django.utils import timezone

    # Frozen at the start of a (UTC) day, so the fixed hour and day windows line up with the test's hours.
    start = (timezone.now() + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    offset = {"seconds": 0}
    monkeypatch.setattr(db_cache, "tz_now", lambda: start + dt.timedelta(seconds=offset["seconds"]))

    def expiry(self, timeout=DEFAULT_TIMEOUT):  # BaseCache.get_backend_timeout on the frozen clock
        if timeout == DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        elif timeout == 0:
            timeout = -1
        return None if timeout is None else start.timestamp() + offset["seconds"] + timeout

    monkeypatch.setattr(db_cache.DatabaseCache, "get_backend_timeout", expiry)
    monkeypatch.setattr(lockout, "_now", lambda: start.timestamp() + offset["seconds"])

    def advance(seconds: int) -> None:
        offset["seconds"] += seconds

    return advance


def page_state(response) -> str:
    page = response.content.decode()
    for marker in ("track-locked", "track-slowed", "track-error"):
        if f'id="{marker}"' in page:
            return marker
    return "found" if response.status_code == 302 else "form"


def test_five_wrong_codes_lock_the_address_even_for_the_right_code(make_case):
    case, other = make_case(), make_case(subject="Başka bir başvuru")
    guesser = from_address("198.51.100.1")

    guesses = [look_up(guesser, case.tracking_number, wrong(case.verification_code)) for _ in range(5)]
    right = look_up(guesser, case.tracking_number, case.verification_code)

    assert [page_state(response) for response in guesses] == ["track-error"] * 4 + ["track-locked"]
    assert right.status_code == 429 and page_state(right) == "track-locked"
    assert "60 dakika" in right.content.decode() and int(right["Retry-After"]) == 3600
    assert case.subject not in right.content.decode()
    # The locked address gets nothing more, on any number...
    assert look_up(guesser, other.tracking_number, other.verification_code).status_code == 429
    # ...while the citizen, on their own connection, opens their case as usual.
    assert (
        look_up(from_address("203.0.113.50"), case.tracking_number, case.verification_code).status_code == 302
    )


def test_strangers_can_never_lock_the_citizen_out_of_their_case(make_case, cache_clock):
    case = make_case()
    # Forty wrong codes from forty addresses: more than enough to have locked the number before.
    for i in range(40):
        look_up(from_address(f"198.51.100.{i}"), case.tracking_number, wrong(case.verification_code))

    citizen = from_address("203.0.113.9")
    first_try = look_up(citizen, case.tracking_number, case.verification_code)
    assert page_state(first_try) == "track-slowed" and first_try.status_code == 429
    assert "saniyede bir" in first_try.content.decode() and first_try["Retry-After"] == "60"

    cache_clock(61)  # the citizen tries again a minute later, as the page asks
    assert look_up(citizen, case.tracking_number, case.verification_code).status_code == 302


def test_retrying_while_the_number_is_slowed_never_locks_the_citizens_connection(make_case, cache_clock):
    case = make_case()
    for i in range(40):
        look_up(from_address(f"198.51.100.{i}"), case.tracking_number, wrong(case.verification_code))
    citizen = from_address("203.0.113.9")
    retries = [page_state(look_up(citizen, case.tracking_number, case.verification_code)) for _ in range(10)]
    assert retries == ["track-slowed"] * 10
    cache_clock(61)
    assert look_up(citizen, case.tracking_number, case.verification_code).status_code == 302


def test_brute_force_on_one_number_is_infeasible_from_any_number_of_addresses(make_case, cache_clock):
    """The figures behind README "Tracking": guesses the code of one number gets checked, per hour and day.

    An attacker with a fresh address for every guess, guessing every 30 seconds for a day (2 880 tries).
    """
    case = make_case()
    checked_by_hour = []
    for hour in range(24):
        checked = 0
        for step in range(120):
            result = public.look_up(
                case.tracking_number, wrong(case.verification_code), f"10.{hour}.{step // 250}.{step % 250}"
            )
            checked += result.refused != "number"  # the code was compared (and was wrong)
            cache_clock(30)
        checked_by_hour.append(checked)

    per_day = sum(checked_by_hour)
    # 10 free an hour, then one a minute until 30 a day are spent, then one every ten minutes.
    assert 10 + 20 + 2 <= checked_by_hour[0] <= 10 + 21 + 3
    assert set(checked_by_hour[1:]) <= {5, 6}  # a turn lasts 600 s, the guesses come every 30 s
    assert per_day <= 34 + 23 * 6
    days_to_even_odds = (10**6 / 2) / per_day
    typical = sorted(checked_by_hour)[len(checked_by_hour) // 2]
    print(
        f"codes checked on one number: first hour {checked_by_hour[0]}, a typical hour {typical}, a day "
        f"{per_day}; per address 5 an hour; even odds of a hit after {days_to_even_odds:,.0f} days"
    )
    assert days_to_even_odds > 365 * 5


def test_per_address_guessing_is_bounded_to_five_an_hour(make_case, cache_clock):
    case = make_case()
    guesser = from_address("198.51.100.1")
    for _hour in range(3):
        states = [
            page_state(look_up(guesser, case.tracking_number, wrong(case.verification_code)))
            for _ in range(20)
        ]
        # Five codes compared (the fifth wrong one locks), then nothing for the rest of the hour.
        assert states == ["track-error"] * 4 + ["track-locked"] * 16
        cache_clock(3601)


def test_a_number_nobody_has_answers_exactly_like_a_real_one(make_case):
    case = make_case()
    unknown = make_tracking_number(2026, 9_999_999)

    real = [look_up(from_address("198.51.100.1"), case.tracking_number, "000000") for _ in range(6)]
    made_up = [
        look_up(from_address("198.51.100.2"), format_tracking_number(unknown), "000000") for _ in range(6)
    ]

    shape = [(response.status_code, page_state(response)) for response in real]
    assert shape == [(response.status_code, page_state(response)) for response in made_up]
    assert shape[-1] == (429, "track-locked")


def test_the_slow_down_counts_the_number_however_it_is_typed(make_case):
    case = make_case()
    spellings = [
        case.tracking_number,
        format_tracking_number(case.tracking_number),
        " ".join([case.tracking_number[:2], case.tracking_number[2:-1], case.tracking_number[-1]]),
    ]
    for i in range(10):
        look_up(from_address(f"198.51.100.{i}"), spellings[i % 3], wrong(case.verification_code))
    first = look_up(from_address("203.0.113.1"), spellings[1], wrong(case.verification_code))
    second = look_up(from_address("203.0.113.2"), spellings[2], case.verification_code)
    assert page_state(first) == "track-error"  # the first check of the minute
    assert page_state(second) == "track-slowed"


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
