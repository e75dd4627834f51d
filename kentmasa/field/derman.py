"""The Derman loop (seed 004: Adana's "Alo153 Saha Ekibi (Derman)"): an inspection team sent to a case *in
addition to* the unit responsible for it, whose report goes back to that unit with a warning.

An institution names its inspection team in ``InspectionSettings``; then an inspection work order
(``WorkOrder.kind`` "inspection", with its ``reason``) is sent to that team:

* ``sweep`` (a periodic task, kentmasa.field.tasks.derman_sweep) sends one when nobody in the unit has
  acted on a running case for ``idle_percent`` of its standard: the very rule of the silent-unit warning
  (kentmasa.cases.activity: what counts as acting, ``idle_warning_at`` with the Derman share), and on a
  deterministic ``sample_percent`` of the cases resolved in the last week, to verify them;
* ``send_for_citizen_not_solved`` when the citizen says the problem is not solved: ``on_case_event`` calls
  it when a case is reopened by the citizen's own message, the feedback call or the rating page;
* ``send_inspection`` with reason "staff": "Derman'a gönder" on the case page (operators, administrators,
  the feedback operator).

Sending never touches the case's unit, assignee or team: the unit keeps the case and its own crew keeps its
work order. A case has at most one open inspection per reason (a partial unique constraint, so two sweeps at
once send one), and none while the team already has one open on it; the idle sweep sends one per idle
spell (a new action by the unit starts the next), the sample once per case.

``after_report``: the inspection report (kentmasa.field.inspections) records whether the problem was found
solved, not solved or partly solved; a report on an inspection work order completes it and goes to the
unit's managers by name with a warning (notify kind "inspection_warning"); a "not solved" finding on a
resolved or closed case reopens it to the unit (kentmasa.cases.services.reopen, on the timeline).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import (
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Value,
)
from django.db.models.functions import Coalesce, Mod
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kentmasa.cases import activity, services
from kentmasa.cases.models import OPEN_STATUSES, Case, Channel, Event, Status
from kentmasa.cases.services import TransitionError
from kentmasa.directory.models import User
from kentmasa.field.models import InspectionReport, InspectionSettings, WorkOrder
from kentmasa.field.services import NOTE_LIMIT, _tell_team_sent, storable
from kentmasa.notify.rules import institution_administrators, unit_managers
from kentmasa.notify.tell import shown_subject, tell

log = logging.getLogger(__name__)
R = User.Role
Reason = WorkOrder.Reason
Outcome = InspectionReport.Outcome
WARNING_KIND = "inspection_warning"
# Who may send the inspection team by hand: the call centre (operators), administrators and the feedback
# operator; never the unit it inspects.
SENDERS = frozenset({R.OPERATOR, R.ADMINISTRATOR, R.FEEDBACK_OPERATOR})
FINISHED = (Status.RESOLVED, Status.CLOSED)
SAMPLE_WINDOW = dt.timedelta(days=7)
BATCH = 500
# At most this many inspections per institution and sweep; the next sweep (a minute later) carries on.
PER_SWEEP = 200
# Sampled: (id × a prime) mod 100 below the share; every hundred consecutive cases give the share exactly.
SAMPLE_PRIME = 7919
REASON_NOTES = {
    Reason.IDLE: (
        "Derman incelemesi: birim, hizmet standardının %%%(percent)d'i içinde başvuruda işlem yapmadı."
    ),
    Reason.NOT_SOLVED: "Derman incelemesi: vatandaş sorunun çözülmediğini bildirdi.",
    Reason.SAMPLE: "Derman incelemesi: çözüldü denilen başvurunun yerinde doğrulanması (örneklem).",
    Reason.STAFF: "Derman incelemesi: yerinde inceleyin, fotoğraflayın ve tespit tutanağı düzenleyin.",
}


def settings_for(institution_id: int) -> InspectionSettings | None:
    """The institution's Derman settings, when it has an active inspection team."""
    return (
        InspectionSettings.objects.select_related("team__unit")
        .filter(institution_id=institution_id, active=True, team__active=True)
        .first()
    )


def may_send(user: object, case: Case) -> bool:
    """Operators, administrators and feedback operators of the case's institution (a superuser too)."""
    if not isinstance(user, User) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.institution_id == case.institution_id and user.role in SENDERS


