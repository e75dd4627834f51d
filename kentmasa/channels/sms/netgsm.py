"""Netgsm for the SMS channel: its delivery reports and its inbox; sending is kentmasa.lib.sms.netgsm.

:class:`NetgsmSender` is the channel's sender with Netgsm fixed as the provider (installations that set
``KENTMASA_SMS_SENDER=kentmasa.channels.sms.netgsm.NetgsmSender`` keep working; the documented way is
``KENTMASA_SMS_PROVIDER=netgsm``). :class:`NetgsmPolling` asks Netgsm how the SMS we sent fared and reads
the SMS citizens sent to the account's number. Report polling is paced through the shared cache
(:mod:`kentmasa.lib.lockout`) so that all workers together stay under Netgsm's 10 report requests a
minute.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy

from kentmasa.cases.models import Channel
from kentmasa.channels.models import Message
from kentmasa.channels.sms.intake import receive_sms
from kentmasa.channels.sms.options import config
from kentmasa.channels.sms.reports import DELIVERED, FAILED, record_delivery
from kentmasa.channels.sms.sender import SmsSender
from kentmasa.lib import edge, lockout, phones
from kentmasa.lib.outbound import staff_text
from kentmasa.lib.sms.netgsm import Netgsm

log = logging.getLogger(__name__)

TURKEY = ZoneInfo("Europe/Istanbul")  # Netgsm reads and writes dates as Turkish local time
REPORT_BATCH = 100

# The status of one message in Netgsm's delivery report: 0 waits, 1 delivered, the rest did not arrive.
NETGSM_REPORT_STATUSES = {
    2: gettext_lazy("the message expired before it could be delivered"),
    3: gettext_lazy("the number is invalid or restricted"),
    4: gettext_lazy("the message could not be passed to the operator"),
    11: gettext_lazy("the operator did not accept the message"),
    12: gettext_lazy("delivery error"),
    13: gettext_lazy("duplicate message"),
    14: gettext_lazy("insufficient credit"),
    15: gettext_lazy("the number is on the blacklist"),
    16: gettext_lazy("refused by İYS"),
    17: gettext_lazy("İYS error"),
}


def _netgsm_date(moment: dt.datetime, fmt: str) -> str:
    return moment.astimezone(TURKEY).strftime(fmt)


def _parse_netgsm_date(raw: object) -> dt.datetime | None:
    """A time Netgsm wrote, if it is one and plausible (kentmasa.lib.edge); else None: our own time counts."""
    moment = _read_netgsm_date(str(raw or "").strip())
    return moment if moment is not None and edge.is_plausible(moment) else None


def _read_netgsm_date(text: str) -> dt.datetime | None:
    for fmt in ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d%m%Y%H%M%S"):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=TURKEY)
        except ValueError:
            continue
    try:
        moment = parse_datetime(text) if text else None
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = moment.replace(tzinfo=TURKEY)
    return moment


class NetgsmSender(SmsSender):
    """The SMS channel's sender with Netgsm as its provider, whatever KENTMASA_SMS_PROVIDER says."""

    provider_name = "netgsm"


