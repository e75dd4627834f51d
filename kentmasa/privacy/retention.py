"""The periodic destruction run (KVKK m.7; the regulation on deletion, destruction and anonymisation, art. 11:
at intervals of at most six months) and its dry run.

Each institution's administrator sets how long each category of personal data is kept (RetentionPolicy;
defaults below) and how often the run comes (DestructionSchedule, 1–6 months). ``destroy_due``, in the
periodic task list, runs each institution whose run is due; ``manage.py kvkk_destroy`` runs it by hand, and
``--dry-run`` (or the button on /kvkk/saklama/) shows what would go and changes nothing.

A run, per category, writes one destruction record (kentmasa.retention.DestructionRecord), even when nothing
was due:

- **case_data**: cases finished (closed, else resolved, else last changed in a final status) more than the
  period ago are anonymised (kentmasa.privacy.anonymise: the person goes, statistics stay);
- **attachments**: such cases' files are deleted (rows removed);
- **raw_messages**: such cases' original e-mails (message/rfc822) are deleted and their messages' raw
  payloads emptied of everything but technical keys;
- **call_recordings**: kentmasa stores none today; the record says so;
- **team_positions**: positions older than KENTMASA_TEAM_POSITION_KEEP_HOURS (pruned hourly by
  kentmasa.emergency.teams; the run deletes what is left and records it);
- **plate_reads** and **footage**: their own purges (kentmasa.emergency.pts, kentmasa.emergency.footage),
  run now and writing their own records, on their own settings (the directorate's days; each camera's).

Held cases are never touched and each is listed in the record's ``kept`` with the reason: cases still open,
an information request (Law 4982) in progress, a legal hold (CaseHold), a case merged into an open one, and
whatever other apps register with :func:`register_hold` (e.g. a data-subject request in progress).

Several workers: the institution's DestructionSchedule row is the claim (locked, skip-locked on PostgreSQL;
``last_run_at`` written and committed before anything is destroyed). Work is bounded: cases in batches of
:data:`BATCH` by primary key, one transaction per case for anonymisation.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kentmasa.cases.models import ACTIVE_STATUSES, Attachment, Case
from kentmasa.channels.models import Message
from kentmasa.directory.models import Institution, TeamPosition, User
from kentmasa.emergency import footage, pts
from kentmasa.emergency.models import Camera, DispatchSettings, PlateRead
from kentmasa.foi.models import OPEN_STAGES, FoiRequest
from kentmasa.notify.tell import tell
from kentmasa.privacy import anonymise
from kentmasa.privacy.models import (
    CaseDestruction,
    CaseHold,
    DataCategory,
    DataSubjectRequest,
    DestructionSchedule,
    PersonLink,
    RetentionPolicy,
)
from kentmasa.privacy.requests import officers
from kentmasa.retention import records
from kentmasa.retention.models import DestructionRecord

log = logging.getLogger(__name__)

BATCH = 500
RAW_EMAIL = "message/rfc822"

# Defaults (days) until the administrator sets a period. They are starting points, not law: no statute sets
# how long a municipality keeps a closed request's personal data; the institution decides in its retention
# and destruction policy (saklama ve imha politikası) with its file plan. See the README's KVKK page.
DEFAULT_DAYS: dict[str, int] = {
    DataCategory.CASE_DATA: 5 * 365,
    DataCategory.ATTACHMENTS: 2 * 365,
    DataCategory.RAW_MESSAGES: 365,
    DataCategory.CALL_RECORDINGS: 90,
}
# Categories whose period lives elsewhere (one truth): shown on the page, not in RetentionPolicy.
ELSEWHERE = (DataCategory.TEAM_POSITIONS, DataCategory.PLATE_READS, DataCategory.FOOTAGE)

# Other apps' holds: a function from case ids to {case id: reason}. kentmasa.privacy's data-subject requests
# register theirs (a case under a request in progress is kept).
HoldSource = Callable[[list[int]], dict[int, str]]
_HOLD_SOURCES: list[HoldSource] = []


def register_hold(source: HoldSource) -> HoldSource:
    """Register a function naming which of the given case ids are held, and why (usable as a decorator)."""
    if source not in _HOLD_SOURCES:
        _HOLD_SOURCES.append(source)
    return source


class RetentionError(ValueError):
    """A period or interval the law or common sense refuses; the message is for the administrator."""


# -- policy ------------------------------------------------------------------------------------------


def keep_days(institution: Institution | int) -> dict[str, int]:
    """The days each policy category is kept, the institution's own or the default."""
    institution_id = institution if isinstance(institution, int) else institution.pk
    days = dict(DEFAULT_DAYS)
    for category, value in RetentionPolicy.objects.filter(institution_id=institution_id).values_list(
        "category", "keep_days"
    ):
        if category in days:
            days[category] = value
    return days


