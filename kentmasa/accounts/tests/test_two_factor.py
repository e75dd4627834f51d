"""Two-factor sign-in end to end through the real views, on the real database and cache."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.core import checks
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kentmasa.accounts import checks as account_checks
from kentmasa.accounts import tasks
from kentmasa.accounts.models import SignInEvent, TwoFactorPolicy
from kentmasa.accounts.tests.helpers import (
    code_for_key,
    code_for_secret,
    code_step,
    enrol,
    from_address,
    password_step,
    signed_in_with_code,
)
from kentmasa.directory.models import User
from kentmasa.notify.models import Delivery, Notification

K = SignInEvent.Kind


@pytest.fixture(autouse=True)
def _required(settings):
    settings.KENTMASA_2FA_REQUIRED = True


@pytest.fixture
def administrator(make_user):
    user = make_user(User.Role.ADMINISTRATOR, "yonetici")
    user.email = "yonetici@example.org"
    user.save()
    return user


@pytest.fixture
def superuser(make_user):
    user = make_user(User.Role.ADMINISTRATOR, "kok")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def police_operator(make_user):
    user = make_user(User.Role.POLICE_OPERATOR, "polis")
    user.email = "polis@example.org"
    user.save()
    return user


def kinds(user) -> list[str]:
    return list(SignInEvent.objects.filter(user=user).order_by("pk").values_list("kind", flat=True))


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- enrolment --------------------------------------------------------------------------------------------


def test_an_administrator_is_sent_to_enrolment_and_confirms_with_a_code_from_the_device_key(administrator):
    client = from_address("198.51.100.7")
    response = password_step(client, "yonetici")
    assert response.status_code == 302
    assert client.get("/")["Location"] == "/hesap/iki-adim/"

    page = client.get("/hesap/iki-adim/").content.decode()
    assert "<svg" in page and 'id="enrol-qr"' in page
    secret = re.search(r'id="enrol-secret">([A-Z2-7 ]+)<', page).group(1)
    device = TOTPDevice.objects.get(user=administrator)
    assert not device.confirmed
    assert code_for_secret(secret) == code_for_key(device.bin_key)  # the key shown is the device's

    right = code_for_secret(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    refused = client.post("/hesap/iki-adim/", {"code": wrong})
    assert (refused.status_code == 200 and "The code is not right" in refused.content.decode("utf-8")) or (
        "Kod doğru değil" in refused.content.decode()
    )
    device.refresh_from_db()
    assert not device.confirmed

    confirmed = client.post("/hesap/iki-adim/", {"code": right})
    assert confirmed["Location"] == "/hesap/iki-adim/kodlar/"
    codes_page = client.get(confirmed["Location"]).content.decode()
    shown = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page)
    assert len(shown) == 10
    assert sorted(shown) == sorted(
        StaticToken.objects.filter(device__user=administrator).values_list("token", flat=True)
    )
    assert client.get("/hesap/iki-adim/kodlar/")["Location"] == "/hesap/"  # shown once
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/")["Location"] != "/hesap/iki-adim/"
    assert client.get("/hesap/").status_code == 200
    assert kinds(administrator) == [K.SUCCESS, K.ENROLLED]


def test_required_roles_reach_no_page_before_enrolling(institution, police_operator, operator):
    TwoFactorPolicy.objects.create(institution=institution, roles=[User.Role.POLICE_OPERATOR])
    client = from_address("198.51.100.8")
    password_step(client, "polis")
    for path in (
        "/",
        "/konsol/",
        "/kuyruk/",
        "/bildirimler/",
        "/raporlar/",
        "/admin/",
        "/saha/",
        "/ekip/",
        "/haber-merkezi/",
        "/hesap/",
    ):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/hesap/iki-adim/", path
    api = client.get("/api/v1/cases", HTTP_ACCEPT="application/json")
    assert api.status_code == 403 and api.json()["code"] == "two_factor"
    posted = client.post("/bildirimler/okundu/")
    assert posted.status_code == 403
    assert client.get("/hesap/iki-adim/").status_code == 200
    assert client.get("/static/kentmasa/app.css").status_code in (200, 404)  # never sent to enrolment
    # A role the institution did not list signs in as before.
    other = from_address("198.51.100.9")
    password_step(other, "operator")
    assert other.get("/konsol/").status_code == 200


def test_nobody_is_required_while_the_setting_is_off_and_check_deploy_says_so(settings, administrator):
    settings.KENTMASA_2FA_REQUIRED = False
    client = from_address("198.51.100.10")
    password_step(client, "yonetici")
    assert client.get("/")["Location"] != "/hesap/iki-adim/"
    warnings = account_checks.two_factor_required(None)
    assert [w.id for w in warnings] == ["kentmasa.accounts.W001"]
    assert "kentmasa.accounts.W001" in [m.id for m in checks.run_checks(include_deployment_checks=True)]
    settings.KENTMASA_2FA_REQUIRED = True
    assert account_checks.two_factor_required(None) == []


# --- the code step ----------------------------------------------------------------------------------------


def test_a_password_alone_never_signs_in_an_enrolled_user(administrator):
    device, _codes = enrol(administrator)
    client = from_address("198.51.100.11")
    response = password_step(client, "yonetici", next="/raporlar/")
    assert response["Location"] == "/hesap/giris-kodu/"
    assert not signed_in(client)
    assert client.get("/konsol/")["Location"].startswith("/giris/")
    page = client.get("/hesap/giris-kodu/")
    assert page.status_code == 200 and "yonetici" in page.content.decode()

    done = code_step(client, code_for_key(device.bin_key))
    assert done["Location"] == "/raporlar/"
    assert signed_in(client)
    assert client.get("/raporlar/").status_code == 200
    assert kinds(administrator) == [K.SUCCESS]


def test_the_code_step_without_a_password_first_goes_back_to_the_log_in(administrator):
    device, _codes = enrol(administrator)
    client = from_address("198.51.100.12")
    response = code_step(client, code_for_key(device.bin_key))
    assert response["Location"] == "/giris/"
    assert not signed_in(client)


def test_a_session_made_without_the_code_step_is_signed_out(client, superuser):
    enrol(superuser)
    client.force_login(superuser)  # any log-in but the two steps: a session that has not passed the code
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/giris/?next=")
    assert not signed_in(client)


def test_the_admin_log_in_goes_through_the_same_two_steps(superuser):
    device, _codes = enrol(superuser)
    client = from_address("198.51.100.13")
    assert client.get("/admin/login/?next=/admin/directory/user/")["Location"] == (
        "/giris/?next=%2Fadmin%2Fdirectory%2Fuser%2F"
    )
    response = password_step(client, "kok", path="/admin/login/", next="/admin/")
    assert response["Location"] == "/hesap/giris-kodu/"
    assert not signed_in(client)
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    assert code_step(client, code_for_key(device.bin_key))["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    listing = client.get("/admin/directory/user/", {"two_factor": "yes"}).content.decode()
    assert "kok" in listing


def test_an_enrolled_superuser_must_pass_the_code_even_when_nothing_is_required(settings, superuser):
    settings.KENTMASA_2FA_REQUIRED = False
    enrol(superuser)
    client = from_address("198.51.100.14")
    assert password_step(client, "kok")["Location"] == "/hesap/giris-kodu/"
    assert not signed_in(client)


# --- recovery codes ---------------------------------------------------------------------------------------


def test_a_recovery_code_works_once_and_the_owner_is_told(administrator, django_capture_on_commit_callbacks):
    _device, codes = enrol(administrator)
    client = from_address("198.51.100.15")
    password_step(client, "yonetici")
    with_spaces = f" {codes[0][:4].upper()} {codes[0][4:]} "
    with django_capture_on_commit_callbacks(execute=True):
        response = code_step(client, with_spaces)
    assert response.status_code == 302 and signed_in(client)
    assert StaticToken.objects.filter(token=codes[0]).count() == 0
    assert kinds(administrator) == [K.SUCCESS, K.RECOVERY_USED]
    told = Notification.objects.get(user=administrator, kind="recovery_code_used")
    assert Delivery.objects.filter(notification=told, medium="email").exists()

    client.post("/cikis/")
    again = from_address("198.51.100.16")
    password_step(again, "yonetici")
    refused = code_step(again, codes[0])
    assert refused.status_code == 200 and not signed_in(again)
    assert kinds(administrator)[-1] == K.CODE_FAILED


def test_new_recovery_codes_replace_the_old_ones(administrator):
    device, codes = enrol(administrator)
    client = from_address("198.51.100.17")
    password_step(client, "yonetici")
    code_step(client, code_for_key(device.bin_key))
    shown = client.post("/hesap/iki-adim/yeni-kodlar/")
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", client.get(shown["Location"]).content.decode())
    assert len(new) == 10
    assert not StaticToken.objects.filter(token__in=codes).exists()
    assert kinds(administrator)[-1] == K.RECOVERY_RENEWED


def test_a_password_only_session_cannot_renew_codes_after_its_user_enrolled_elsewhere(settings, operator):
    settings.KENTMASA_2FA_REQUIRED = False  # the operator may sign in with the password alone
    client = from_address("198.51.100.18")
    password_step(client, "operator")
    assert signed_in(client)
    _device, codes = enrol(operator)  # in another browser; this session's mark is trusted a while longer
    response = client.post("/hesap/iki-adim/yeni-kodlar/")
    assert response.status_code == 302 and response["Location"].startswith("/giris/")
    assert not signed_in(client)
    assert sorted(StaticToken.objects.filter(device__user=operator).values_list("token", flat=True)) == codes
    assert K.RECOVERY_RENEWED not in kinds(operator)


# --- lock-out ---------------------------------------------------------------------------------------------


def test_repeated_wrong_codes_lock_the_account_and_tell_its_owner_and_administrators(
    settings, police_operator, administrator, institution, django_capture_on_commit_callbacks
):
    settings.KENTMASA_2FA_FAILURES = 3
    TwoFactorPolicy.objects.create(institution=institution, roles=[User.Role.POLICE_OPERATOR])
    device, _codes = enrol(police_operator)
    client = from_address("198.51.100.18")
    password_step(client, "polis")
    right = code_for_key(device.bin_key)
    wrong = f"{(int(right) + 5) % 1_000_000:06d}"
    with django_capture_on_commit_callbacks(execute=True):
        answers = [code_step(client, wrong).status_code for _i in range(3)]
    assert answers == [200, 200, 429]
    locked = code_step(client, right)
    assert locked.status_code == 429 and "Retry-After" in locked
    assert not signed_in(client)
    assert kinds(police_operator) == [K.CODE_FAILED] * 3 + [K.LOCKED, K.RATE_LIMITED]

    own = Notification.objects.get(user=police_operator, kind="sign_in_locked")
    assert Delivery.objects.filter(notification=own, medium="email").exists()
    boss = Notification.objects.get(user=administrator, kind="sign_in_locked")
    assert "polis" in boss.text or police_operator.get_full_name() in boss.text

    # Another address does not get more tries either: the lock is the account's.
    other = from_address("203.0.113.5")
    password_step(other, "polis")
    assert code_step(other, right).status_code == 429


# --- sign-in events ---------------------------------------------------------------------------------------


def test_failed_passwords_and_unknown_names_are_recorded_without_the_password(operator):
    client = from_address("198.51.100.19")
    password_step(client, "operator", "yanlış-parola-1")
    password_step(client, "KİMSE", "gizli-parola-2")
    wrong = SignInEvent.objects.get(kind=K.WRONG_PASSWORD)
    assert wrong.user == operator and wrong.address == "198.51.100.19"
    assert wrong.user_agent.startswith("Mozilla/5.0 (test)") and len(wrong.user_agent) == 200
    unknown = SignInEvent.objects.get(kind=K.UNKNOWN_USER)
    assert unknown.user is None and unknown.username == "kimse"
    for event in SignInEvent.objects.all():
        assert "parola" not in f"{event.username} {event.user_agent}"


def test_a_rate_limited_name_is_recorded_and_its_owner_told(operator, django_capture_on_commit_callbacks):
    for i in range(5):
        password_step(from_address(f"198.51.100.{30 + i}"), "operator", "yanlış")
    with django_capture_on_commit_callbacks(execute=True):
        assert password_step(from_address("198.51.100.40"), "operator", "yanlış").status_code == 429
        assert password_step(from_address("198.51.100.41"), "operator", "yanlış").status_code == 429
    assert K.RATE_LIMITED in kinds(operator)
    assert Notification.objects.filter(user=operator, kind="sign_in_locked").count() == 1


def test_old_events_are_pruned(settings, operator):
    settings.KENTMASA_SIGN_IN_EVENTS_KEEP_DAYS = 30
    now = timezone.now()
    old = SignInEvent.objects.create(user=operator, kind=K.SUCCESS, at=now - dt.timedelta(days=31))
    recent = SignInEvent.objects.create(user=operator, kind=K.SUCCESS, at=now - dt.timedelta(days=29))
    assert tasks.prune(now) == 1
    assert not SignInEvent.objects.filter(pk=old.pk).exists()
    assert SignInEvent.objects.filter(pk=recent.pk).exists()


def test_events_are_append_only(operator):
    event = SignInEvent.objects.create(user=operator, kind=K.SUCCESS)
    event.kind = K.RESET
    with pytest.raises(ValueError):
        event.save()


def test_an_administrator_reset_is_recorded_and_the_user_enrols_again(superuser, administrator):
    enrol(administrator)
    client = signed_in_with_code(superuser)
    response = client.post(
        "/admin/directory/user/",
        {"action": "reset_two_factor", "_selected_action": [administrator.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=administrator).exists()
    reset = SignInEvent.objects.get(user=administrator, kind=K.RESET)
    assert reset.actor == superuser
    again = from_address("198.51.100.20")
    password_step(again, "yonetici")
    assert again.get("/")["Location"] == "/hesap/iki-adim/"


def test_the_event_list_is_scoped(superuser, administrator, other_institution, make_user, client):
    boss = signed_in_with_code(superuser)
    stranger = make_user(User.Role.OPERATOR, "baska", institution_=other_institution)
    SignInEvent.objects.create(user=administrator, kind=K.SUCCESS, address="192.0.2.11")
    SignInEvent.objects.create(user=stranger, kind=K.SUCCESS, address="192.0.2.22")
    SignInEvent.objects.create(username="hayalet", kind=K.UNKNOWN_USER, address="192.0.2.33")

    everything = boss.get("/admin/accounts/signinevent/").content.decode()
    assert all(address in everything for address in ("192.0.2.11", "192.0.2.22", "192.0.2.33"))

    helper = make_user(User.Role.ADMINISTRATOR, "yardimci")
    helper.is_staff = True
    helper.save()
    helper.user_permissions.add(Permission.objects.get(codename="view_signinevent"))
    deputy = signed_in_with_code(helper, "198.18.0.5")
    own = deputy.get("/admin/accounts/signinevent/").content.decode()
    assert "192.0.2.11" in own and "192.0.2.22" not in own and "192.0.2.33" not in own
    assert "198.18.0.5" in own  # their own sign-in just now
    assert deputy.post("/admin/accounts/signinevent/add/").status_code == 403

    client.force_login(stranger)
    mine = client.get("/hesap/").content.decode()
    assert "192.0.2.22" in mine and "192.0.2.11" not in mine


# --- bad input --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["12\x003456", "9" * 300, "", "١٢٣٤٥٦", "-" * 64, "123 456 789"])
def test_bad_codes_get_a_clear_answer(administrator, code):
    enrol(administrator)
    client = from_address("198.51.100.21")
    password_step(client, "yonetici")
    response = code_step(client, code)
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not signed_in(client)

    fresh = from_address("198.51.100.22")
    TOTPDevice.objects.filter(user=administrator).delete()
    password_step(fresh, "yonetici")
    enrolling = fresh.post("/hesap/iki-adim/", {"code": code})
    assert enrolling.status_code == 200 and 'class="error"' in enrolling.content.decode()


def test_a_nul_in_the_user_name_is_a_form_error(db):
    response = password_step(from_address("198.51.100.23"), "yon\x00etici")
    assert response.status_code == 200
    assert SignInEvent.objects.filter(kind=K.UNKNOWN_USER, username="yonetici").exists()


# --- the institution administrator's page -----------------------------------------------------------------


def test_an_institution_administrator_reads_and_resets_within_their_institution(
    administrator, other_institution, make_user, operator
):
    stranger = make_user(User.Role.OPERATOR, "baska", institution_=other_institution)
    enrol(operator)
    enrol(stranger)
    SignInEvent.objects.create(user=operator, kind=K.SUCCESS, address="192.0.2.44")
    SignInEvent.objects.create(user=stranger, kind=K.SUCCESS, address="192.0.2.55")
    boss = signed_in_with_code(administrator)

    page = boss.get("/hesap/kurum-girisleri/").content.decode()
    assert "192.0.2.44" in page and "192.0.2.55" not in page
    filtered = boss.get(
        "/hesap/kurum-girisleri/", {"tur": "success", "kullanici": "operator", "sayfa": "99999"}
    )
    assert filtered.status_code == 200 and "192.0.2.44" in filtered.content.decode()
    for bad in ({"sayfa": "x\x00"}, {"kullanici": "a" * 300}, {"tur": "yok"}):
        assert boss.get("/hesap/kurum-girisleri/", bad).status_code in (200, 400)

    assert boss.post("/hesap/kurum-girisleri/sifirla/", {"kullanici": "baska"}).status_code == 302
    assert TOTPDevice.objects.filter(user=stranger).exists()  # another institution's: untouched
    boss.post("/hesap/kurum-girisleri/sifirla/", {"kullanici": "yonetici"})
    assert TOTPDevice.objects.filter(user=administrator).exists()  # not their own
    boss.post("/hesap/kurum-girisleri/sifirla/", {"kullanici": "operator"})
    assert not TOTPDevice.objects.filter(user=operator).exists()
    assert SignInEvent.objects.get(user=operator, kind=K.RESET).actor == administrator

    plain = from_address("198.51.100.60")
    password_step(plain, "baska")
    assert plain.get("/hesap/giris-kodu/").status_code == 200  # baska still has theirs: code step
    clerk = from_address("198.51.100.61")
    password_step(clerk, "operator")
    assert clerk.get("/hesap/kurum-girisleri/").status_code == 404
    assert clerk.post("/hesap/kurum-girisleri/sifirla/", {"kullanici": "baska"}).status_code == 404


def test_an_institution_administrator_cannot_reset_a_superuser_or_admin_staff(administrator, make_user):
    boss = signed_in_with_code(administrator)
    for name, flags in (("kok2", {"is_superuser": True, "is_staff": True}), ("personel", {"is_staff": True})):
        target = make_user(User.Role.ADMINISTRATOR, name)
        for flag, value in flags.items():
            setattr(target, flag, value)
        target.save()
        enrol(target)
        assert boss.post("/hesap/kurum-girisleri/sifirla/", {"kullanici": name}).status_code == 302
        assert TOTPDevice.objects.filter(user=target).exists(), name
        assert not SignInEvent.objects.filter(user=target, kind=K.RESET).exists()


def test_the_institutions_sign_ins_page_forward_and_back_newest_first(
    administrator, other_institution, make_user, operator, monkeypatch
):
    from kentmasa.accounts import views as account_views
    from kentmasa.cases.tests.keyset_walk import assert_bad_cursors_show_the_first_page, walk

    monkeypatch.setattr(account_views, "EVENTS_PAGE", 3)
    stranger = make_user(User.Role.OPERATOR, "baska", institution_=other_institution)
    enrol(operator)
    boss = signed_in_with_code(administrator)
    at = timezone.now() - dt.timedelta(days=1)
    SignInEvent.objects.bulk_create(
        [  # two at each moment: the key breaks the tie; another institution's never shown
            SignInEvent(
                user=stranger if n % 4 == 0 else operator,
                kind=K.SUCCESS,
                at=at - dt.timedelta(minutes=n // 2),
            )
            for n in range(12)
        ]
    )
    url = "/hesap/kurum-girisleri/"
    mine = SignInEvent.objects.filter(user__institution_id=administrator.institution_id).order_by(
        "-at", "-pk"
    )
    forward, backward = walk(boss, url)
    assert forward == backward == list(mine.values_list("pk", flat=True))
    assert stranger.pk not in set(
        SignInEvent.objects.filter(pk__in=forward).values_list("user_id", flat=True)
    )
    only = mine.filter(user=operator, kind=K.SUCCESS)
    forward, backward = walk(boss, url, {"tur": "success", "kullanici": "operator"})
    assert forward == backward == list(only.values_list("pk", flat=True))
    assert_bad_cursors_show_the_first_page(boss, url, {"tur": "success", "kullanici": "operator"})