def _instructions(reason: str, config: InspectionSettings, note: str) -> str:
    text = REASON_NOTES[Reason(reason)]
    if reason == Reason.IDLE:
        text = text % {"percent": config.idle_percent}
    note = storable(note or "").strip()[:NOTE_LIMIT]
    return f"{text}\n{note}" if note else text


def send_inspection(
    case: Case,
    reason: str,
    *,
    actor: User | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> WorkOrder | None:
    """Send the institution's inspection team to ``case`` beside its unit; the work order, or None when
    there is nothing to send (no active inspection team, a KADES or merged case, a case without a unit, the
    team already has an open work order on it, or an open inspection for this reason exists).

    ``actor`` None is the system (a sweep, the feedback part); a person must be allowed (``may_send``:
    TransitionError otherwise). The case's unit, assignee and team stay as they are.
    """
    if reason not in Reason.values:
        raise TransitionError(_("Unknown reason for an inspection."), "reason")
    now = now or timezone.now()
    if actor is not None and not may_send(actor, case):
        raise TransitionError(_("You may not send the inspection team to this case."), "forbidden")
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        config = settings_for(locked.institution_id)
        if (
            config is None
            or locked.unit_id is None
            or locked.merged_into_id is not None
            or locked.channel == Channel.KADES
        ):
            return None
        busy = WorkOrder.objects.filter(case=locked, team=config.team, status__in=WorkOrder.OPEN)
        if busy.exists():
            return None
        try:
            with transaction.atomic():
                order = WorkOrder.objects.create(
                    case=locked,
                    team=config.team,
                    unit_id=locked.unit_id,
                    institution_id=locked.institution_id,
                    kind=WorkOrder.Kind.INSPECTION,
                    reason=reason,
                    instructions=_instructions(reason, config, note),
                    priority=locked.priority,
                    scheduled_for=timezone.localdate(now),
                    status=WorkOrder.Status.ASSIGNED,
                    status_at=now,
                    created_by=actor,
                    created_at=now,
                )
        except IntegrityError:
            return None  # another sweep or person sent it meanwhile
        with translation.override(settings.LANGUAGE_CODE):
            _tell_team_sent(order, locked, [], timezone.localdate(now))
    return order


def send_for_citizen_not_solved(
    case: Case, *, note: str = "", now: dt.datetime | None = None
) -> WorkOrder | None:
    """The citizen says the problem is not solved (a feedback call, the rating page): the inspection team
    goes to see, when the institution has one and sends it for this (``InspectionSettings.on_not_solved``).
    Reopening the case is the caller's (the feedback part reopens it); this only sends the team."""
    config = settings_for(case.institution_id)
    if config is None or not config.on_not_solved:
        return None
    return send_inspection(case, Reason.NOT_SOLVED, note=note, now=now)


# -- the sweep -----------------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    idle: int = 0
    sample: int = 0

    def __str__(self) -> str:
        return f"idle={self.idle} sample={self.sample}"


def _idle_since(case: Case) -> tuple[dt.datetime, dt.datetime | None]:
    """(since when nobody has acted, when the clock last restarted (a reopening) or None)."""
    restarted = (
        Event.objects.filter(case=case, action="reopen").order_by("-at").values_list("at", flat=True).first()
    )
    since = case.acted_at or case.received_at
    if restarted is not None and restarted > since:
        since = restarted
    return since, restarted


def idle_inspection_due(case: Case, config: InspectionSettings, now: dt.datetime) -> bool:
    """Nobody in the unit has acted on the running ``case`` for the Derman share of its standard: the
    silent-unit warning's rule (kentmasa.cases.activity) at ``config.idle_percent``."""
    if case.status not in OPEN_STATUSES:
        return False
    since, restarted = _idle_since(case)
    moment = activity.idle_warning_at(case, since, start=restarted, share=config.idle_percent / 100)
    if moment is None or moment > now:
        return False
    sent = WorkOrder.objects.filter(
        case=case, kind=WorkOrder.Kind.INSPECTION, reason=Reason.IDLE, created_at__gte=since
    )
    return not sent.exists()


class Epoch(Func):
    """Seconds since 1970 (UTC) of a moment, as a number: the same arithmetic on PostgreSQL and SQLite (whose
    duration arithmetic cannot be nested)."""

    output_field = FloatField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)", **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "((julianday(%(expressions)s) - 2440587.5) * 86400.0)"
        return self.as_sql(compiler, connection, template=template, **extra)