def set_keep_days(institution: Institution, category: str, days: int, *, by: User | None = None) -> None:
    """Set a category's period. Plate reads' days are the dispatch settings' (one truth)."""
    from kentmasa.privacy.models.retention import MAX_KEEP_DAYS

    if not 1 <= days <= MAX_KEEP_DAYS:
        raise RetentionError(_("A period is between 1 and %(max)d days.") % {"max": MAX_KEEP_DAYS})
    if category == DataCategory.PLATE_READS:
        if days > 32767:
            raise RetentionError(_("A period is between 1 and %(max)d days.") % {"max": 32767})
        pts.settings_for(institution)
        DispatchSettings.objects.filter(institution=institution).update(plate_read_retention_days=days)
        return
    if category not in DEFAULT_DAYS:
        raise RetentionError(_("This category's period is not set here."))
    RetentionPolicy.objects.update_or_create(
        institution=institution, category=category, defaults={"keep_days": days, "updated_by": by}
    )


def schedule_for(institution: Institution | int, now: dt.datetime | None = None) -> DestructionSchedule:
    """The institution's schedule. A new one starts now: the first run comes one interval later (six months
    by default), so that an upgraded installation does not destroy years of data before its administrators
    have set the periods and looked at the dry run (``kvkk_destroy`` runs it earlier by hand)."""
    institution_id = institution if isinstance(institution, int) else institution.pk
    found, _created = DestructionSchedule.objects.get_or_create(
        institution_id=institution_id, defaults={"last_run_at": now or timezone.now()}
    )
    return found


def set_interval(institution: Institution, months: int, *, by: User | None = None) -> DestructionSchedule:
    """How often the run comes: 1 to 6 months (art. 11 of the regulation: at most six)."""
    from kentmasa.privacy.models.retention import MAX_INTERVAL_MONTHS

    if not 1 <= months <= MAX_INTERVAL_MONTHS:
        raise RetentionError(
            _("The destruction run must come at least every %(max)d months (1 to %(max)d).")
            % {"max": MAX_INTERVAL_MONTHS}
        )
    schedule = schedule_for(institution)
    DestructionSchedule.objects.filter(pk=schedule.pk).update(interval_months=months, updated_by=by)
    schedule.refresh_from_db()
    return schedule


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def next_run(schedule: DestructionSchedule) -> dt.datetime | None:
    """When the run is due next: an interval after the last run (or after the schedule began)."""
    if schedule.last_run_at is None:
        return None
    return add_months(schedule.last_run_at, schedule.interval_months)


def is_due(schedule: DestructionSchedule, now: dt.datetime) -> bool:
    due = next_run(schedule)
    return due is None or due <= now


# -- what is due ------------------------------------------------------------------------------------

_STEP_FIELD: dict[str, str] = {
    DataCategory.CASE_DATA: "anonymised_at",
    DataCategory.ATTACHMENTS: "attachments_at",
    DataCategory.RAW_MESSAGES: "raw_at",
}


def finished_cases(institution_id: int, cutoff: dt.datetime, category: str) -> QuerySet[Case]:
    """Cases of the institution finished before ``cutoff`` that ``category``'s step has not reached.

    Finished: in a final status, at its closing time, else its resolution time, else its last change. Only
    cases received before the cutoff can be (the index case_institution_recent narrows the scan)."""
    step = _STEP_FIELD[category]
    done = CaseDestruction.objects.filter(case=OuterRef("pk"), **{f"{step}__isnull": False})
    return (
        Case.objects.filter(institution_id=institution_id, received_at__lt=cutoff)
        .exclude(status__in=ACTIVE_STATUSES)
        .annotate(finished=Coalesce("closed_at", "resolved_at", "updated_at"))
        .filter(finished__lt=cutoff)
        .exclude(Exists(done))
    )


