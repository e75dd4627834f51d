"""Netgsm (https://www.netgsm.com.tr/dokuman/), REST v2 with HTTP Basic auth: sending an SMS.

``POST /sms/rest/v2/send`` with ``msgheader`` (the approved sender name), ``encoding: "TR"`` for the
Turkish single-shift table and ``iysfilter: "0"`` (our texts are informational, not commercial). Netgsm
answers ``code`` "00" and a ``jobid``; other codes come with HTTP 406 and are told apart into permanent
(the text or the number) and temporary (credentials, sender name, limits) failures. A text Netgsm would
cut or refuse (more than six concatenated parts, or 917 characters) is refused before the call. An answer
that does not come in time is given up, not retried: Netgsm may have taken the SMS.

Delivery reports and Netgsm's inbox belong to the SMS channel (:mod:`kentmasa.channels.sms.netgsm`),
which calls Netgsm through :meth:`Netgsm.call` with the same account.
"""

from __future__ import annotations

from typing import Any

import requests
from django.utils.translation import gettext_lazy

from kentmasa.lib import phones
from kentmasa.lib.outbound import SendError, staff_text
from kentmasa.lib.sms import SmsSent
from kentmasa.lib.sms.encoding import TURKISH, UCS2, gsm_text, segments
from kentmasa.lib.sms.options import options as sms_options

# Netgsm's documented ceiling for one message text ("en fazla 917 karakter", six concatenated GSM 7-bit
# parts); a longer text is refused with code 20 or cut. The parts ceiling is a setting (netgsm_max_parts).
NETGSM_MAX_CHARACTERS = 917

# Netgsm's answers to /sms/rest/v2/send other than "00", and whether sending again could help.
NETGSM_SEND_CODES = {
    "20": (gettext_lazy("the message text was refused or is longer than allowed"), True),
    "30": (
        gettext_lazy(
            "invalid username or password, no API access, or a request from outside the allowed IP addresses"
        ),
        False,
    ),
    "40": (gettext_lazy("the sender name (msgheader) is not defined on the account"), False),
    "50": (gettext_lazy("the account cannot send İYS-controlled messages"), False),
    "51": (gettext_lazy("no İYS brand is defined for the account"), False),
    "70": (gettext_lazy("invalid request: a parameter such as the number is wrong or missing"), True),
    "80": (gettext_lazy("the sending limit was exceeded"), False),
    "85": (gettext_lazy("more than 20 messages to the same number within a minute"), False),
}


class Netgsm:
    """Texts Turkish mobiles through Netgsm's REST v2 API, with the account in :mod:`.options`."""

    name = "netgsm"

    def __init__(self, options: dict | None = None):
        self.options = options or sms_options()
        self.base_url = str(self.options["netgsm_base_url"]).rstrip("/")
        self.auth = (str(self.options["netgsm_username"]), str(self.options["netgsm_password"]))
        self.turkish = bool(self.options.get("turkish", True))
        self.timeout = float(self.options.get("timeout") or 15)

    def can_reach(self, number: str) -> bool:
        return phones.is_turkish_mobile(number)

    def send(self, number: str, text: str) -> SmsSent:
        if not self.can_reach(number):
            raise SendError(
                staff_text(
                    gettext_lazy("Not a Turkish mobile number: %(number)s"),
                    number=phones.mask(number) if number else "-",
                ),
                permanent=True,
            )
        if not self.options.get("netgsm_msgheader"):
            raise SendError(staff_text(gettext_lazy("No Netgsm sender name (msgheader) is configured.")))
        text = text.strip()
        if not text:
            raise SendError(staff_text(gettext_lazy("The message has no text.")), permanent=True)
        encoding, parts = segments(text, turkish_shift=self.turkish)
        if encoding == UCS2:
            # Netgsm's REST v2 documents GSM 7-bit, or with "TR" the Turkish table; no UCS-2 flag.
            text = gsm_text(text, turkish_shift=self.turkish)
            encoding, parts = segments(text, turkish_shift=self.turkish)
        self._refuse_too_long(text, parts)
        payload: dict[str, Any] = {
            "msgheader": self.options["netgsm_msgheader"],
            "iysfilter": "0",
            "messages": [{"msg": text, "no": number[3:]}],  # the national number: +90 5xx… → 5xx…
        }
        if encoding == TURKISH:
            payload["encoding"] = "TR"
        if self.options.get("netgsm_appname"):
            payload["appname"] = self.options["netgsm_appname"]
        answer = self.call("post", "/sms/rest/v2/send", json=payload)
        code = str(answer.get("code", ""))
        if code != "00":
            reason, permanent = NETGSM_SEND_CODES.get(code, (gettext_lazy("unknown answer"), False))
            raise SendError(
                staff_text(
                    gettext_lazy("Netgsm refused the SMS (code %(code)s): %(reason)s"),
                    code=code or "?",
                    reason=staff_text(reason),
                ),
                permanent=permanent,
            )
        return SmsSent(
            external_id=str(answer.get("jobid") or ""), provider=self.name, encoding=encoding, parts=parts
        )

    def _refuse_too_long(self, text: str, parts: int) -> None:
        """A text Netgsm would refuse or cut is never sent: the staff shorten it (a permanent SendError)."""
        max_parts = int(self.options.get("netgsm_max_parts") or 6)
        if parts > max_parts or len(text) > NETGSM_MAX_CHARACTERS:
            raise SendError(
                staff_text(
                    gettext_lazy(
                        "The SMS was not sent: it is %(length)s characters in %(parts)s parts, and Netgsm "
                        "takes at most %(max_parts)s parts (%(max_length)s characters). Shorten the text "
                        "and send it again."
                    ),
                    length=len(text),
                    parts=parts,
                    max_parts=max_parts,
                    max_length=NETGSM_MAX_CHARACTERS,
                ),
                permanent=True,
            )

    def call(self, method: str, endpoint: str, **kwargs: Any) -> dict:
        """Netgsm's JSON answer (HTTP 200, or 406 with an error code); SendError when there is none."""
        try:
            response = requests.request(
                method,
                self.base_url + endpoint,
                auth=self.auth,
                timeout=self.timeout,
                headers={"Accept": "application/json"},
                **kwargs,
            )
        except requests.ReadTimeout:
            # Netgsm may have taken it: sending again could text the same person twice. Staff see it instead.
            raise SendError(
                staff_text(
                    gettext_lazy("Netgsm did not answer in time; the SMS may or may not have gone out.")
                ),
                permanent=True,
            ) from None
        except requests.Timeout:
            raise SendError(staff_text(gettext_lazy("Netgsm did not answer in time."))) from None
        except requests.RequestException as error:
            raise SendError(
                staff_text(gettext_lazy("Netgsm could not be reached: %(error)s"), error=type(error).__name__)
            ) from None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if response.status_code not in (200, 406) or not isinstance(answer, dict):
            raise SendError(
                staff_text(gettext_lazy("Netgsm answered HTTP %(status)s."), status=response.status_code)
            )
        return answer
