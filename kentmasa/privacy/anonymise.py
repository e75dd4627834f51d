"""Anonymisation (KVKK m.7): one domain function that reaches everything holding a person.

``anonymise_case`` takes the person out of one case; ``anonymise_citizen`` out of a citizen record and every
case of it. Both are what an erasure request (kentmasa.privacy, kvkk-dsr) and the periodic destruction run
(kentmasa.privacy.retention) call; nothing else blanks personal data.

What a case keeps is what statistics need: its kind, channel, status, dates, deadlines, category, service,
unit, team, institution, il/ilçe/mahalle, priority and escalation level, and its events' actions and
times. What it loses:

- the citizen link (the record itself is blanked once no case of it is left un-anonymised);
- its texts (subject, description, resolution, rejection reason) with names, phone numbers, TC kimlik
  numbers and e-mail addresses replaced; the street, building and address line; the point, rounded to two
  decimals (about a kilometre: the map's mahalle counts stay, the house does not);
- its search text, rebuilt from what is left;
- the timeline's notes and event data (the open event's "contacts", reply texts, the desk's identity record);
- its channel messages: the other party's address, texts, provider ids (a WhatsApp id carries the number)
  and raw payloads (``Message.data`` keeps only technical keys);
- its attachments: files deleted from storage after the commit and rows deleted (a photo of a work order
  goes with its row; the attachment count stays in the summary and on the timeline event), among them the
  original e-mails (message/rfc822) the e-mail channel keeps;
- feedback calls' address and note, field work orders' instructions and reports, inspection reports'
  place and texts, the phone's action answers, the information request's applicant data, texts and its
  answer letter (the generated PDF is deleted), objections' notes, KADES/155 incident person fields,
  approvals' notes, and staff notifications and live events about the case.

Exports (reports, Open311 lists) are generated on request and never stored, so nothing of them is left to
delete: the table :data:`HANDLED` and :data:`EXEMPT` name every text field of every model, and a test fails
when a new one is neither.

Idempotent: a case already anonymised is only scrubbed again (new events since would be reached) and no
second timeline event is written. One transaction per case; files are deleted after it commits. Sends
nothing: the timeline event is a private comment, and a case with no contacts left has nobody to answer.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from kentmasa.cases import services
from kentmasa.cases.models import Attachment, Case, Citizen, Event, PhoneCode
from kentmasa.channels.models import IncomingCall, Message
from kentmasa.directory.models import User
from kentmasa.emergency.models import Incident
from kentmasa.feedback.models import FeedbackCall
from kentmasa.field.models import FieldAction, InspectionReport, WorkOrder
from kentmasa.foi.models import FoiRequest, Objection
from kentmasa.lib import phones
from kentmasa.notify.models import Approval, LiveEvent, Notification
from kentmasa.privacy.models import DataSubjectRequest
from kentmasa.routing.models import RoutingFlag

log = logging.getLogger(__name__)

# The mark of the timeline event that says a case was anonymised (data={"kvkk": MARK}).
MARK = "anonymised"
NAME = "[ad]"
PHONE = "[telefon]"
EMAIL = "[e-posta]"
TC = "[TC]"

# Keys of JSON data (event data, message payloads, the phone's answers) whose values are the person's:
# removed whole, wherever they appear in the tree.
PERSONAL_KEYS = frozenset(
    {
        "contacts",
        "sms",
        "email",
        "phone",
        "mobile",
        "name",
        "first_name",
        "address",
        "address_text",
        "street",
        "building_no",
        "tc_kimlik",
        "citizen_name",
        "citizen_phone",
        "citizen_tc_kimlik",
        "envelope_from",
        "from",
        "to",
        "user_id",
        "changed_number",
        "location",
        "latitude",
        "longitude",
        "tweet_text",
        "text",
        "body",
        "raw",
        "payload",
        "description",
        "subject",
        "attachments",
        "message_id",
        "in_reply_to",
        "edits",
        "context",
        "signature",
    }
)

# What the live stream and the timeline carry as texts (the case's subject, a note): scrubbed, not removed.
TEXT_KEYS = frozenset({"text", "body", "subject", "description", "note"})
CONTACT_KEYS = PERSONAL_KEYS - TEXT_KEYS

_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# A run of digits (with the spaces, dots, dashes and brackets people write numbers with) of 10 to 13 digits:
# a phone number in any form, a TC kimlik no, a WhatsApp id. Dates and times have fewer digits per run.
_DIGITS_RE = re.compile(r"(?<![\w])\+?\(?\d[\d ().-]{8,20}\d(?![\w])")
_VARIANTS = {
    "i": "iİıI",
    "ı": "iİıI",
    "ş": "şŞsS",
    "s": "sSşŞ",
    "ç": "çÇcC",
    "c": "cCçÇ",
    "ğ": "ğĞgG",
    "g": "gGğĞ",
    "ü": "üÜuU",
    "u": "uUüÜ",
    "ö": "öÖoO",
    "o": "oOöÖ",
}


def _lower(char: str) -> str:
    return {"I": "ı", "İ": "i"}.get(char, char.lower())


def _word_pattern(word: str) -> str:
    parts = []
    for char in word:
        low = _lower(char)
        variants = _VARIANTS.get(low, low + low.upper())
        parts.append("[" + re.escape(variants) + "]")
    return "".join(parts)


@dataclass
class Known:
    """What is known of the person: the values replaced wherever they appear, besides any e-mail address
    or long digit run."""

    names: set[str] = field(default_factory=set)
    values: set[str] = field(default_factory=set)  # e-mails, numbers in every written form, ids

    def add_name(self, name: str | None) -> None:
        for word in re.split(r"[\s,.;:()\"'/-]+", name or ""):
            if len(word) >= 3 and not word.isdigit():
                self.names.add(word)

    def add_value(self, value: str | None) -> None:
        value = (value or "").strip()
        if len(value) < 5:
            return
        self.values.add(value)
        if value.startswith("+"):
            national = "".join(ch for ch in phones.display(value) if ch.isdigit())
            self.values.update({national, national.lstrip("0"), value[1:]})

    def pattern(self) -> re.Pattern[str] | None:
        alternatives = [re.escape(value) for value in sorted(self.values, key=len, reverse=True)]
        alternatives += [
            r"\b" + _word_pattern(name) + r"\b" for name in sorted(self.names, key=len, reverse=True)
        ]
        return re.compile("|".join(alternatives)) if alternatives else None


class Scrubber:
    """Replaces the person's data in texts and JSON: known values, every e-mail address, every long number."""

    def __init__(self, known: Known) -> None:
        self.known = known
        self._pattern = known.pattern()

    def text(self, text: str | None) -> str:
        if not text:
            return ""
        if self._pattern is not None:
            text = self._pattern.sub(self._known_replacement, text)
        text = _EMAIL_RE.sub(EMAIL, text)
        return _DIGITS_RE.sub(_number_replacement, text)

    def _known_replacement(self, match: re.Match) -> str:
        found: str = match.group(0)
        if "@" in found:
            return EMAIL
        if found.isdigit() and len(found) == 11 and found[0] != "0":
            return TC
        if any(ch.isdigit() for ch in found):
            return PHONE
        return NAME

    def data(self, value: Any, drop: frozenset[str] = PERSONAL_KEYS) -> Any:
        """JSON with the keys in ``drop`` removed wherever they are and every string scrubbed."""
        if isinstance(value, dict):
            return {key: self.data(item, drop) for key, item in value.items() if key not in drop}
        if isinstance(value, list):
            return [self.data(item, drop) for item in value]
        if isinstance(value, str):
            return self.text(value)
        return value