def holds(case_ids: list[int], *, besides: int | None = None) -> dict[int, str]:
    """Which of these cases are held, and why. ``besides``: a KVKK application that does not hold its own
    person's cases (the erasure it asks for runs while it is still open)."""
    held: dict[int, str] = {}
    if not case_ids:
        return held
    for case_id, reason in CaseHold.objects.filter(case_id__in=case_ids, lifted_at__isnull=True).values_list(
        "case_id", "reason"
    ):
        held.setdefault(case_id, _("Legal hold: %(reason)s") % {"reason": reason})
    for case_id in FoiRequest.objects.filter(case_id__in=case_ids, stage__in=OPEN_STAGES).values_list(
        "case_id", flat=True
    ):
        held.setdefault(case_id, _("Information request (Law 4982) in progress"))
    pending = DataSubjectRequest.objects.filter(answered_at__isnull=True)
    if besides is not None:
        pending = pending.exclude(pk=besides)
    people = Q(citizen__in=pending.values("subject_id")) | Q(
        citizen__in=PersonLink.objects.filter(request__in=pending).values("citizen_id")
    )
    for case_id in Case.objects.filter(people, pk__in=case_ids).values_list("pk", flat=True):
        held.setdefault(case_id, _("A KVKK application of the person is in progress"))
    merged = Case.objects.filter(pk__in=case_ids, merged_into__status__in=ACTIVE_STATUSES)
    for case_id in merged.values_list("pk", flat=True):
        held.setdefault(case_id, _("Merged into a case still open"))
    for source in _HOLD_SOURCES:
        for case_id, reason in source(case_ids).items():
            held.setdefault(case_id, reason)
    return held


def _batches(institution_id: int, cutoff: dt.datetime, category: str) -> Iterable[list[Case]]:
    last = 0
    while True:
        batch = list(
            finished_cases(institution_id, cutoff, category)
            .filter(pk__gt=last)
            .only("pk", "tracking_number", "received_at", "closed_at", "resolved_at", "updated_at")
            .order_by("pk")[:BATCH]
        )
        if not batch:
            return
        last = batch[-1].pk
        yield batch


@dataclass
class Planned:
    """One category in a dry run: what would go (count, oldest, newest), what would be kept."""

    category: str
    label: str
    days: int | None
    count: int = 0
    oldest: dt.datetime | None = None
    newest: dt.datetime | None = None
    kept: int = 0
    note: str = ""
    bytes: int = 0


def plan(institution: Institution, now: dt.datetime | None = None) -> list[Planned]:
    """The dry run: per category, what a run now would destroy. Changes nothing."""
    now = now or timezone.now()
    days = keep_days(institution)
    out: list[Planned] = []
    for category in (DataCategory.CASE_DATA, DataCategory.ATTACHMENTS, DataCategory.RAW_MESSAGES):
        cutoff = now - dt.timedelta(days=days[category])
        row = Planned(category, str(DataCategory(category).label), days[category])
        for batch in _batches(institution.pk, cutoff, category):
            held = holds([case.pk for case in batch])
            free = [case for case in batch if case.pk not in held]
            row.kept += len(held)
            if category == DataCategory.CASE_DATA:
                row.count += len(free)
                dates = [case.finished for case in free]  # type: ignore[attr-defined]
            else:
                files = Attachment.objects.filter(case__in=free)
                if category == DataCategory.RAW_MESSAGES:
                    files = files.filter(content_type=RAW_EMAIL)
                figures = files.aggregate(n=Count("pk"), size=Sum("size"))
                row.count += int(figures["n"] or 0)
                row.bytes += int(figures["size"] or 0)
                if category == DataCategory.RAW_MESSAGES:
                    row.count += Message.objects.filter(case__in=free).exclude(data={}).count()
                dates = [case.finished for case in free]  # type: ignore[attr-defined]
            if dates:
                row.oldest = min([row.oldest, *dates]) if row.oldest else min(dates)
                row.newest = max([row.newest, *dates]) if row.newest else max(dates)
        out.append(row)
    out.append(
        Planned(
            DataCategory.CALL_RECORDINGS,
            str(DataCategory.CALL_RECORDINGS.label),
            days[DataCategory.CALL_RECORDINGS],
            note=_("kentmasa stores no call recordings."),
        )
    )
    hours = settings.KENTMASA_TEAM_POSITION_KEEP_HOURS
    positions = TeamPosition.objects.filter(
        team__unit__institution=institution, at__lt=now - dt.timedelta(hours=hours)
    )
    figures = positions.aggregate(oldest=Min("at"), newest=Max("at"))
    out.append(
        Planned(
            DataCategory.TEAM_POSITIONS,
            str(DataCategory.TEAM_POSITIONS.label),
            None,
            count=positions.count(),
            oldest=figures["oldest"],
            newest=figures["newest"],
            note=_("Kept %(hours)d hours (KENTMASA_TEAM_POSITION_KEEP_HOURS), pruned every hour.")
            % {"hours": hours},
        )
    )
    dispatch = DispatchSettings.objects.filter(institution=institution).first()
    if dispatch is not None:
        reads = PlateRead.objects.filter(
            institution=institution, at__lt=now - dt.timedelta(days=dispatch.plate_read_retention_days)
        )
        figures = reads.aggregate(oldest=Min("at"), newest=Max("at"))
        out.append(
            Planned(
                DataCategory.PLATE_READS,
                str(DataCategory.PLATE_READS.label),
                dispatch.plate_read_retention_days,
                count=reads.count(),
                oldest=figures["oldest"],
                newest=figures["newest"],
            )
        )
    cameras = list(Camera.objects.filter(institution=institution).order_by("code")[:500])
    if cameras:
        row = Planned(DataCategory.FOOTAGE, str(DataCategory.FOOTAGE.label), None)
        spans = sorted({camera.retention_days for camera in cameras})
        row.note = _("Each camera's own retention: %(days)s days.") % {"days": ", ".join(map(str, spans))}
        recorder = footage.recorders.get_recorder()
        for camera in cameras:
            try:
                segments = recorder.segments_ending_before(camera, footage.cutoff(camera, now))
            except (footage.recorders.RecorderError, ValueError, OSError):
                continue
            row.count += len(segments)
            row.bytes += sum(segment.size for segment in segments)
            for segment in segments:
                row.oldest = min(row.oldest, segment.start) if row.oldest else segment.start
                row.newest = max(row.newest, segment.end) if row.newest else segment.end
        out.append(row)
    return out


