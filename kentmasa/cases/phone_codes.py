"""Proving a phone number on the public form with a one-time code sent by SMS.

A citizen who wants the new application linked to their earlier ones asks for a code, receives it on the
phone and types it into the form; the case's applicant record may then be found by that number
(kentmasa.cases.citizens). Without the code the number is still used to answer them, on a record of its own.

* Six digits, valid for five minutes (``KENTMASA_PHONE_CODE_SECONDS``), five wrong tries per code; only a
  keyed hash is stored, and a confirmed code stays usable until it expires (a form sent again after a
  refused photo needs no second code).
* SMS cost money and attract "SMS pumping" fraud, so codes go only to Turkish mobile numbers (+90 5xx) and
  are limited per number and per client address, per hour and per day (``KENTMASA_PHONE_CODE_LIMITS``).
  The ledger is the PhoneCode table itself, so every web process sees the same counts.
* The SMS itself is sent by whoever listens to :data:`kentmasa.cases.signals.phone_code_requested` (the
  channels app); this module never imports a channel.
"""

from __future__ import annotations

import datetime as dt
import hmac
import math
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kentmasa.cases.models import PhoneCode
from kentmasa.cases.signals import phone_code_requested
from kentmasa.lib import phones

if TYPE_CHECKING:
    from kentmasa.directory.models import Institution

MAX_FAILURES = 5
CODE_DIGITS = 6


@dataclass
class CodeRefused(Exception):
    """A code that is not sent (limits, a number we do not text, the SMS provider failed)."""

    message: str
    retry_after: int = 0

    def __str__(self) -> str:
        return self.message


def _hash(kind: str, value: str) -> str:
    return salted_hmac(f"kentmasa.phone_codes.{kind}", value, algorithm="sha256").hexdigest()


def _limits() -> dict:
    return settings.KENTMASA_PHONE_CODE_LIMITS


def _check_limits(phone: str, client: str, now: dt.datetime) -> None:
    limits = _limits()
    for field, value, hour_key, day_key in (
        ("phone", phone, "per_number_hour", "per_number_day"),
        ("client", client, "per_address_hour", "per_address_day"),
    ):
        for key, window in ((hour_key, dt.timedelta(hours=1)), (day_key, dt.timedelta(days=1))):
            recent = PhoneCode.objects.filter(**{field: value, "created_at__gt": now - window})
            if recent.count() >= limits[key]:
                oldest = recent.order_by("created_at").values_list("created_at", flat=True).first()
                wait = math.ceil(((oldest or now) + window - now).total_seconds())
                minutes = max(1, -(-wait // 60))
                raise CodeRefused(
                    ngettext(
                        "Too many codes were asked for. Please try again in %(minutes)d minute.",
                        "Too many codes were asked for. Please try again in %(minutes)d minutes.",
                        minutes,
                    )
                    % {"minutes": minutes},
                    retry_after=wait,
                )


def _serialise(phone: str, client: str) -> None:
    """Two requests for the same number or client take turns, so both cannot pass the limits at once.

    SQLite's IMMEDIATE transactions already take turns; on PostgreSQL transaction-scoped advisory locks
    do (always the number first, then the client, so two requests never wait on each other in a circle).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for key in (f"kentmasa.phonecode.phone:{phone}", f"kentmasa.phonecode.client:{client}"):
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])


def request_code(
    institution: Institution, phone: str, client_ip: str, *, now: dt.datetime | None = None
) -> PhoneCode:
    """Make a code for this (cleaned, E.164) number and have it sent; raises CodeRefused."""
    now = now or timezone.now()
    if not phones.is_turkish_mobile(phone):
        raise CodeRefused(_("Codes can only be sent to Turkish mobile numbers (05xx)."))
    client = _hash("client", client_ip or "-")
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with transaction.atomic():
        _serialise(phone, client)
        _check_limits(phone, client, now)
        entry = PhoneCode.objects.create(
            institution=institution,
            phone=phone,
            code_hash=_hash("code", f"{phone}:{code}"),
            client=client,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=settings.KENTMASA_PHONE_CODE_SECONDS),
        )
    # Outside the transaction: the row counts against the limits even if the SMS fails.
    minutes = settings.KENTMASA_PHONE_CODE_SECONDS // 60
    text = _(
        "%(institution)s verification code: %(code)s. Valid for %(minutes)d minutes; do not share it."
    ) % {
        "institution": institution.name,
        "code": code,
        "minutes": minutes,
    }
    answers = phone_code_requested.send(PhoneCode, institution=institution, phone=phone, text=text, code=code)
    if not any(sent for _receiver, sent in answers):
        raise CodeRefused(_("The code could not be sent just now. Please try again later."))
    return entry


def confirm(institution: Institution, phone: str, code: str, *, now: dt.datetime | None = None) -> bool:
    """Whether ``code`` is a live code of this number. Every guess spends one try of each live code
    first (atomically, so parallel guesses get no more than MAX_FAILURES); any live code counts, so a
    stranger asking for a new code does not void the one the citizen is typing."""
    now = now or timezone.now()
    code = "".join(code.split())
    if not phone or not code:
        return False
    guess = _hash("code", f"{phone}:{code}")
    live = PhoneCode.objects.filter(
        institution=institution, phone=phone, expires_at__gt=now, failures__lt=MAX_FAILURES
    ).order_by("-created_at", "-pk")
    for pk, code_hash in live.values_list("pk", "code_hash")[:10]:
        spent = PhoneCode.objects.filter(pk=pk, failures__lt=MAX_FAILURES).update(failures=F("failures") + 1)
        if spent and hmac.compare_digest(code_hash, guess):
            PhoneCode.objects.filter(pk=pk, confirmed_at__isnull=True).update(confirmed_at=now)
            return True
    return False