def _number_replacement(match: re.Match) -> str:
    found: str = match.group(0)
    digits = re.sub(r"\D", "", found)
    if not 10 <= len(digits) <= 13:
        return found
    if re.fullmatch(r"\(?[1-46-9]\d{9}\)?", found):
        return found  # ten digits run together, not a mobile nor 0-led: a tracking number ("2600000014")
    return TC if len(digits) == 11 and digits[0] != "0" else PHONE


@dataclass
class Summary:
    """What an anonymisation touched: rows changed per "model.field", files deleted, cases and citizens.

    Files are deleted after the commit, so their counts and errors arrive late: a merged summary reads
    them from the summaries it merged whenever it is asked."""

    cases: int = 0
    already: int = 0  # cases anonymised before (scrubbed again, no second event)
    citizens: int = 0
    fields: Counter[str] = field(default_factory=Counter)
    attachments_deleted: int = 0
    own_files_deleted: int = 0
    own_bytes_deleted: int = 0
    own_errors: list[str] = field(default_factory=list)
    parts: list[Summary] = field(default_factory=list, repr=False)

    @property
    def files_deleted(self) -> int:
        return self.own_files_deleted + sum(part.files_deleted for part in self.parts)

    @property
    def bytes_deleted(self) -> int:
        return self.own_bytes_deleted + sum(part.bytes_deleted for part in self.parts)

    @property
    def errors(self) -> list[str]:
        return self.own_errors + [error for part in self.parts for error in part.errors]

    def merge(self, other: Summary) -> Summary:
        self.cases += other.cases
        self.already += other.already
        self.citizens += other.citizens
        self.fields.update(other.fields)
        self.attachments_deleted += other.attachments_deleted
        self.parts.append(other)
        return self

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "already": self.already,
            "citizens": self.citizens,
            "attachments_deleted": self.attachments_deleted,
            "files_deleted": self.files_deleted,
            "bytes_deleted": self.bytes_deleted,
            "fields": dict(sorted(self.fields.items())),
            "errors": self.errors,
        }