# -- the run -----------------------------------------------------------------------------------------------


@dataclass
class Run:
    institution: Institution
    started_at: dt.datetime
    records: list[DestructionRecord] = field(default_factory=list)


def _basis(category: str, days: int) -> str:
    return _(
        "KVKK art. 7 and the regulation on deletion, destruction and anonymisation of personal data "
        "(periodic destruction, art. 11): %(category)s kept %(days)d days after the case ended "
        "(the institution's retention policy)."
    ) % {"category": DataCategory(category).label, "days": days}


def run(
    institution: Institution, *, by: User | None = None, now: dt.datetime | None = None, force: bool = False
) -> Run | None:
    """One institution's destruction run, when due (or ``force``: by hand). None when another worker has
    it or it is not due. Writes one record per category and tells the KVKK officers."""
    now = now or timezone.now()
    with transaction.atomic():
        schedule_for(institution, now)
        claimed = (
            DestructionSchedule.objects.select_for_update(
                skip_locked=connection.features.has_select_for_update_skip_locked
            )
            .filter(institution=institution)
            .first()
        )
        if claimed is None or (not force and not is_due(claimed, now)):
            return None
        DestructionSchedule.objects.filter(pk=claimed.pk).update(last_run_at=now)
    done = Run(institution, now)
    with translation.override(settings.LANGUAGE_CODE):
        try:
            _run_categories(done, by=by, now=now)
        finally:
            _tell(done, by)
    return done


