"""Shared by the two-factor tests: codes computed the way authenticator apps compute them (django-otp's
TOTP, RFC 6238, from the device's own key), and signing in through the real views."""

import base64
import time

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kentmasa.conftest import PASSWORD


def code_for_key(key: bytes, *, steps_ahead: int = 0) -> str:
    """The six digits an authenticator with ``key`` shows now (or ``steps_ahead`` 30-second steps later:
    a code once accepted is never accepted again, so a second sign-in uses the next step's)."""
    totp = TOTP(key, step=30, t0=0, digits=6)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def code_for_secret(secret: str, *, steps_ahead: int = 0) -> str:
    """From the key as the enrolment page shows it ("ABCD EFGH …", base32)."""
    text = "".join(secret.split())
    return code_for_key(base64.b32decode(text + "=" * (-len(text) % 8)), steps_ahead=steps_ahead)


def enrol(user, codes: int = 3) -> tuple[TOTPDevice, list[str]]:
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    recovery = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    tokens = [f"rc{i}abcde" for i in range(codes)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=token) for token in tokens])
    return device, tokens


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address, HTTP_USER_AGENT="Mozilla/5.0 (test) " + "x" * 400)


def password_step(client: Client, username: str, password: str = PASSWORD, path: str = "/giris/", **extra):
    return client.post(path, {"username": username, "password": password, **extra})


def code_step(client: Client, code: str):
    return client.post("/hesap/giris-kodu/", {"code": code})


def signed_in_with_code(user, address: str = "192.0.2.200") -> Client:
    """A client signed in as ``user`` through both steps (enrolling the user first)."""
    device, _codes = enrol(user)
    client = from_address(address)
    password_step(client, user.get_username())
    assert code_step(client, code_for_key(device.bin_key)).status_code == 302
    return client