def is_anonymised(case: Case | int) -> bool:
    case_id = case.pk if isinstance(case, Case) else case
    return Event.objects.filter(case_id=case_id, action="comment", data__kvkk=MARK).exists()


# -- the model fields each step reaches (the registry the completeness test reads) -----------------------

HANDLED: dict[str, set[str]] = {
    "cases.Citizen": {"name", "tc_kimlik", "phone", "email", "address", "name_key"},
    "cases.Case": {
        "subject",
        "description",
        "street",
        "building_no",
        "address_text",
        "resolution",
        "rejection_reason",
        "search_text",
        "latitude",
        "longitude",
    },
    "cases.Event": {"note", "data"},
    "cases.Attachment": {"file", "original_name", "sha256", "content_type", "latitude", "longitude"},
    "cases.PhoneCode": {"phone"},
    "channels.Message": {"address", "external_id", "thread_key", "subject", "body", "last_error", "data"},
    "channels.IncomingCall": {"caller_phone", "call_id"},
    "emergency.Incident": {"person_tc_kimlik", "person_name", "person_phone"},
    "feedback.FeedbackCall": {"address", "note"},
    "field.WorkOrder": {"instructions", "report", "cancel_reason", "arrived_latitude", "arrived_longitude"},
    "field.FieldAction": {"answer"},
    "field.InspectionReport": {"place", "findings", "recommendation", "latitude", "longitude"},
    "foi.FoiRequest": {
        "legal_title",
        "signatory_authority",
        "extension_reason",
        "opinion_from",
        "answer",
        "withheld",
        "letter",
        "missing",
    },
    "foi.Objection": {"followed"},
    "notify.Notification": {"text", "body"},
    "notify.Approval": {"params", "decision_note"},
    "notify.LiveEvent": {"data"},
    "routing.RoutingFlag": {"place", "reason"},
    "privacy.DataSubjectRequest": {"subject_tc", "identity_document", "answer", "decisions"},
}


