"""Inspection reports (tutanak / bilgi formu) of Adana's Derman team (seed 004): findings and photos written
on the phone, signed by name, turned into a PDF attached to the case and sent to the responsible unit.

``write_report`` does it all in one transaction: the photos on the case (internal, their place and time kept),
the report row, the PDF (kentmasa.field.pdf) attached to the case (internal: public=False) on an
"inspection_report" timeline event, and the unit told: the case's assignee, else the unit's managers, by name
(kentmasa.notify.tell, which writes who was told on the timeline), and the unit's own mailbox. The form's id
(a uuid made when it was shown) is kept in the phone's ledger (FieldAction, kind "inspection"), so a report
sent twice is written once.

The signer is the signed-in user; the name and title printed are theirs as they typed them (a title the
directory does not hold), and the report keeps who signed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from kentmasa.cases import access, services
from kentmasa.cases.attachments import add_attachment
from kentmasa.cases.models import Attachment, Case
from kentmasa.cases.services import TransitionError
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.directory.models import User
from kentmasa.field import pdf
from kentmasa.field import photos as field_photos
from kentmasa.field.models import InspectionReport, WorkOrder
from kentmasa.field.opening import claim, finish
from kentmasa.notify.rules import unit_managers
from kentmasa.notify.tell import shown_subject, tell, tell_unit_mailbox

R = User.Role
INSPECTION = "inspection"
EVENT = "inspection_report"
NOTIFY_KIND = "inspection_report"
# Who writes reports: the field crews (the Derman team), unit staff and managers who inspect themselves,
# administrators.
WRITERS = frozenset({R.FIELD_TEAM, R.UNIT_STAFF, R.UNIT_MANAGER, R.ADMINISTRATOR})


def may_write(user: User, case: Case) -> bool:
    return (
        user.is_active
        and (user.is_superuser or user.role in WRITERS)
        and access.can_see(user, case)
        and case.merged_into_id is None
    )


def writable_cases(user: User, case_ids: set[int]) -> set[int]:
    """Of ``case_ids``, the cases ``user`` may write a report on (may_write for many, in one query)."""
    if not case_ids or not user.is_active or not (user.is_superuser or user.role in WRITERS):
        return set()
    visible = access.visible_cases(user).filter(pk__in=case_ids, merged_into__isnull=True)
    return set(visible.values_list("pk", flat=True))


def work_orders_for(user: User, case: Case) -> list[WorkOrder]:
    """The case's work orders a report may belong to: those of the user's teams (all, for unit staff)."""
    orders = case.work_orders.exclude(status=WorkOrder.Status.CANCELLED).select_related("team")
    if user.role == R.FIELD_TEAM:
        orders = orders.filter(team__in=user.teams.all())
    return list(orders.order_by("-created_at", "-pk")[:50])


@dataclass
class Findings:
    client_id: uuid.UUID
    findings: str
    signer_name: str
    inspected_at: dt.datetime
    recommendation: str = ""
    signer_title: str = ""
    place: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    work_order: WorkOrder | None = None
    photos: list[field_photos.Photo] = field(default_factory=list)


def _moment(value: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(value), "d.m.Y H:i")


def _coordinates(latitude: Decimal | None, longitude: Decimal | None) -> str:
    """ "37,001234; 35,321234": decimal commas, as Turkish writes them."""
    if latitude is None or longitude is None:
        return ""
    return "; ".join(f"{value:.6f}".replace(".", ",") for value in (latitude, longitude))


def _address(case: Case) -> str:
    """ "Reşatbey Mah. Atatürk Cad. No:5 Seyhan/Adana", from what the case holds."""
    parts = []
    if case.neighbourhood:
        named = case.neighbourhood.lower().rstrip(".").endswith(("mah", "mahallesi", "köyü"))
        parts.append(case.neighbourhood if named else f"{case.neighbourhood} Mah.")
    if case.street:
        parts.append(case.street)
    if case.building_no:
        parts.append(f"No:{case.building_no}")
    area = "/".join(part for part in (case.district, case.province) if part)
    if area:
        parts.append(area)
    return " ".join(parts) or case.address_text


def _caption(attachment: object) -> str:
    parts = []
    taken_at = getattr(attachment, "taken_at", None)
    if taken_at is not None:
        parts.append(_moment(taken_at))
    latitude, longitude = getattr(attachment, "latitude", None), getattr(attachment, "longitude", None)
    if latitude is not None and longitude is not None:
        source = {"photo": "fotoğrafın konumu", "phone": "telefonun konumu"}.get(
            getattr(attachment, "position_source", ""), ""
        )
        parts.append(_coordinates(latitude, longitude) + (f" ({source})" if source else ""))
    return " · ".join(parts)


def write_report(case: Case, recorded: Findings, *, actor: User) -> tuple[InspectionReport, bool]:
    """Write the report and its PDF, tell the unit: (report, written now). TransitionError: nothing done."""
    if not may_write(actor, case):
        raise TransitionError(_("You may not write an inspection report on this case."), "forbidden")
    if not recorded.findings.strip():
        raise TransitionError(_("Write the findings."), "findings")
    if not recorded.signer_name.strip():
        raise TransitionError(_("Write the name the report is signed with."), "signer_name")
    if recorded.work_order is not None and recorded.work_order.case_id != case.pk:
        raise TransitionError(_("The work order belongs to another case."), "work_order")
    with transaction.atomic():
        done = claim(actor, recorded.client_id, INSPECTION, case=case)
        if done is not None:
            kept = (done.answer or {}).get("report")
            report = InspectionReport.objects.filter(pk=kept).first() if isinstance(kept, int) else None
            if report is None or report.case_id != case.pk:
                raise TransitionError(
                    _("This form was already used for something else; open it again."), "id"
                )
            return report, False
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related("institution", "unit", "category")
            .get(pk=case.pk)
        )
        now = timezone.now()
        count = InspectionReport.objects.filter(case=locked).count() + 1
        report = InspectionReport.objects.create(
            case=locked,
            work_order=recorded.work_order,
            institution=locked.institution,
            inspected_at=recorded.inspected_at,
            place=recorded.place.strip()[:300],
            latitude=recorded.latitude,
            longitude=recorded.longitude,
            findings=recorded.findings.strip(),
            recommendation=recorded.recommendation.strip(),
            sent_to=locked.unit,
            signed_by=actor,
            signer_name=recorded.signer_name.strip()[:200],
            signer_title=recorded.signer_title.strip()[:200],
            signed_at=now,
        )
        tracking = format_tracking_number(locked.tracking_number)
        with translation.override(settings.LANGUAGE_CODE):
            note = _("Inspection report %(number)d by %(name)s, sent to %(unit)s.") % {
                "number": count,
                "name": report.signer_name,
                "unit": locked.unit.name if locked.unit else "—",
            }
        event = services.record_event(
            locked,
            EVENT,
            note=note,
            actor=actor,
            data={"report": report.pk, "work_order": recorded.work_order.pk if recorded.work_order else None},
            now=now,
        )
        stored = field_photos.store(
            locked,
            recorded.photos,
            actor=actor,
            latitude=recorded.latitude,
            longitude=recorded.longitude,
            taken_at=recorded.inspected_at,
            event=event,
        )
        report.photos.set(stored)
        document = pdf.report_pdf(
            pdf.Report(
                institution=locked.institution.name,
                unit=locked.unit.name if locked.unit else "—",
                tracking_number=tracking,
                subject=locked.subject,
                category=locked.category.name if locked.category else "—",
                address=_address(locked) or "—",
                inspected_at=_moment(report.inspected_at),
                place=report.place or "—",
                coordinates=_coordinates(report.latitude, report.longitude),
                findings=report.findings,
                recommendation=report.recommendation,
                signer_name=report.signer_name,
                signer_title=report.signer_title,
                signed_at=_moment(now),
                team=recorded.work_order.team.name if recorded.work_order else "",
                number=str(count),
                photos=[pdf.Photo(_read(a), _caption(a)) for a in stored],
            )
        )
        attachment = add_attachment(
            locked,
            document,
            actor=actor,
            public=False,
            event=event,
            name=f"tutanak-{locked.tracking_number}-{count}.pdf",
        )
        report.pdf = attachment
        report.save(update_fields=["pdf"])
        _tell_the_unit(locked, report, actor=actor, count=count)
        finish(actor, recorded.client_id, case=locked, answer={"report": report.pk})
    return report, True


def _read(attachment: Attachment) -> bytes:
    with attachment.file.open("rb") as handle:
        data: bytes = handle.read()
    return data


def _tell_the_unit(case: Case, report: InspectionReport, *, actor: User, count: int) -> None:
    """The case's assignee, else the unit's managers, by name; and the unit's mailbox."""
    unit = case.unit
    people = [case.assignee] if case.assignee is not None and case.assignee.is_active else unit_managers(unit)
    with translation.override(settings.LANGUAGE_CODE):
        headline = _("Inspection report on a case")
        text = f"{headline}: {case.tracking_display} {shown_subject(case)}"
        link = reverse("cases:detail", args=[case.tracking_number])
        tell(people, NOTIFY_KIND, text, case=case, link=link, actor=actor)
        if unit is not None:
            body = "\n\n".join(
                [
                    _("Case %(number)s: %(subject)s")
                    % {"number": case.tracking_display, "subject": shown_subject(case)},
                    _("Inspection report %(number)d by %(name)s, sent to %(unit)s.")
                    % {"number": count, "name": report.signer_name, "unit": unit.name},
                    _("The report is attached to the case as a PDF."),
                ]
            )
            tell_unit_mailbox(unit, NOTIFY_KIND, text, body, case=case)