class NetgsmPolling:
    """Delivery reports and received SMS from Netgsm's REST v2 API, for the account the SMS went from."""

    def __init__(self, netgsm: Netgsm):
        self.netgsm = netgsm
        self.options = {**config(), **netgsm.options}

    def _post(self, endpoint: str, payload: dict) -> dict:
        return self.netgsm.call("post", endpoint, json=payload)

    def poll_reports(self) -> int:
        """Ask Netgsm how the SMS still "sent" fared; returns how many changed state."""
        since = timezone.now() - dt.timedelta(days=int(self.options.get("report_days") or 2))
        waiting = Message.objects.filter(
            channel=Channel.SMS,
            direction=Message.Direction.OUT,
            state=Message.State.SENT,
            sent_at__gte=since,
            data__sms__provider=self.netgsm.name,
        ).exclude(external_id="")
        rows = list(waiting.order_by("sent_at").values_list("external_id", "sent_at"))
        changed = 0
        for start in range(0, len(rows), REPORT_BATCH):
            if not self._report_turn():
                # Netgsm's report limit is spent for now (by us or another worker): the next poll goes on.
                log.info("Netgsm report limit reached; %d messages wait for the next poll", len(rows) - start)
                break
            batch = rows[start : start + REPORT_BATCH]
            first_sent = batch[0][1] or since  # sent_at is set on every message the filter found
            answer = self._post(
                "/sms/rest/v2/report",
                {
                    "startdate": _netgsm_date(first_sent - dt.timedelta(hours=1), "%d.%m.%Y %H:%M:%S"),
                    "stopdate": _netgsm_date(timezone.now() + dt.timedelta(hours=1), "%d.%m.%Y %H:%M:%S"),
                    "jobids": [external_id for external_id, _ in batch],
                    "pagenumber": 0,
                    "pagesize": REPORT_BATCH,
                    **(
                        {"appname": self.options["netgsm_appname"]}
                        if self.options.get("netgsm_appname")
                        else {}
                    ),
                },
            )
            if str(answer.get("code")) not in ("00", "60"):  # 60: no report yet for these jobs
                log.warning("Netgsm report refused: code %s", answer.get("code"))
            for job in answer.get("jobs") or []:
                changed += self._apply_report(job)
        return changed

    def _report_turn(self) -> bool:
        """Whether a report request may go to Netgsm now, counted for all workers in the shared cache.

        Netgsm allows ``netgsm_report_rate`` ("10/m") report requests. The count is kept in fixed windows
        (kentmasa.lib.lockout), and 60 seconds can straddle two windows, so each window allows half.
        """
        rate = str(self.options.get("netgsm_report_rate") or "10/m")
        try:
            allowed = int(rate.split("/", 1)[0])
        except ValueError:
            allowed = 10
        window = lockout.rate_seconds(rate)
        used = lockout.tally("netgsm-report", self.options["netgsm_username"], window_seconds=window)
        return used <= max(1, allowed // 2)

    def _apply_report(self, job: dict) -> int:
        raw = job.get("status")
        if not isinstance(raw, int | str | float):
            return 0
        try:
            status = int(raw)
        except ValueError:
            return 0
        external_id = str(job.get("jobid") or "")
        if not external_id or status == 0:
            return 0
        if status == 1:
            outcome, error = DELIVERED, ""
        else:
            reason = NETGSM_REPORT_STATUSES.get(status, gettext_lazy("not delivered"))
            outcome = FAILED
            error = staff_text(
                gettext_lazy("Netgsm report (status %(status)s): %(reason)s"),
                status=status,
                reason=staff_text(reason),
            )
        _, changed = record_delivery(
            external_id, outcome, error=error, at=_parse_netgsm_date(job.get("deliveredDate"))
        )
        return int(changed)

    def poll_inbox(self) -> int:
        """Read the SMS citizens sent to the account's number into the intake; returns how many were new.

        Netgsm's inbox gives no message id, so one is made from what the message is; the window overlaps
        the previous poll and the intake's idempotency drops what was already read.
        """
        if not self.options.get("netgsm_inbox"):
            return 0
        now = timezone.now()
        hours = float(self.options.get("netgsm_inbox_hours") or 2)
        params = {
            "startdate": _netgsm_date(now - dt.timedelta(hours=hours), "%d%m%Y%H%M%S"),
            "stopdate": _netgsm_date(now, "%d%m%Y%H%M%S"),
        }
        if self.options.get("netgsm_appname"):
            params["appname"] = self.options["netgsm_appname"]
        answer = self.netgsm.call("get", "/sms/rest/v2/inbox", params=params)
        new = 0
        items = (answer.get("messages") or []) if answer.get("code") == "00" else []
        for item in items:
            fields = [str(item.get(key) or "") for key in ("sender", "receiver", "datetime", "message")]
            try:
                sender = phones.normalize(fields[0])
            except phones.InvalidPhone:
                log.warning("Netgsm inbox: SMS from an invalid number skipped")
                continue
            digest = hashlib.sha256("\x1f".join(fields).encode()).hexdigest()[:40]
            received = receive_sms(
                message_id=f"netgsm-in-{digest}",
                sender=sender,
                text=fields[3],
                to=fields[1],
                received_at=_parse_netgsm_date(fields[2]),
            )
            new += received.created
        return new