def _round(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def _changed(summary: Summary, label: str, obj: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``values`` that differ from ``obj``'s, counted in the summary under "label.field"."""
    changes = {name: value for name, value in values.items() if getattr(obj, name) != value}
    for name in changes:
        summary.fields[f"{label}.{name}"] += 1
    return changes


def _update(summary: Summary, label: str, obj: Any, values: dict[str, Any]) -> None:
    changes = _changed(summary, label, obj, values)
    if changes:
        type(obj).objects.filter(pk=obj.pk).update(**changes)
        for name, value in changes.items():
            setattr(obj, name, value)


def _known_for(case: Case) -> Known:
    known = Known()
    citizen = case.citizen
    if citizen is not None:
        known.add_name(citizen.name)
        for value in (citizen.tc_kimlik, citizen.phone, citizen.email):
            known.add_value(value)
    opened = Event.objects.filter(case=case, action="open").only("data").first()
    for value in ((opened.data or {}).get("contacts") or {}).values() if opened else ():
        known.add_value(str(value))
    for address in Message.objects.filter(case=case).exclude(address="").values_list("address", flat=True):
        known.add_value(address)
    incident = Incident.objects.filter(case=case).first()
    if incident is not None:
        known.add_name(incident.person_name)
        known.add_value(incident.person_phone)
        known.add_value(incident.person_tc_kimlik)
    for address in (
        FeedbackCall.objects.filter(case=case).exclude(address="").values_list("address", flat=True)
    ):
        known.add_value(address)
    return known


def anonymise_case(case: Case, *, by: User | None = None, reason: str) -> Summary:
    """Take the person out of one case (see the module). One transaction; the case's files are deleted after
    it commits. A citizen record left with no case that is not anonymised is blanked too."""
    summary = Summary()
    files: list[tuple[Any, str, int]] = []
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).select_related("citizen").get(pk=case.pk)
        known = _known_for(locked)
        already = is_anonymised(locked)
        scrub = Scrubber(known)
        citizen = locked.citizen
        _scrub_case(locked, scrub, summary, files)
        _mark_anonymised(locked)
        if already:
            summary.already += 1
        else:
            summary.cases += 1
            services.comment(
                locked,
                actor=by,
                note=_("Personal data anonymised. Reason: %(reason)s")
                % {"reason": scrub.text(reason.strip())[:500] or "-"},
                public=False,
                data={"kvkk": MARK},
            )
        if citizen is not None and not _has_other_cases(citizen, locked):
            summary.merge(_blank_citizen(citizen, scrub))
    transaction.on_commit(lambda: _delete_files(files, summary))
    return summary


def _mark_anonymised(case: Case) -> None:
    """The destruction run's ledger (privacy.CaseDestruction): this case's personal data is gone."""
    from kentmasa.privacy.models import CaseDestruction

    row, _created = CaseDestruction.objects.get_or_create(case_id=case.pk)
    if row.anonymised_at is None:
        CaseDestruction.objects.filter(pk=row.pk).update(anonymised_at=timezone.now())


def anonymise_citizen(citizen: Citizen, *, by: User | None = None, reason: str) -> Summary:
    """Take the person out of a citizen record and every case of it (one transaction per case)."""
    summary = Summary()
    for pk in list(Case.objects.filter(citizen=citizen).order_by("pk").values_list("pk", flat=True)):
        summary.merge(anonymise_case(Case(pk=pk), by=by, reason=reason))
    fresh = Citizen.objects.filter(pk=citizen.pk).first()
    if fresh is not None:
        with transaction.atomic():
            known = Known()
            known.add_name(fresh.name)
            for value in (fresh.tc_kimlik, fresh.phone, fresh.email):
                known.add_value(value)
            summary.merge(_blank_citizen(fresh, Scrubber(known)))
    return summary


def _has_other_cases(citizen: Citizen, case: Case) -> bool:
    """Whether a case of the record other than ``case`` still holds the person (not anonymised)."""
    others = Case.objects.filter(citizen=citizen).exclude(pk=case.pk)
    return others.exclude(
        pk__in=Event.objects.filter(case__citizen=citizen, action="comment", data__kvkk=MARK).values(
            "case_id"
        )
    ).exists()


def _blank_citizen(citizen: Citizen, scrub: Scrubber) -> Summary:
    """Blank the record itself, the codes sent to its phone and the exchange's last call from it; messages
    without a case from its addresses (ignored mail, bounces) lose their address and texts."""
    summary = Summary()
    phone, email = citizen.phone, citizen.email
    values = {
        "name": "",
        "tc_kimlik": None,
        "phone": "",
        "email": "",
        "address": "",
        "tc_kimlik_verified": False,
        "phone_verified": False,
        "email_verified": False,
        "name_key": "",
    }
    changes = _changed(summary, "cases.Citizen", citizen, values)
    if changes:
        Citizen.objects.filter(pk=citizen.pk).update(**changes)
        for name, value in changes.items():
            setattr(citizen, name, value)
        summary.citizens += 1
    if phone:
        codes, _by_model = PhoneCode.objects.filter(
            institution_id=citizen.institution_id, phone=phone
        ).delete()
        summary.fields["cases.PhoneCode.phone"] += codes
        calls = IncomingCall.objects.filter(institution_id=citizen.institution_id, caller_phone=phone).update(
            caller_phone="", call_id=""
        )
        summary.fields["channels.IncomingCall.caller_phone"] += calls
    addresses = [value for value in (phone, email) if value]
    if addresses:
        loose = Message.objects.filter(
            institution_id=citizen.institution_id, case__isnull=True, address__in=addresses
        )
        for message in loose:
            _scrub_message(message, scrub, summary)
    return summary


def _scrub_case(case: Case, scrub: Scrubber, summary: Summary, files: list) -> None:
    _update(
        summary,
        "cases.Case",
        case,
        {
            "subject": scrub.text(case.subject)[:200],
            "description": scrub.text(case.description),
            "street": "",
            "building_no": "",
            "address_text": "",
            "resolution": scrub.text(case.resolution),
            "rejection_reason": scrub.text(case.rejection_reason),
            "latitude": _round(case.latitude),
            "longitude": _round(case.longitude),
        },
    )
    if case.citizen_id is not None:
        Case.objects.filter(pk=case.pk).update(citizen=None)
        summary.fields["cases.Case.citizen"] += 1
        case.citizen = None
    _update(summary, "cases.Case", case, {"search_text": case.build_search_text()})
    for event in Event.objects.filter(case=case):
        _update(
            summary,
            "cases.Event",
            event,
            {"note": scrub.text(event.note), "data": scrub.data(event.data, CONTACT_KEYS)},
        )
    for message in Message.objects.filter(case=case):
        _scrub_message(message, scrub, summary)
    for attachment in Attachment.objects.filter(case=case):
        if attachment.file:
            files.append((attachment.file.storage, attachment.file.name, attachment.size))
        summary.attachments_deleted += 1
        summary.fields["cases.Attachment.file"] += 1
    Attachment.objects.filter(case=case).delete()
    for incident in Incident.objects.filter(case=case):
        _update(
            summary,
            "emergency.Incident",
            incident,
            {"person_tc_kimlik": "", "person_name": "", "person_phone": ""},
        )
    for call in FeedbackCall.objects.filter(case=case):
        _update(summary, "feedback.FeedbackCall", call, {"address": "", "note": scrub.text(call.note)})
    for order in WorkOrder.objects.filter(case=case):
        _update(
            summary,
            "field.WorkOrder",
            order,
            {
                "instructions": scrub.text(order.instructions),
                "report": scrub.text(order.report),
                "cancel_reason": scrub.text(order.cancel_reason)[:200],
                "arrived_latitude": _round(order.arrived_latitude),
                "arrived_longitude": _round(order.arrived_longitude),
            },
        )
    for action in FieldAction.objects.filter(case=case):
        _update(summary, "field.FieldAction", action, {"answer": scrub.data(action.answer)})
    for report in InspectionReport.objects.filter(case=case):
        _update(
            summary,
            "field.InspectionReport",
            report,
            {
                "place": "",
                "findings": scrub.text(report.findings),
                "recommendation": scrub.text(report.recommendation),
                "latitude": _round(report.latitude),
                "longitude": _round(report.longitude),
            },
        )
    for foi in FoiRequest.objects.filter(case=case):
        if foi.letter:
            files.append((foi.letter.storage, foi.letter.name, 0))
        _update(
            summary,
            "foi.FoiRequest",
            foi,
            {
                "legal_title": "",
                "signatory_authority": "",
                "extension_reason": scrub.text(foi.extension_reason),
                "opinion_from": scrub.text(foi.opinion_from)[:300],
                "answer": scrub.text(foi.answer),
                "withheld": scrub.text(foi.withheld),
                "letter": "",
                "missing": scrub.data(foi.missing),
            },
        )
        for objection in Objection.objects.filter(request=foi):
            _update(summary, "foi.Objection", objection, {"followed": scrub.text(objection.followed)})
    for notification in Notification.objects.filter(case=case):
        _update(
            summary,
            "notify.Notification",
            notification,
            {"text": scrub.text(notification.text)[:300], "body": scrub.text(notification.body)},
        )
    for approval in Approval.objects.filter(case=case):
        _update(
            summary,
            "notify.Approval",
            approval,
            {"params": scrub.data(approval.params), "decision_note": scrub.text(approval.decision_note)},
        )
    for application in DataSubjectRequest.objects.filter(case=case):
        _update(
            summary,
            "privacy.DataSubjectRequest",
            application,
            {
                "subject_tc": "",
                "identity_document": "",
                "answer": scrub.text(application.answer),
                "decisions": scrub.data(application.decisions, CONTACT_KEYS),
            },
        )
    for flag in RoutingFlag.objects.filter(case=case):
        _update(summary, "routing.RoutingFlag", flag, {"place": "", "reason": scrub.text(flag.reason)})
    for live in LiveEvent.objects.filter(case_id=case.pk):
        _update(summary, "notify.LiveEvent", live, {"data": scrub.data(live.data, CONTACT_KEYS)})


def _scrub_message(message: Message, scrub: Scrubber, summary: Summary) -> None:
    external = message.external_id
    if external and not external.startswith("anon-"):
        external = "anon-" + salted_hmac("kentmasa.privacy.anonymise", external).hexdigest()[:40]
    _update(
        summary,
        "channels.Message",
        message,
        {
            "address": "",
            "external_id": external,
            "thread_key": "",
            "subject": scrub.text(message.subject)[:300],
            "body": scrub.text(message.body),
            "last_error": scrub.text(message.last_error),
            "data": scrub.data(message.data),
        },
    )


def _delete_files(files: list[tuple[Any, str, int]], summary: Summary) -> None:
    """After the commit: delete the files the rows named (already gone is no error)."""
    for storage, name, size in files:
        try:
            if name and storage.exists(name):
                storage.delete(name)
                summary.own_files_deleted += 1
                summary.own_bytes_deleted += int(size or 0)
        except OSError as error:
            log.warning("anonymise: could not delete %s: %s", name, error)
            summary.own_errors.append(
                _("Could not delete a file: %(error)s") % {"error": type(error).__name__}
            )