def _run_categories(done: Run, *, by: User | None, now: dt.datetime) -> None:
    institution = done.institution
    days = keep_days(institution)
    for category, step in (
        (DataCategory.CASE_DATA, _anonymise_cases),
        (DataCategory.ATTACHMENTS, _delete_attachments),
        (DataCategory.RAW_MESSAGES, _delete_raw),
    ):
        record = records.begin(
            category,
            institution,
            started_at=now,
            basis=_basis(category, days[category]),
            method=(
                DestructionRecord.Method.ANONYMISATION
                if category == DataCategory.CASE_DATA
                else DestructionRecord.Method.DELETION
            ),
            performed_by=by,
            errors=[_("The run did not finish.")],
        )
        done.records.append(record)
        items: list[dict] = []
        kept: list[dict] = []
        errors: list[str] = []
        try:
            step(institution, now - dt.timedelta(days=days[category]), by, items, kept, errors)
        except Exception as error:  # the record says the run stopped, and the error goes up
            errors.append(_("The run stopped: %(error)s") % {"error": type(error).__name__})
            records.finish(record, items=items, kept=kept, errors=errors)
            raise
        records.finish(record, items=items, kept=kept, errors=errors)
    done.records.append(
        records.record(
            DataCategory.CALL_RECORDINGS,
            institution,
            started_at=now,
            basis=_basis(DataCategory.CALL_RECORDINGS, days[DataCategory.CALL_RECORDINGS]),
            performed_by=by,
            note=_("kentmasa stores no call recordings: nothing to destroy."),
        )
    )
    done.records.append(_prune_positions(institution, now, by))
    if DispatchSettings.objects.filter(institution=institution).exists():
        made = pts._purge_one(institution.pk, now, force=True)
        if made is not None:
            done.records.append(made)
    if Camera.objects.filter(institution=institution).exists():
        made = footage.purge_institution(institution.pk, now=now, force=True)
        if made is not None:
            done.records.append(made)


def _kept_lines(batch: list[Case], held: dict[int, str], kept: list[dict]) -> None:
    for case in batch:
        if case.pk in held:
            kept.append(
                records.kept(
                    case.tracking_number or str(case.pk),
                    case.received_at,
                    case.finished,  # type: ignore[attr-defined]
                    reason=held[case.pk],
                )
            )


def _mark(case_ids: list[int], step: str, now: dt.datetime) -> None:
    existing = set(CaseDestruction.objects.filter(case_id__in=case_ids).values_list("case_id", flat=True))
    CaseDestruction.objects.bulk_create(
        [CaseDestruction(case_id=pk) for pk in case_ids if pk not in existing]
    )
    CaseDestruction.objects.filter(case_id__in=case_ids).update(**{step: now})


def _anonymise_cases(
    institution: Institution, cutoff: dt.datetime, by: User | None, items: list, kept: list, errors: list
) -> None:
    count, first, last = 0, None, None
    for batch in _batches(institution.pk, cutoff, DataCategory.CASE_DATA):
        held = holds([case.pk for case in batch])
        _kept_lines(batch, held, kept)
        for case in batch:
            if case.pk in held:
                continue
            summary = anonymise.anonymise_case(case, by=by, reason=_("Retention period ended"))
            errors.extend(summary.errors)
            count += 1
            finished = case.finished  # type: ignore[attr-defined]
            first = min(first, finished) if first else finished
            last = max(last, finished) if last else finished
    if count:
        items.append(records.item(_("Cases anonymised"), first, last, count=count))
    still_open = Case.objects.filter(
        institution=institution, received_at__lt=cutoff, status__in=ACTIVE_STATUSES
    ).count()
    if still_open:
        kept.append(
            records.kept(
                _("%(count)d cases received before %(day)s")
                % {"count": still_open, "day": f"{cutoff:%d.%m.%Y}"},
                None,
                cutoff,
                reason=_("Still open: kept until they end and their period has passed"),
            )
        )


def _delete_attachments(
    institution: Institution, cutoff: dt.datetime, by: User | None, items: list, kept: list, errors: list
) -> None:
    per_kind: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    first = last = None
    for batch in _batches(institution.pk, cutoff, DataCategory.ATTACHMENTS):
        held = holds([case.pk for case in batch])
        _kept_lines(batch, held, kept)
        free = [case for case in batch if case.pk not in held]
        files = []
        with transaction.atomic():
            for attachment in Attachment.objects.filter(case__in=free).select_for_update():
                per_kind[attachment.kind] += 1
                sizes[attachment.kind] += attachment.size
                if attachment.file:
                    files.append((attachment.file.storage, attachment.file.name))
            Attachment.objects.filter(case__in=free).delete()
            _mark([case.pk for case in free], "attachments_at", timezone.now())
        errors.extend(_delete_files(files))
        for case in free:
            finished = case.finished  # type: ignore[attr-defined]
            first = min(first, finished) if first else finished
            last = max(last, finished) if last else finished
    for kind, count in sorted(per_kind.items()):
        label = str(dict(Attachment.Kind.choices).get(kind, kind))
        items.append(
            records.item(
                _("Attachments: %(kind)s") % {"kind": label}, first, last, count=count, bytes=sizes[kind]
            )
        )