def idle_candidates(config: InspectionSettings, now: dt.datetime):  # type: ignore[no-untyped-def]
    """Running cases of the institution (index case_institution_queue) whose Derman moment may have come.

    ``since + (due − since) × share`` is never later than the true moment (``idle_inspection_due``, whose
    clock may have restarted later than ``since``), so no case due is left out; those with an idle
    inspection sent since their last action are."""
    share = config.idle_percent / 100
    since = Epoch(Coalesce(F("acted_at"), F("received_at")))
    earliest = ExpressionWrapper(
        since + (Epoch(F("due_at")) - since) * Value(share, output_field=FloatField()),
        output_field=FloatField(),
    )
    sent = WorkOrder.objects.filter(
        case=OuterRef("pk"),
        kind=WorkOrder.Kind.INSPECTION,
        reason=Reason.IDLE,
        created_at__gte=Coalesce(OuterRef("acted_at"), OuterRef("received_at")),
    )
    return (
        Case.objects.filter(
            institution_id=config.institution_id,
            status__in=OPEN_STATUSES,
            due_at__isnull=False,
            clock_stopped_at__isnull=True,
            unit__isnull=False,
            merged_into__isnull=True,
        )
        .exclude(channel=Channel.KADES)
        .alias(earliest=earliest)
        .filter(earliest__lte=now.timestamp())
        .exclude(Exists(sent))
    )


def sample_candidates(config: InspectionSettings, now: dt.datetime):  # type: ignore[no-untyped-def]
    """Cases of the institution resolved in the last week that fall in the sample and were not inspected
    for it yet."""
    if config.sample_percent <= 0:
        return Case.objects.none()
    sampled = WorkOrder.objects.filter(
        case=OuterRef("pk"), kind=WorkOrder.Kind.INSPECTION, reason=Reason.SAMPLE
    )
    return (
        Case.objects.filter(
            institution_id=config.institution_id,
            status__in=FINISHED,
            resolved_at__gte=now - SAMPLE_WINDOW,
            resolved_at__lte=now,
            unit__isnull=False,
            merged_into__isnull=True,
        )
        .exclude(channel=Channel.KADES)
        .alias(bucket=Mod(F("id") * SAMPLE_PRIME, 100, output_field=IntegerField()))
        .filter(bucket__lt=config.sample_percent)
        .exclude(Exists(sampled))
    )


def in_sample(case_id: int, percent: int) -> bool:
    """Whether a resolved case falls in a ``percent`` sample (the same arithmetic as the sweep's query)."""
    return (case_id * SAMPLE_PRIME) % 100 < percent


def _ids(queryset, last_id: int) -> list[int]:  # type: ignore[no-untyped-def]
    return list(queryset.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:BATCH])


def sweep(now: dt.datetime | None = None) -> SweepResult:
    """Send the inspections that are due, for every institution with an inspection team. Safe to run any
    number of times, and in several workers at once."""
    now = now or timezone.now()
    result = SweepResult()
    for config in InspectionSettings.objects.filter(active=True, team__active=True).select_related("team"):
        sent = last_id = 0
        candidates = idle_candidates(config, now)
        while sent < PER_SWEEP and (ids := _ids(candidates, last_id)):
            for case in Case.objects.filter(pk__in=ids).select_related("service").order_by("pk"):
                due = sent < PER_SWEEP and idle_inspection_due(case, config, now)
                if due and send_inspection(case, Reason.IDLE, now=now) is not None:
                    sent += 1
                    result.idle += 1
            last_id = ids[-1]
        last_id = 0
        samples = sample_candidates(config, now)
        while sent < PER_SWEEP and (ids := _ids(samples, last_id)):
            for case_id in ids:
                if sent < PER_SWEEP and send_inspection(Case(pk=case_id), Reason.SAMPLE, now=now) is not None:
                    sent += 1
                    result.sample += 1
            last_id = ids[-1]
    return result


# -- the report ----------------------------------------------------------------------------------------------


