"""Two-factor sign-in: who must have it, enrolment, the code step, recovery codes, resets, sign-in events.

The devices are django-otp's: a TOTPDevice (the authenticator app) and a StaticDevice holding the
single-use recovery codes. What a signed-in session still owes is kept in the session itself (``MARK``),
written whenever Django's ``login`` runs and re-read from the database at most every ``RECHECK_SECONDS``,
so an ordinary page costs no query for it.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kentmasa.accounts.models import SignInEvent, TwoFactorPolicy
from kentmasa.accounts.signals import account_alert
from kentmasa.directory.models import User
from kentmasa.lib import lockout, turkish
from kentmasa.lib.clientip import client_ip

MARK = "kentmasa_2fa"  # {"device": bool, "required": bool, "verified": bool, "at": seconds}
PENDING = "kentmasa_2fa_pending"  # {"user": pk, "backend": dotted path, "at": seconds, "next": url}
RECHECK_SECONDS = 300
PENDING_SECONDS = 300  # the code step must follow the password within this
RECOVERY_CODES = 10
CODE_MAX_LENGTH = 64
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery"
LOCK_SCOPE = "2fa"
USER_AGENT_LENGTH = 200
USERNAME_LENGTH = 150
SHOWN_EVENTS = 20  # the user's own "son girişlerim"


# --- sign-in events ---------------------------------------------------------------------------------------


def _address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    try:
        return client_ip(request)
    except ImproperlyConfigured:
        return None


def record(
    kind: str,
    request: HttpRequest | None = None,
    *,
    user: User | None = None,
    username: str = "",
    actor: User | None = None,
) -> SignInEvent:
    """Append one sign-in event. ``username`` is folded and cut; the password is never passed here."""
    agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    name = username or (user.get_username() if user is not None else "")
    return SignInEvent.objects.create(
        user=user,
        username=turkish.fold(name.replace("\x00", ""))[:USERNAME_LENGTH],
        kind=kind,
        address=_address(request),
        user_agent=str(agent).replace("\x00", "")[:USER_AGENT_LENGTH],
        actor=actor,
    )


def recent_events(user: User, limit: int = SHOWN_EVENTS) -> list[SignInEvent]:
    return list(SignInEvent.objects.filter(user=user).order_by("-at", "-pk")[:limit])


def failed_password(request: HttpRequest, username: str) -> SignInEvent:
    """A password that did not match: a wrong password for a known name, or a name nobody has."""
    username = (username or "").replace("\x00", "")[:USERNAME_LENGTH]
    user = User.objects.filter(username=username).first() if username else None
    if user is None:
        return record(SignInEvent.Kind.UNKNOWN_USER, request, username=username)
    return record(SignInEvent.Kind.WRONG_PASSWORD, request, user=user)


def rate_limited(request: HttpRequest, username: str) -> None:
    """The password step refused a POST for too many attempts. The account's owner and their institution's
    administrators are told once an hour per name (someone is guessing that account's password)."""
    username = (username or "").replace("\x00", "")[:USERNAME_LENGTH]
    # One event a minute per address and name: a flood of refused posts does not flood the table.
    if not lockout.take_turn(
        "sign-in-refused", f"{_address(request)}:{turkish.fold(username)}", every_seconds=60
    ):
        return
    user = User.objects.filter(username=username).first() if username else None
    record(SignInEvent.Kind.RATE_LIMITED, request, user=user, username=username)
    if user is not None and lockout.take_turn("2fa-told", f"rate:{user.pk}", every_seconds=3600):
        _alert(
            user,
            "sign_in_locked",
            _("Too many sign-in attempts were made for your account; signing in is paused for a while."),
            others=administrators_of(user),
            others_text=_("Too many sign-in attempts were made for the account of %(name)s.")
            % {"name": user.get_full_name() or user.get_username()},
        )


def code_refused(request: HttpRequest, user: User) -> None:
    """The code step refused a POST (address limit, or the account's lock): one event a minute per address."""
    if lockout.take_turn("code-refused", f"{_address(request)}:{user.pk}", every_seconds=60):
        record(SignInEvent.Kind.RATE_LIMITED, request, user=user)


# --- who must use it --------------------------------------------------------------------------------------


def is_administrator(user: User) -> bool:
    return bool(user.is_superuser or user.is_staff or user.role == User.Role.ADMINISTRATOR)


def required_roles(institution_id: int | None) -> list[str]:
    if institution_id is None:
        return []
    policy = TwoFactorPolicy.objects.filter(institution_id=institution_id).first()
    return list(policy.roles) if policy is not None else []


def must_use_two_factor(user: User) -> bool:
    """Superusers, staff who open the admin, administrators, and the roles the user's institution lists —
    while KENTMASA_2FA_REQUIRED is on (it is, unless an installation turns it off for a trial)."""
    if not settings.KENTMASA_2FA_REQUIRED:
        return False
    return is_administrator(user) or user.role in required_roles(user.institution_id)


def authenticator(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def has_two_factor(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


# --- what a session owes ----------------------------------------------------------------------------------


def _mark(request: HttpRequest, user: User, *, verified: bool) -> dict[str, Any]:
    mark = {
        "device": has_two_factor(user),
        "required": must_use_two_factor(user),
        "verified": verified,
        "at": time.time(),
    }
    request.session[MARK] = mark
    return mark


def on_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """Django's ``login`` ran: the session has passed the password (or was made by a test's force_login),
    not the code step. The code step and enrolment mark it verified afterwards."""
    if request is not None and hasattr(request, "session") and isinstance(user, User):
        _mark(request, user, verified=False)


def session_state(request: HttpRequest, user: User) -> dict[str, Any]:
    """The session's mark, re-read from the database when older than RECHECK_SECONDS (a reset, a new
    policy, an enrolment in another browser reach a session within that time)."""
    mark = request.session.get(MARK)
    if not isinstance(mark, dict) or time.time() - float(mark.get("at", 0)) > RECHECK_SECONDS:
        verified = bool(isinstance(mark, dict) and mark.get("verified"))
        mark = _mark(request, user, verified=verified)
        if verified and not mark["device"]:
            mark = _mark(request, user, verified=False)  # its device was reset: verified no more
    return mark


def mark_verified(request: HttpRequest, user: User, device: TOTPDevice | StaticDevice) -> None:
    otp_login(request, device)
    _mark(request, user, verified=True)


# --- the code step ----------------------------------------------------------------------------------------


def normalise_code(raw: str) -> str:
    return "".join(str(raw or "").split()).replace("-", "").lower()


def start_code_step(request: HttpRequest, user: User, backend: str, next_url: str) -> None:
    request.session.cycle_key()
    request.session[PENDING] = {"user": user.pk, "backend": backend, "at": time.time(), "next": next_url}


def pending_user(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    """The user whose password was right moments ago and who owes the code; None when none (or too late)."""
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    user_id = pending.get("user")
    if not isinstance(user_id, int):
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return (user, pending) if user is not None else None


def is_locked(user: User) -> bool:
    return lockout.is_locked(LOCK_SCOPE, str(user.pk))


def check_code(user: User, raw: str) -> TOTPDevice | StaticDevice | None:
    """The device a code belongs to: the authenticator's current code, or one recovery code (deleted as it
    is used, in one statement, so two requests cannot both spend it)."""
    code = normalise_code(raw)
    if not code or len(code) > CODE_MAX_LENGTH:
        return None
    if code.isdigit():
        device = authenticator(user)
        if device is not None and device.verify_token(code):
            return device
        return None
    recovery = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if recovery is None:
        return None
    spent, _rows = StaticToken.objects.filter(device=recovery, token=code).delete()
    return recovery if spent else None


def code_failed(request: HttpRequest | None, user: User) -> bool:
    """Count a wrong code; True when this one locked the account's code step (then everyone is told)."""
    record(SignInEvent.Kind.CODE_FAILED, request, user=user)
    locked = lockout.record_failure(
        LOCK_SCOPE,
        str(user.pk),
        limit=settings.KENTMASA_2FA_FAILURES,
        window_seconds=settings.KENTMASA_2FA_WINDOW_SECONDS,
        lock_seconds=settings.KENTMASA_2FA_LOCK_SECONDS,
    )
    if locked:
        record(SignInEvent.Kind.LOCKED, request, user=user)
        _alert(
            user,
            "sign_in_locked",
            _(
                "Your password was entered, then the two-factor code was wrong %(count)d times: signing in "
                "to your account is locked for %(minutes)d minutes. If this was not you, tell your "
                "administrator and change your password."
            )
            % {
                "count": settings.KENTMASA_2FA_FAILURES,
                "minutes": max(1, settings.KENTMASA_2FA_LOCK_SECONDS // 60),
            },
            others=administrators_of(user),
            others_text=_(
                "Signing in to the account of %(name)s is locked after %(count)d wrong two-factor codes "
                "(the password was right). If they did not do it, their password is known to someone."
            )
            % {"name": user.get_full_name() or user.get_username(), "count": settings.KENTMASA_2FA_FAILURES},
        )
    return locked


def recovery_used(request: HttpRequest, user: User) -> None:
    left = StaticToken.objects.filter(device__user=user).count()
    record(SignInEvent.Kind.RECOVERY_USED, request, user=user)
    _alert(
        user,
        "recovery_code_used",
        _(
            "A recovery code was used to sign in to your account (%(left)d left). If this was not you, tell "
            "your administrator at once."
        )
        % {"left": left},
    )


# --- enrolment and recovery codes -------------------------------------------------------------------------


def unconfirmed_authenticator(user: User) -> TOTPDevice:
    """The authenticator being set up: one unconfirmed device per user, kept across page loads."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=TOTP_NAME).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def secret_in_groups(device: TOTPDevice) -> str:
    """The key in base32 as authenticator apps take it by hand: "ABCD EFGH …"."""
    import base64

    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (segno: no image library, no external request)."""
    import segno

    return str(
        segno.make(device.config_url, error="m").svg_inline(
            scale=4, dark="#000", light="#fff", title=_("QR code")
        )
    )


def confirm_authenticator(request: HttpRequest, user: User, device: TOTPDevice, raw: str) -> list[str] | None:
    """Confirm the device with a code it made; the new recovery codes, or None when the code is wrong."""
    code = normalise_code(raw)
    if not code.isdigit() or len(code) > CODE_MAX_LENGTH or not device.verify_token(code):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = new_recovery_codes(user)
        record(SignInEvent.Kind.ENROLLED, request, user=user)
    mark_verified(request, user, device)
    return codes


def new_recovery_codes(user: User) -> list[str]:
    """Ten new single-use recovery codes; the old ones stop working. Shown once, stored as django-otp does."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_left(user: User) -> int:
    return int(StaticToken.objects.filter(device__user=user).count())


def reset(user: User, *, actor: User, request: HttpRequest | None = None) -> None:
    """An administrator's reset: the user's authenticator and recovery codes are gone; a user who must use
    two-factor sign-in sets it up again after the next password."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        record(SignInEvent.Kind.RESET, request, user=user, actor=actor)


def current_code(device: TOTPDevice, *, at: float | None = None) -> str:
    """The code the device shows at ``at`` (now): for the demo's own command and the tests."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


# --- telling people ---------------------------------------------------------------------------------------


def administrators_of(user: User, limit: int = 20) -> list[User]:
    """Who answers for the user's account: their institution's administrators (else the superusers)."""
    people = User.objects.filter(is_active=True).exclude(pk=user.pk)
    if user.institution_id is not None:
        found = list(
            people.filter(institution_id=user.institution_id, role=User.Role.ADMINISTRATOR).order_by("pk")[
                :limit
            ]
        )
        if found:
            return found
    return list(people.filter(Q(is_superuser=True)).order_by("pk")[:limit])


def _alert(
    user: User, kind: str, text: str, *, others: list[User] | None = None, others_text: str = ""
) -> None:
    def send() -> None:
        account_alert.send(
            SignInEvent, user=user, kind=kind, text=text, others=others or [], others_text=others_text or text
        )

    transaction.on_commit(send)