def _delete_raw(
    institution: Institution, cutoff: dt.datetime, by: User | None, items: list, kept: list, errors: list
) -> None:
    emails = size = payloads = 0
    first = last = None
    scrub = anonymise.Scrubber(anonymise.Known())
    for batch in _batches(institution.pk, cutoff, DataCategory.RAW_MESSAGES):
        held = holds([case.pk for case in batch])
        _kept_lines(batch, held, kept)
        free = [case for case in batch if case.pk not in held]
        files = []
        with transaction.atomic():
            originals = Attachment.objects.filter(case__in=free, content_type=RAW_EMAIL)
            for attachment in originals:
                emails += 1
                size += attachment.size
                if attachment.file:
                    files.append((attachment.file.storage, attachment.file.name))
            originals.delete()
            for message in Message.objects.filter(case__in=free).exclude(data={}):
                cleaned = scrub.data(message.data)
                if cleaned != message.data:
                    Message.objects.filter(pk=message.pk).update(data=cleaned)
                    payloads += 1
            _mark([case.pk for case in free], "raw_at", timezone.now())
        errors.extend(_delete_files(files))
        for case in free:
            finished = case.finished  # type: ignore[attr-defined]
            first = min(first, finished) if first else finished
            last = max(last, finished) if last else finished
    if emails:
        items.append(records.item(_("Original e-mails"), first, last, count=emails, bytes=size))
    if payloads:
        items.append(records.item(_("Raw message payloads emptied"), first, last, count=payloads))


def _delete_files(files: list[tuple[Any, str | None]]) -> list[str]:
    errors = []
    for storage, name in files:
        try:
            if name and storage.exists(name):
                storage.delete(name)
        except OSError as error:
            log.warning("kvkk destruction: could not delete %s: %s", name, error)
            errors.append(_("Could not delete a file: %(error)s") % {"error": type(error).__name__})
    return errors


def _prune_positions(institution: Institution, now: dt.datetime, by: User | None) -> DestructionRecord:
    hours = settings.KENTMASA_TEAM_POSITION_KEEP_HOURS
    due = TeamPosition.objects.filter(
        team__unit__institution=institution, at__lt=now - dt.timedelta(hours=hours)
    )
    figures = due.aggregate(first=Min("at"), last=Max("at"))
    deleted = 0
    while True:
        batch = list(due.values_list("pk", flat=True)[:BATCH])
        if not batch:
            break
        deleted += TeamPosition.objects.filter(pk__in=batch).delete()[0]
    return records.record(
        DataCategory.TEAM_POSITIONS,
        institution,
        started_at=now,
        basis=_(
            "Team positions are kept %(hours)d hours (KENTMASA_TEAM_POSITION_KEEP_HOURS) and pruned "
            "every hour (kentmasa.emergency.teams); this run deletes what is left."
        )
        % {"hours": hours},
        items=[records.item(_("Team positions"), figures["first"], figures["last"], count=deleted)]
        if deleted
        else [],
        performed_by=by,
    )


def _tell(done: Run, by: User | None) -> None:
    """The institution's KVKK officers and administrators (privacy.requests.officers) hear of every run,
    with the link to its records; a run with errors or one that did not finish is a warning."""
    if not done.records:
        return
    bad = [record for record in done.records if record.outcome != DestructionRecord.Outcome.DONE]
    destroyed = sum(record.item_count for record in done.records)
    if bad:
        text = _(
            "Warning: the destruction run of personal data did not finish cleanly "
            "(%(count)d records with errors)."
        ) % {"count": len(bad)}
    else:
        text = _(
            "The destruction run of personal data finished: %(count)d items destroyed or anonymised."
        ) % {"count": destroyed}
    target = bad[0] if bad else done.records[0]
    link = reverse("retention:detail", args=[target.pk])
    try:
        tell(
            officers(done.institution.pk),
            "destruction_run",
            text[:300],
            link=link,
            actor=None,
        )
    except Exception:  # telling must not undo a finished run; the records are there
        log.exception("kvkk destruction: could not tell the administrators")


# -- periodic ----------------------------------------------------------------------------------------------


def destroy_due(now: dt.datetime | None = None) -> list[Run]:
    """Every institution whose run is due (its schedule's interval since its last run): its run."""
    now = now or timezone.now()
    done = []
    for institution in Institution.objects.order_by("pk"):
        if not is_due(schedule_for(institution, now), now):
            continue
        made = run(institution, now=now)
        if made is not None:
            done.append(made)
    return done