def after_report(
    report: InspectionReport, outcome: str, *, actor: User, now: dt.datetime | None = None
) -> bool:
    """Record the report's finding and close the loop: an inspection work order the report belongs to is
    completed, the unit's managers are warned by name (an inspection's report, or any finding other than
    "solved"), and "not solved" on a resolved or closed case reopens it to the unit. Returns whether the
    case was reopened. A second call for the same report changes nothing."""
    now = now or timezone.now()
    if outcome and outcome not in Outcome.values:
        raise TransitionError(_("Choose whether the problem is solved."), "outcome")
    with transaction.atomic():
        if not InspectionReport.objects.filter(pk=report.pk, outcome="").update(outcome=outcome or ""):
            return False
        if not outcome:
            outcome = ""
        order = (
            WorkOrder.objects.select_for_update(of=("self",)).filter(pk=report.work_order_id).first()
            if report.work_order_id
            else None
        )
        inspection = order is not None and order.kind == WorkOrder.Kind.INSPECTION
        if order is not None and inspection and order.is_open:
            order.status, order.status_at = WorkOrder.Status.DONE, now
            order.finished_at, order.finished_by = now, actor
            order.report = report.findings[:4000]
            order.save(update_fields=["status", "status_at", "finished_at", "finished_by", "report"])
        case = Case.objects.select_related("unit").get(pk=report.case_id)
        reopened = False
        with translation.override(settings.LANGUAGE_CODE):
            if outcome == Outcome.NOT_SOLVED and case.status in FINISHED:
                note = _(
                    "Inspection report of %(name)s: the problem is not solved. "
                    "The case is open again for %(unit)s."
                ) % {"name": report.signer_name, "unit": case.unit.name if case.unit else "—"}
                case = services.reopen(case, actor=None, note=note, now=now)
                reopened = True
            if inspection or outcome in (Outcome.NOT_SOLVED, Outcome.PARTLY):
                _warn_unit(case, report, outcome, reopened, actor=actor, now=now)
    return reopened


def _warn_unit(
    case: Case, report: InspectionReport, outcome: str, reopened: bool, *, actor: User, now: dt.datetime
) -> None:
    """The unit's managers and the assignee, by name; when none of them (but the actor) can be told, the
    institution's administrators; nobody at all to tell is written on the timeline."""
    found: str = {
        str(Outcome.SOLVED): _("found solved"),
        str(Outcome.NOT_SOLVED): _("found NOT solved"),
        str(Outcome.PARTLY): _("found partly solved"),
    }.get(outcome, _("finding not stated"))
    headline = _("Derman inspection report (%(found)s)") % {"found": found}
    if reopened:
        headline = _("%(headline)s: the case is open again") % {"headline": headline}
    text = f"{headline}: {case.tracking_display} {shown_subject(case)}"
    link = reverse("cases:detail", args=[case.tracking_number]) if case.tracking_number else ""
    people = unit_managers(case.unit)
    if case.assignee_id is not None and case.assignee is not None and case.assignee.is_active:
        people = [*people, case.assignee]
    if not [person for person in people if person.pk != actor.pk]:
        people = [*people, *institution_administrators(case.institution_id)]
    told = tell(people, WARNING_KIND, text, case=case, link=link, actor=actor, now=now)
    if not told:
        services.record_event(
            case,
            "notified",
            note=_("%(headline)s; the unit has no manager to tell.") % {"headline": headline},
            data={"kind": WARNING_KIND, "users": [], "notifications": []},
            now=now,
        )


def on_case_event(sender: object, case: Case, event: Event, **kwargs: Any) -> None:
    """A case reopened because the citizen says it is not solved — their own message within the window
    (cases.services.follow_up, no actor), the feedback call or the rating page (kentmasa.feedback: the
    feedback operator, or no actor) — sends the inspection team (``send_for_citizen_not_solved``). A
    reopening by the inspection's own "not solved" finding (its work order completed at that very moment)
    does not, nor one by other staff. Runs after commit: a failure is logged, the reopening stands."""
    if event.action != "reopen":
        return
    actor = event.actor if event.actor_id is not None else None
    if actor is not None and actor.role != R.FEEDBACK_OPERATOR:
        return
    try:
        own = WorkOrder.objects.filter(
            case_id=case.pk, kind=WorkOrder.Kind.INSPECTION, finished_at=event.at
        ).exists()
        if not own:
            send_for_citizen_not_solved(case, note=event.note, now=event.at)
    except Exception:
        log.exception("Derman: no inspection sent for the reopened case %s", case.pk)
