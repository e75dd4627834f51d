"""Plate recognition (PTS): the hotlist, the camera system's reads, and the alerts a hotlisted plate raises.

Every step goes through one function here; the API (kentmasa.emergency.pts_api), the import command, the
admin and the Haber Merkezi's screens only call them. Refusals raise kentmasa.cases.services.
TransitionError with a translated message and the field it concerns.

* ``upsert_hotlist`` / ``remove_hotlist``: a plate (normalised by kentmasa.lib.plates: "34 ABC 123",
  "34abc123" and "34-ABC-123" are one) on the directorate's hotlist with its reason, note and end of
  validity; police operators and administrators of the institution only.
* ``ingest``: a batch of reads from the camera system. Each read is checked on its own: a bad one is
  reported by its index and skipped, the rest are stored (a foreign, diplomatic or unreadable plate is a
  good read, stored as read). In one transaction: the reads are written in bulk, the hotlist is asked once
  for the whole batch, and each read of a plate hotlisted at the read's time becomes a PlateHit of the
  plate's open alert (or of a new one). Who is told (the critical notification "plate_alert", push and
  SMS) is decided by the batch's latest hit of the plate:

  - Only a *live* read rings a phone: one made at most TELL_WITHIN (30 minutes) before it is taken in
    (``is_live``). An older one (a late batch, an imported history) joins or opens the alert on the board
    and tells nobody.
  - The first live read of an alert tells the nearest available teams (DispatchSettings.plate_alert_teams,
    by straight line from the hit: the read's position, else its camera's). A later live read on another
    camera tells the teams nearest to the new place that were not told yet. A live read RETELL_AFTER (10
    minutes) or more after the alert's previous read, on any camera, tells the nearest available teams
    again, those told before among them. Other reads (the same camera within the gap) only move the board.
  - When the first live read, or one after the gap, reaches no team (no position, no available team, or
    plate_alert_teams 0), the people who watch the Haber Merkezi are told by name instead (``watchers``:
    the duty supervisors of the dispatch settings, else the Haber Merkezi unit's managers, else the
    directorate's police operators, else its administrators): every live alert reaches somebody.
* ``acknowledge_alert``, ``close_alert`` (the board), ``team_saw`` (the team's phone: "Gördüm").
* ``purge_reads``: reads older than DispatchSettings.plate_read_retention_days are deleted, leaving one
  destruction record (kentmasa.retention) per institution and run; the hits stay with their alert.

Live events (topic "alarm", kentmasa.notify.live), ids and the plate only: ``plate_alert`` (a new alert),
``plate_hit`` (a further read), ``plate_acknowledged``, ``plate_closed``, ``plate_seen`` (a team said it saw
it). Each change is published once for the board (no team: the institution's police operators receive it)
and once more for every team told of the alert (``team_id`` and ``data["team"]`` set: that team's phones
receive it; the board skips these copies, which it receives as well). The data: ``{"plate_alert": id,
"plate": "34 ABC 123", "reason": "stolen", "camera": code, "team": id or absent, "teams": [ids of the teams
told by this change: newly, or again after the gap]}``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Min, OuterRef, QuerySet, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from kentmasa.cases.services import TransitionError
from kentmasa.directory.models import Institution, Team, User
from kentmasa.emergency import services, teams
from kentmasa.emergency.models import (
    Camera,
    DispatchSettings,
    HotlistEntry,
    PlateAlert,
    PlateAlertTeam,
    PlateHit,
    PlateKind,
    PlateRead,
    PlateReadBatch,
    PlateReason,
)
from kentmasa.lib import edge, plates
from kentmasa.notify import live
from kentmasa.notify.models import LiveEvent
from kentmasa.notify.rules import MAX_RECIPIENTS, team_people
from kentmasa.notify.tell import tell
from kentmasa.retention import records
from kentmasa.retention.models import DestructionRecord

MAX_BATCH = 5000  # reads in one batch
CAMERA_LIMIT = 64
NOTE_LIMIT = 500
CLOSE_NOTE_LIMIT = 1000
IDEMPOTENCY_KEY_LIMIT = 200
MAX_ALERTS = 200  # the most alerts a list gives at once
IN_CHUNK = 900  # values in one IN (...) on SQLite
PURGE_BATCH = 5000
PURGE_EVERY = dt.timedelta(hours=1)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
# A read rings phones only when it was made at most this long before it is taken in (the batch's time, or
# the clock's if later): a late batch, an import of old reads or the demo's history shows on the board only.
TELL_WITHIN = dt.timedelta(minutes=30)
# A live read this long or longer after the alert's previous read tells the nearest teams (or the watchers)
# again; reads in between only update the board.
RETELL_AFTER = dt.timedelta(minutes=10)

logger = logging.getLogger(__name__)

_KINDS = {
    plates.TURKISH: PlateKind.TURKISH,
    plates.DIPLOMATIC: PlateKind.DIPLOMATIC,
    plates.FOREIGN: PlateKind.FOREIGN,
    plates.UNREADABLE: PlateKind.UNREADABLE,
}


def kind_of(plate: plates.Plate) -> str:
    """The PlateKind a normalised plate is stored with."""
    return _KINDS[plate.kind]


# -- who may -------------------------------------------------------------------------------------------------


def is_police(institution: Institution | None) -> bool:
    return institution is not None and institution.kind == Institution.Kind.POLICE


def _require_operator(actor: User | None, institution_id: int) -> User:
    if actor is None or not teams.is_operator(actor, institution_id):
        raise TransitionError(
            _("Only a police operator of this institution may do this on plate alerts."), "forbidden"
        )
    return actor


def _police(institution: Institution) -> Institution:
    if not is_police(institution):
        raise TransitionError(_("Plate recognition is for police institutions only."), "institution")
    return institution


# -- the hotlist ---------------------------------------------------------------------------------------------


def hotlist_plate(raw: object) -> plates.Plate:
    """The plate as the hotlist keeps it; TransitionError("plate") for one nobody could match."""
    if isinstance(raw, str) and edge.NUL in raw:
        raise TransitionError(str(edge.NUL_MESSAGE), "plate")
    plate = plates.normalize(raw)
    if not plate.readable:
        raise TransitionError(
            _("Enter a plate of letters and digits, e.g. 34 ABC 123 (at most 16 of them)."), "plate"
        )
    return plate


def _valid_until(value: object, now: dt.datetime) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        raise TransitionError(_("Give the end of validity as a date and time."), "valid_until")
    if value <= now:
        raise TransitionError(_("The end of validity must lie in the future."), "valid_until")
    if value >= LATEST:
        raise TransitionError(_("The end of validity must lie before the year 2100."), "valid_until")
    return value


def _note(value: object, limit: int, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TransitionError(_("Enter text."), field)
    if edge.NUL in value:
        raise TransitionError(str(edge.NUL_MESSAGE), field)
    value = value.strip()
    if len(value) > limit:
        raise TransitionError(
            ngettext(
                "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
                "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
                limit,
            )
            % {"limit_value": limit, "show_value": len(value)},
            field,
        )
    return value


def upsert_hotlist(
    institution: Institution,
    *,
    plate: str,
    reason: str,
    note: str = "",
    valid_until: dt.datetime | None = None,
    actor: User | None,
) -> tuple[HotlistEntry, bool]:
    """Put a plate on the institution's hotlist, or change its reason, note and validity if it is there.
    Returns the entry and whether it was added. ``actor`` None: the system (the admin, an import)."""
    _police(institution)
    if actor is not None:
        _require_operator(actor, institution.pk)
    found = hotlist_plate(plate)
    if reason not in PlateReason.values:
        raise TransitionError(_("Choose a reason: stolen, wanted, terror or other."), "reason")
    now = timezone.now()
    text = _note(note, NOTE_LIMIT, "note")
    until = _valid_until(valid_until, now)
    values = {
        "plate_kind": _KINDS[found.kind],
        "reason": reason,
        "note": text,
        "valid_until": until,
        "updated_at": now,
    }
    for _attempt in range(2):
        with transaction.atomic():
            entry = (
                HotlistEntry.objects.select_for_update()
                .filter(institution=institution, plate=found.key)
                .first()
            )
            if entry is not None:
                for name, value in values.items():
                    setattr(entry, name, value)
                entry.save(update_fields=list(values))
                return entry, False
            try:
                with transaction.atomic():
                    entry = HotlistEntry.objects.create(
                        institution=institution,
                        plate=found.key,
                        added_by=actor,
                        added_at=now,
                        **values,
                    )
                return entry, True
            except IntegrityError:
                continue  # added by someone else a moment ago: update theirs
    raise TransitionError(_("The plate could not be saved; try again."), "plate")


def remove_hotlist(entry: HotlistEntry, *, actor: User | None) -> None:
    """Take the plate off the hotlist: later reads raise nothing. Its alerts stay as they are."""
    if actor is not None:
        _require_operator(actor, entry.institution_id)
    HotlistEntry.objects.filter(pk=entry.pk).delete()


def hotlist(institution: Institution | int) -> QuerySet[HotlistEntry]:
    institution_id = institution if isinstance(institution, int) else institution.pk
    return HotlistEntry.objects.filter(institution_id=institution_id).order_by("plate", "pk")


# -- reads ---------------------------------------------------------------------------------------------------


@dataclass
class IngestResult:
    received: int = 0
    stored: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)  # [{"index": i, "errors": {field: [msg]}}]
    hits: int = 0
    alerts: list[int] = field(default_factory=list)  # the alerts with a hit in this batch
    replayed: bool = False  # the answer of an earlier batch with the same idempotency key

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "stored": self.stored,
            "rejected": self.rejected,
            "hits": self.hits,
            "alerts": self.alerts,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IngestResult:
        return cls(
            received=int(data.get("received", 0)),
            stored=int(data.get("stored", 0)),
            rejected=list(data.get("rejected", [])),
            hits=int(data.get("hits", 0)),
            alerts=list(data.get("alerts", [])),
            replayed=True,
        )


@dataclass(slots=True)
class _Read:
    index: int
    camera: str
    plate: plates.Plate
    raw: str
    at: dt.datetime
    latitude: float | None
    longitude: float | None


class BatchTooLarge(TransitionError):
    pass


def _moment(value: object, now: dt.datetime, errors: dict[str, list[str]]) -> dt.datetime | None:
    if type(value) is str and value and edge.NUL not in value:
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            errors["at"] = [_("Enter the time as ISO 8601, e.g. 2026-03-18T14:05:09+03:00.")]
            return None
    elif isinstance(value, dt.datetime):
        moment = value
    else:
        errors["at"] = [_("Enter the time as ISO 8601, e.g. 2026-03-18T14:05:09+03:00.")]
        return None
    try:
        if moment.tzinfo is None or moment.utcoffset() is None:
            # A camera system that sends local time without an offset: the directorate's time zone.
            moment = timezone.make_aware(moment)
        plausible = edge.EARLIEST <= moment <= now + edge.FUTURE_SLACK  # edge.is_plausible, inlined
    except (OverflowError, ValueError):  # within hours of year 1 or 9999
        plausible = False
    if not plausible:
        errors["at"] = [_("The time must lie between 2000 and a few minutes from now.")]
        return None
    return moment


def _degrees(value: object, limit: int, name: str, errors: dict[str, list[str]]) -> float | None:
    if type(value) is float:
        number = value
    elif value is None or value == "":
        return None
    elif isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        errors[name] = [_("Give the position as a number of degrees.")]
        return None
    else:
        try:
            number = float(value)
        except (ValueError, OverflowError):
            errors[name] = [_("Give the position as a number of degrees.")]
            return None
    if not -limit <= number <= limit:  # NaN is in no range
        errors[name] = [_("The position is out of range.")]
        return None
    return number


def _encodable(text: str) -> bool:
    """Text a database can hold: no lone surrogates (JSON's "\\ud800" gives one)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _storable(text: str) -> str:
    """The plate as read, without NUL and lone surrogates: it is kept as read, whatever was read."""
    return text.encode("utf-8", "ignore").decode("utf-8").replace(edge.NUL, "")


def _check(index: int, item: object, now: dt.datetime) -> _Read | dict[str, list[str]]:
    """One read as it came: the read, or its errors by field."""
    if not isinstance(item, dict):
        return {"__all__": [_("Each read must be an object with camera, plate and at.")]}
    errors: dict[str, list[str]] = {}
    camera = item.get("camera")
    if type(camera) is not str and (not isinstance(camera, int) or isinstance(camera, bool)):
        errors["camera"] = [_("Give the camera's id.")]
        camera = ""
    else:
        camera = str(camera).strip()
        if not camera:
            errors["camera"] = [_("Give the camera's id.")]
        elif edge.NUL in camera:
            errors["camera"] = [str(edge.NUL_MESSAGE)]
        elif not _encodable(camera):
            errors["camera"] = [_("The camera's id is not valid text.")]
        elif len(camera) > CAMERA_LIMIT:
            errors["camera"] = [_("The camera's id may have at most 64 characters.")]
    raw = original = item.get("plate")
    if raw is None:
        raw = ""  # the camera saw a vehicle but read nothing: an unreadable plate, stored as read
    if not isinstance(raw, str):
        errors["plate"] = [_("Give the plate as text, as it was read.")]
        raw = ""
    elif not raw.isascii():
        raw = _storable(raw)
    elif edge.NUL in raw:
        raw = raw.replace(edge.NUL, "")
    at = _moment(item.get("at"), now, errors)
    latitude = _degrees(item.get("latitude"), 90, "latitude", errors)
    longitude = _degrees(item.get("longitude"), 180, "longitude", errors)
    if (latitude is None) != (longitude is None) and not errors.keys() & {"latitude", "longitude"}:
        errors["latitude" if latitude is None else "longitude"] = [
            _("Give both latitude and longitude, or neither.")
        ]
    if errors or at is None:
        return errors
    # The plate as it came: a read with a broken character in it is unreadable, though stored without it.
    plate = plates.normalize(original)
    return _Read(index, camera, plate, raw[: plates.RAW_LIMIT], at, latitude, longitude)


def _chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def ingest(
    institution: Institution,
    reads: list[Any],
    *,
    now: dt.datetime | None = None,
    idempotency_key: str | None = None,
) -> IngestResult:
    """Store a batch of reads and raise the alerts its hotlisted plates call for (see the module).

    ``reads``: ``[{"camera", "plate", "at", "latitude", "longitude"}, …]`` (positions optional; ``at`` ISO
    8601, without an offset in the server's time zone). With ``idempotency_key`` a batch sent again gets
    the first answer back (``replayed``) and changes nothing. More than MAX_BATCH reads: BatchTooLarge.
    """
    _police(institution)
    if not isinstance(reads, list):
        raise TransitionError(_("Send a list of reads."), "__all__")
    if len(reads) > MAX_BATCH:
        raise BatchTooLarge(
            _("At most %(limit)d reads in one batch (this one has %(count)d).")
            % {"limit": MAX_BATCH, "count": len(reads)},
            "__all__",
        )
    now = now or timezone.now()
    result = IngestResult(received=len(reads))
    good: list[_Read] = []
    for index, item in enumerate(reads):
        checked = _check(index, item, now)
        if isinstance(checked, _Read):
            good.append(checked)
        else:
            result.rejected.append({"index": index, "errors": checked})
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        batch = None
        if idempotency_key:
            batch, earlier = _claim_batch(institution, idempotency_key, now)
            if earlier is not None:
                return earlier
        _insert_reads(institution.pk, good, now)
        result.stored = len(good)
        _match(institution, good, now, result)
        if batch is not None:
            PlateReadBatch.objects.filter(pk=batch.pk).update(answer=result.as_dict())
    return result


# The columns _insert_reads writes, in its order: reads come in tens of thousands a second, so they are
# written with one COPY (PostgreSQL) or one prepared INSERT (SQLite) per batch rather than through model
# instances, which take ten times as long.
READ_COLUMNS = (
    "institution_id",
    "camera_code",
    "plate",
    "plate_raw",
    "plate_kind",
    "at",
    "latitude",
    "longitude",
    "received_at",
)


def _insert_reads(institution_id: int, good: list[_Read], now: dt.datetime) -> None:
    if not good:
        return
    ops = connection.ops
    table = ops.quote_name(PlateRead._meta.db_table)
    column_of = {field.attname: field.column or field.attname for field in PlateRead._meta.concrete_fields}
    columns = ", ".join(ops.quote_name(column_of[name]) for name in READ_COLUMNS)
    received = ops.adapt_datetimefield_value(now)
    rows = [
        (
            institution_id,
            read.camera,
            read.plate.key,
            read.raw,
            _KINDS[read.plate.kind].value,
            ops.adapt_datetimefield_value(read.at),
            read.latitude,
            read.longitude,
            received,
        )
        for read in good
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: a fifth of the time of an INSERT of as many rows.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(READ_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


def _claim_batch(
    institution: Institution, key: str, now: dt.datetime
) -> tuple[PlateReadBatch | None, IngestResult | None]:
    """The batch row for this key, or the answer of the batch that used it first."""
    key = key[:IDEMPOTENCY_KEY_LIMIT]
    try:
        with transaction.atomic():
            return PlateReadBatch.objects.create(institution=institution, key=key, received_at=now), None
    except IntegrityError:
        earlier = PlateReadBatch.objects.get(institution=institution, key=key)
        return None, IngestResult.from_dict(earlier.answer)


# -- matching and alerts -------------------------------------------------------------------------------------


def _listed(institution_id: int, keys: list[str]) -> dict[str, tuple[int, dt.datetime | None]]:
    """plate → (entry id, valid until) of the keys on the hotlist: one query for the batch (PostgreSQL: the
    keys as one array parameter, a quarter of the time of an IN list of 500)."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(HotlistEntry._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT plate, id, valid_until FROM {table} WHERE institution_id = %s AND plate = ANY(%s)",  # noqa: S608
                [institution_id, keys],
            )
            return {plate: (pk, until) for plate, pk, until in cursor.fetchall()}
    found: dict[str, tuple[int, dt.datetime | None]] = {}
    for chunk in _chunks(keys):
        rows = HotlistEntry.objects.filter(institution_id=institution_id, plate__in=chunk)
        for plate, pk, until in rows.values_list("plate", "pk", "valid_until"):
            found[plate] = (pk, until)
    return found


def _match(institution: Institution, good: list[_Read], now: dt.datetime, result: IngestResult) -> None:
    keys = sorted({read.plate.key for read in good if read.plate.key})
    if not keys:
        return
    listed = _listed(institution.pk, keys)
    if not listed:
        return
    by_plate: dict[str, list[_Read]] = {}
    for read in good:
        listing = listed.get(read.plate.key)
        if listing is not None and (listing[1] is None or read.at <= listing[1]):
            by_plate.setdefault(read.plate.key, []).append(read)
    if not by_plate:
        return
    # Lock the entries hit, in one order: two batches hitting the same plate join one alert, never two.
    locked = {
        entry.plate: entry
        for entry in HotlistEntry.objects.select_for_update()
        .filter(pk__in=[listed[key][0] for key in by_plate])
        .order_by("pk")
    }
    codes = sorted({read.camera for hits in by_plate.values() for read in hits})
    cameras = {
        camera.code: camera
        for chunk in _chunks(codes)
        for camera in Camera.objects.filter(institution_id=institution.pk, code__in=chunk)
    }
    wanted = settings_for(institution).plate_alert_teams
    for key, hits in by_plate.items():
        still = locked.get(key)
        if still is None:
            continue  # taken off the hotlist meanwhile
        hits.sort(key=lambda read: (read.at, read.index))
        alert = _hit(institution, still, hits, cameras, wanted, now)
        result.hits += len(hits)
        result.alerts.append(alert.pk)


def settings_for(institution: Institution | int) -> DispatchSettings:
    institution_id = institution if isinstance(institution, int) else institution.pk
    found, _created = DispatchSettings.objects.get_or_create(institution_id=institution_id)
    return found


def _position(read: _Read, camera: Camera | None) -> tuple[float, float] | None:
    if read.latitude is not None and read.longitude is not None:
        return read.latitude, read.longitude
    if camera is not None and camera.latitude is not None and camera.longitude is not None:
        return float(camera.latitude), float(camera.longitude)
    return None


def is_live(at: dt.datetime, now: dt.datetime) -> bool:
    """A read recent enough to ring a phone: made at most TELL_WITHIN before ``now`` (the batch's time) and
    before the clock's now, whichever is later."""
    return at >= max(now, timezone.now()) - TELL_WITHIN


# Why a read rings phones (see the module): the alert's first live read, a move to another camera, a read
# after RETELL_AFTER.
FIRST, MOVED, AGAIN = "first", "moved", "again"


def _occasion(
    last: _Read, now: dt.datetime, previous: tuple[dt.datetime, str] | None, told_before: bool
) -> str | None:
    """Whether the batch's latest hit of an alert tells anyone, and why; None: the board only.
    ``previous``: the read time and camera of the alert's latest hit before this batch; ``told_before``:
    one of its hits was live when it came, so somebody was told of the alert."""
    if not is_live(last.at, now):
        return None
    if previous is None or not told_before:
        return FIRST
    at, camera = previous
    if last.at - at >= RETELL_AFTER:
        return AGAIN
    if last.camera != camera:
        return MOVED
    return None


def _hit(
    institution: Institution,
    entry: HotlistEntry,
    hits: list[_Read],
    cameras: dict[str, Camera],
    wanted: int,
    now: dt.datetime,
) -> PlateAlert:
    alert = (
        PlateAlert.objects.select_for_update()
        .filter(institution_id=institution.pk, plate=entry.plate, closed_at__isnull=True)
        .order_by("-opened_at", "-pk")
        .first()
    )
    last = hits[-1]
    opened = alert is None
    previous: tuple[dt.datetime, str] | None = None
    told_before = False
    if alert is None:
        alert = PlateAlert.objects.create(
            institution_id=institution.pk,
            entry=entry,
            plate=entry.plate,
            reason=entry.reason,
            entry_note=entry.note,
            opened_at=now,
            last_hit_at=last.at,
            hit_count=len(hits),
        )
    else:
        previous = alert.hits.order_by("-at", "-pk").values_list("at", "camera_code").first()
        # A hit that was live when it came told somebody (its first live read always does).
        told_before = alert.hits.filter(received_at__lte=F("at") + TELL_WITHIN).exists()
        alert.hit_count += len(hits)
        alert.last_hit_at = max(alert.last_hit_at, last.at)
        alert.save(update_fields=["hit_count", "last_hit_at"])
    rows = []
    for read in hits:
        camera = cameras.get(read.camera)
        point = _position(read, camera)
        rows.append(
            PlateHit(
                alert=alert,
                camera_code=read.camera,
                camera=camera,
                plate_raw=read.raw,
                at=read.at,
                latitude=point[0] if point else None,
                longitude=point[1] if point else None,
                received_at=now,
            )
        )
    PlateHit.objects.bulk_create(rows)
    occasion = _occasion(last, now, previous, told_before)
    told: list[PlateAlertTeam] = []
    if occasion is not None:
        told = _tell(alert, occasion, wanted, last, cameras.get(last.camera), now)
    _publish(alert, "plate_alert" if opened else "plate_hit", camera=last.camera, told=told)
    return alert


def _team_link() -> str:
    try:
        return reverse("team:page")
    except NoReverseMatch:
        return ""


def camera_label(code: str, camera: Camera | None) -> str:
    return f"{camera.name} ({code})" if camera is not None and camera.name else code


def moment_text(at: dt.datetime, now: dt.datetime | None = None) -> str:
    """When a read was made as a message says it: "14:05" today, "17.03.2026 23:50" another day."""
    local = timezone.localtime(at)
    today = timezone.localtime(now or timezone.now()).date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%d.%m.%Y %H:%M")


def _seen_text(alert: PlateAlert, read: _Read, camera: Camera | None, now: dt.datetime) -> str:
    return _("Hotlisted plate %(plate)s (%(reason)s) seen: %(camera)s, %(time)s") % {
        "plate": display(alert.plate),
        "reason": PlateReason(alert.reason).label,
        "camera": camera_label(read.camera, camera),
        "time": moment_text(read.at, now),
    }


def _tell(
    alert: PlateAlert, occasion: str, wanted: int, read: _Read, camera: Camera | None, now: dt.datetime
) -> list[PlateAlertTeam]:
    """Tell the nearest teams of a live read (see the module); when the alert's first live read or one
    after the gap reaches none, the watchers, with the reason. Returns the teams' rows told now."""
    point = _position(read, camera)
    told: list[PlateAlertTeam] = []
    if not wanted:
        why = _("the directorate tells no teams of plate alerts (dispatch settings)")
    elif point is None:
        why = _("the read has no position, nor has its camera")
    else:
        told = _tell_teams(alert, point, wanted, read, camera, now, again=occasion == AGAIN)
        why = _("no team is available")
    if not told and occasion != MOVED:
        _tell_watchers(alert, read, camera, why, now)
    return told


def _tell_teams(
    alert: PlateAlert,
    point: tuple[float, float],
    wanted: int,
    read: _Read,
    camera: Camera | None,
    now: dt.datetime,
    *,
    again: bool = False,
) -> list[PlateAlertTeam]:
    """The nearest available teams not told of the alert yet (``again``: told or not), told now; a team
    told before gets its row's time and distance renewed."""
    earlier = {row.team_id: row for row in alert.told.all()}
    nearest = teams.nearest_available(
        alert.institution_id, point[0], point[1], limit=wanted, exclude=[] if again else list(earlier)
    )
    if not nearest:
        return []
    renewed = []
    for found in nearest:
        row = earlier.get(found.team.pk)
        if row is not None:
            row.told_at, row.distance_m = now, found.distance_m
            renewed.append(row)
    if renewed:
        PlateAlertTeam.objects.bulk_update(renewed, ["told_at", "distance_m"])
    added = PlateAlertTeam.objects.bulk_create(
        [
            PlateAlertTeam(alert=alert, team=found.team, told_at=now, distance_m=found.distance_m)
            for found in nearest
            if found.team.pk not in earlier
        ]
    )
    text = _seen_text(alert, read, camera, now)
    link = _team_link()
    for found in nearest:
        tell(team_people(found.team), "plate_alert", text, link=link, now=now)
    return sorted([*renewed, *added], key=lambda row: row.pk)


def watchers(institution_id: int) -> list[User]:
    """Who hears of a live plate alert no team was told of, by name: the duty supervisors
    (services.supervisors: those the dispatch settings name, else the Haber Merkezi unit's managers), else
    the directorate's police operators, else its administrators."""
    people = services.supervisors(institution_id)
    for role in (User.Role.POLICE_OPERATOR, User.Role.ADMINISTRATOR):
        if people:
            break
        people = list(
            User.objects.filter(institution_id=institution_id, role=role, is_active=True).order_by("pk")[
                :MAX_RECIPIENTS
            ]
        )
    return people


def _tell_watchers(alert: PlateAlert, read: _Read, camera: Camera | None, why: str, now: dt.datetime) -> None:
    people = watchers(alert.institution_id)
    if not people:
        logger.warning("plate alert %s: nobody to tell (no supervisor, operator or administrator)", alert.pk)
        return
    text = _("%(seen)s. No team was told: %(why)s.") % {
        "seen": _seen_text(alert, read, camera, now),
        "why": why,
    }
    board = [person for person in people if teams.is_operator(person, alert.institution_id)]
    others = [person for person in people if person not in board]
    # The alert's page for those who may open the board; the notification itself for the others.
    tell(board, "plate_alert", text, link=reverse("emergency:plate", args=[alert.pk]), now=now)
    tell(others, "plate_alert", text, now=now)


def display(key: str) -> str:
    """How a stored key is shown ("34ABC123" → "34 ABC 123")."""
    return plates.normalize(key).display or key


def _publish(
    alert: PlateAlert,
    change: str,
    *,
    camera: str | None = None,
    told: Sequence[PlateAlertTeam] = (),
    only_team: int | None = None,
) -> None:
    """The change for the board, then for each team told of the alert (see the module)."""
    if camera is None:
        camera = alert.hits.order_by("-at", "-pk").values_list("camera_code", flat=True).first() or ""
    data = {
        "plate_alert": alert.pk,
        "plate": display(alert.plate),
        "reason": alert.reason,
        "camera": camera,
        "teams": [row.team_id for row in told],
    }
    live.publish(LiveEvent.Topic.ALARM, change, institution_id=alert.institution_id, data=data)
    team_ids = (
        [only_team]
        if only_team is not None
        else list(alert.told.order_by("team_id").values_list("team_id", flat=True))
    )
    if team_ids:
        LiveEvent.objects.bulk_create(
            [
                LiveEvent(
                    at=timezone.now(),
                    topic=LiveEvent.Topic.ALARM,
                    change=change,
                    institution_id=alert.institution_id,
                    team_id=team_id,
                    data={**data, "team": team_id},
                )
                for team_id in team_ids
            ]
        )


# -- the board and the phones --------------------------------------------------------------------------------


def _locked_alert(alert: PlateAlert) -> PlateAlert:
    return PlateAlert.objects.select_for_update().get(pk=alert.pk)


def acknowledge_alert(alert: PlateAlert, *, actor: User) -> PlateAlert:
    """A named operator has seen the alert on the board; again changes nothing (the first name stays)."""
    _require_operator(actor, alert.institution_id)
    with transaction.atomic():
        locked = _locked_alert(alert)
        if locked.acknowledged_at is not None or locked.closed_at is not None:
            return locked
        locked.acknowledged_at, locked.acknowledged_by = timezone.now(), actor
        locked.save(update_fields=["acknowledged_at", "acknowledged_by"])
        _publish(locked, "plate_acknowledged")
    return locked


def close_alert(alert: PlateAlert, outcome: str, *, actor: User, note: str = "") -> PlateAlert:
    """Close the alert with its outcome (stopped, not found, misread, other) and a note. A later read of
    the plate opens a new alert."""
    _require_operator(actor, alert.institution_id)
    if outcome not in PlateAlert.Outcome.values:
        raise TransitionError(_("Choose an outcome."), "outcome")
    text = _note(note, CLOSE_NOTE_LIMIT, "note")
    with transaction.atomic():
        locked = _locked_alert(alert)
        if locked.closed_at is not None:
            raise TransitionError(_("This plate alert is already closed."), "alert")
        locked.closed_at, locked.closed_by = timezone.now(), actor
        locked.outcome, locked.note = outcome, text
        locked.save(update_fields=["closed_at", "closed_by", "outcome", "note"])
        _publish(locked, "plate_closed")
    return locked


def team_saw(alert: PlateAlert, team: Team, *, actor: User) -> PlateAlertTeam:
    """A member of a team told of the alert says the team saw it ("Gördüm"); again changes nothing."""
    if not teams.is_member(actor, team):
        raise TransitionError(_("Only a member of the team may say it saw the alert."), "forbidden")
    with transaction.atomic():
        row = PlateAlertTeam.objects.select_for_update().filter(alert_id=alert.pk, team_id=team.pk).first()
        if row is None:
            raise TransitionError(_("Your team was not told of this plate alert."), "alert")
        if row.seen_at is not None:
            return row
        row.seen_at = timezone.now()
        row.save(update_fields=["seen_at"])
        _publish(PlateAlert.objects.get(pk=alert.pk), "plate_seen", only_team=team.pk)
    return row


def open_alerts(institution: Institution | int, limit: int = 50) -> list[PlateAlert]:
    """The institution's open plate alerts, the most recently seen first (at most MAX_ALERTS), with
    ``told_teams`` (their PlateAlertTeam rows and teams) and ``last_hit`` (the latest PlateHit) set."""
    institution_id = institution if isinstance(institution, int) else institution.pk
    limit = max(1, min(int(limit), MAX_ALERTS))
    alerts = list(
        PlateAlert.objects.filter(institution_id=institution_id, closed_at__isnull=True)
        .select_related("acknowledged_by")
        .order_by("-last_hit_at", "-pk")[:limit]
    )
    attach(alerts)
    return alerts


def attach(alerts: list[PlateAlert]) -> None:
    """``told_teams`` and ``last_hit`` on each alert, in two queries."""
    ids = [alert.pk for alert in alerts]
    told: dict[int, list[PlateAlertTeam]] = {pk: [] for pk in ids}
    for row in (
        PlateAlertTeam.objects.filter(alert_id__in=ids).select_related("team").order_by("told_at", "pk")
    ):
        told[row.alert_id].append(row)
    latest = PlateHit.objects.filter(alert=OuterRef("pk")).order_by("-at", "-pk").values("pk")[:1]
    hit_ids = dict(PlateAlert.objects.filter(pk__in=ids).annotate(h=Subquery(latest)).values_list("pk", "h"))
    hits = PlateHit.objects.select_related("camera").in_bulk([h for h in hit_ids.values() if h])
    for alert in alerts:
        alert.told_teams = told.get(alert.pk, [])  # type: ignore[attr-defined]
        alert.last_hit = hits.get(hit_ids.get(alert.pk))  # type: ignore[attr-defined]


def alerts_for_team(team: Team, since: dt.datetime, limit: int = 50) -> list[PlateAlert]:
    """The open alerts the team was told of and that were seen by a camera since ``since``, the latest
    first, with ``team_told`` (this team's PlateAlertTeam row: told_at, seen_at), ``told_teams`` and
    ``last_hit`` set."""
    limit = max(1, min(int(limit), MAX_ALERTS))
    alerts = list(
        PlateAlert.objects.filter(told__team=team, closed_at__isnull=True, last_hit_at__gte=since).order_by(
            "-last_hit_at", "-pk"
        )[:limit]
    )
    attach(alerts)
    for alert in alerts:
        told: list[PlateAlertTeam] = getattr(alert, "told_teams", [])
        alert.team_told = next((row for row in told if row.team_id == team.pk), None)  # type: ignore[attr-defined]
    return alerts


# -- keeping reads only for a while --------------------------------------------------------------------------


def purge_reads(now: dt.datetime | None = None, *, force: bool = False) -> list[DestructionRecord]:
    """For each police institution whose last run is an hour old (or ``force``): delete its reads older
    than DispatchSettings.plate_read_retention_days, in batches, and write one destruction record, even
    when nothing was due. Several workers may run it at once: the institution's dispatch settings row is
    locked for the run, and the last record is read again under the lock. Returns the records written."""
    now = now or timezone.now()
    written = []
    police = Institution.objects.filter(kind=Institution.Kind.POLICE).order_by("pk")
    for institution in police.values_list("pk", flat=True):
        done = _purge_one(institution, now, force=force)
        if done is not None:
            written.append(done)
    return written


def _due(institution_id: int, now: dt.datetime) -> bool:
    last = records.last_run(DestructionRecord.Category.PLATE_READS, institution_id)
    return last is None or last.started_at <= now - PURGE_EVERY


def _purge_one(institution_id: int, now: dt.datetime, *, force: bool) -> DestructionRecord | None:
    if not force and not _due(institution_id, now):
        return None
    settings_for(institution_id)
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        claimed = (
            DispatchSettings.objects.select_for_update(
                skip_locked=connection.features.has_select_for_update_skip_locked
            )
            .filter(institution_id=institution_id)
            .values_list("plate_read_retention_days", flat=True)
            .first()
        )
        if claimed is None or (not force and not _due(institution_id, now)):
            return None  # another worker has it, or has just done it
        days = claimed
        cutoff = now - dt.timedelta(days=days)
        due = PlateRead.objects.filter(institution_id=institution_id, at__lt=cutoff)
        # What is due now; a late batch's old reads, written meanwhile, are the next run's.
        last = due.aggregate(last=Max("pk"))["last"]
        items = []
        if last is not None:
            due = due.filter(pk__lte=last)
            per_camera = (
                due.values("camera_code")
                .annotate(count=Count("pk"), first=Min("at"), latest=Max("at"))
                .order_by("camera_code")
            )
            items = [
                records.item(
                    _("Plate reads of camera %(camera)s") % {"camera": row["camera_code"]},
                    row["first"],
                    row["latest"],
                    count=row["count"],
                )
                for row in per_camera
            ]
            while True:
                batch = list(due.values_list("pk", flat=True)[:PURGE_BATCH])
                if not batch:
                    break
                PlateRead.objects.filter(pk__in=batch).delete()
        # Idempotency keys of batches: a retry comes within minutes, never after the reads are gone.
        PlateReadBatch.objects.filter(institution_id=institution_id, received_at__lt=cutoff).delete()
        return records.record(
            DestructionRecord.Category.PLATE_READS,
            Institution.objects.get(pk=institution_id),
            started_at=now,
            basis=_(
                "Plate reads are kept for %(days)d days (dispatch settings); hotlisted plates' hits "
                "stay with their alert."
            )
            % {"days": days},
            items=items,
        )


@task()
def purge_plate_reads() -> int:
    """Periodic (settings.KENTMASA_PERIODIC_TASKS): :func:`purge_reads`; returns the records written."""
    return len(purge_reads())
