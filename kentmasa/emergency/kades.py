"""KADES alerts: the gateway's webhook (``POST /kanal/kades/``) and the intake behind it.

A woman registered in the KADES app presses its button; the gateway posts the alert here as JSON, signed like
the SMS webhook (``X-Kentmasa-Signature: sha256=<hex HMAC-SHA256 of the raw body>`` with
KENTMASA_KADES_WEBHOOK_SECRET)::

    {"alert_id": "K-2026-000123", "at": "2026-12-03T21:14:05+03:00",
     "latitude": 39.7766, "longitude": 30.515, "accuracy_m": 12,
     "person": {"tc_kimlik_no": "10000000146", "name": "Elif Yıldız", "phone": "0532 987 65 43"},
     "event": "alert"}

``receive_alert`` records it and answers ``(incident, created)``; the webhook answers 200
``{"incident": <tracking number>, "created": true|false}`` only after it is committed. Refusals are JSON
``{"error", "message" (Turkish), "message_en", "field"}``: 403 for a bad signature, 400 for a malformed
body naming the field, 413 for a body over ``MAX_BODY``, 503 when no police institution takes the alert.

- The alert goes to the police directorate whose province (Institution.province, compared Turkish-folded)
  contains the point (kentmasa.places.geocode), else to the police institution named by
  KENTMASA_KADES_INSTITUTION (a slug), for a point outside every loaded province or where no areas are
  loaded.
- The case is opened on the channel "kades", urgent, on the Haber Merkezi unit of the dispatch settings,
  with the KADES category (the settings', else the institution's non-public category whose service stands
  for the channel), at the point, received at ``at``. It has NO citizen record: the person's TC kimlik no,
  name and phone stay on the incident, where nothing that writes to citizens can reach them, and the case's
  subject says only "KADES ihbarı". Nothing is ever sent to her (DOMAIN.md, "Police").
- The same ``alert_id`` again (the gateway retries, or sends her new position) never opens a second
  incident: the position is appended (IncidentPosition) and published ("kades_position"). Two posts of a
  new id at the same moment: the unique ``Incident.alert_id`` lets one commit; the other rolls back and is
  taken as the repeat it is.
- ``"event": "cancel"`` (pressed by mistake) records the cancellation (timeline, "kades_cancelled"); the
  incident stays open until an operator closes it as a false alarm.
- Where the directorate's alerts go to an outside body (DispatchSettings.kades_destination), the case is
  redirected to it and the duty supervisors are told. Otherwise, when no police console is open
  (services.consoles_open), the supervisors are told at once; else ``check_alarm_ack`` runs after
  ``alarm_ack_seconds`` and tells them if no operator acknowledged it.
- Times: ``at`` is the gateway's; a time in the future (its clock ahead) counts as our receipt time; a
  time before 2000 (year 0001…) is malformed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt

from kentmasa.cases import services as cases
from kentmasa.cases.models import Case, Channel, Kind, Priority
from kentmasa.directory.models import Category, Institution, Service, Unit
from kentmasa.emergency import services
from kentmasa.emergency.models import DispatchSettings, Incident, IncidentPosition
from kentmasa.lib import edge, phones, signatures, tckimlik
from kentmasa.lib.turkish import fold
from kentmasa.places import geocode

SIGNATURE_HEADER = "X-Kentmasa-Signature"
SIGNATURE_PREFIX = "sha256="
MAX_BODY = 64 * 1024  # an alert is a few hundred bytes
MICRO_DEGREE = Decimal("0.000001")
MAX_ACCURACY_M = 1_000_000
MAX_POLICE = 500  # police institutions compared for a province (Turkey has 81)


class Refused(Exception):
    """A request or payload the intake does not take: the HTTP status, a code, a message (lazy, shown in
    Turkish and English) and the field it is about."""

    def __init__(self, status: int, code: str, message: object, field: str = "") -> None:
        super().__init__(code)
        self.status, self.code, self.message, self.field = status, code, message, field

    def response(self) -> JsonResponse:
        texts = {}
        for language in ("tr", "en"):
            with translation.override(language):
                texts[language] = (
                    str(self.message) % {"field": self.field} if self.field else str(self.message)
                )
        body = {"error": self.code, "message": texts["tr"], "message_en": texts["en"]}
        if self.field:
            body["field"] = self.field
        return JsonResponse(body, status=self.status, json_dumps_params={"ensure_ascii": False})


def _malformed(field: str, message: object, code: str = "invalid") -> Refused:
    return Refused(400, code, message, field)


REQUIRED = gettext_lazy('The field "%(field)s" is required.')
TEXT = gettext_lazy('The field "%(field)s" must be text.')
TOO_LONG = gettext_lazy('The field "%(field)s" is too long.')
NUMBER = gettext_lazy('The field "%(field)s" must be a number within its range.')
MOMENT = gettext_lazy('The field "%(field)s" must be an ISO 8601 date and time.')
TOO_EARLY = gettext_lazy('The field "%(field)s" lies before the year 2000.')
EVENT = gettext_lazy('The field "%(field)s" must be "alert" or "cancel".')
OBJECT = gettext_lazy('The field "%(field)s" must be an object.')
TC_KIMLIK = gettext_lazy('The field "%(field)s" must be a valid TC identity number.')
PHONE = gettext_lazy('The field "%(field)s" must be a phone number.')


# -- the payload ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    """A checked alert."""

    alert_id: str
    at: dt.datetime
    latitude: Decimal | None  # None only on a cancel that sends no position
    longitude: Decimal | None
    accuracy_m: int | None
    tc_kimlik: str
    name: str
    phone: str
    cancel: bool

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def point(self) -> tuple[Decimal, Decimal]:
        if self.latitude is None or self.longitude is None:
            raise ValueError("the alert brings no position")
        return self.latitude, self.longitude


def _text(data: dict, name: str, field: str, *, limit: int, required: bool = False) -> str:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _malformed(field, REQUIRED, "missing")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _malformed(field, TEXT)
    text = str(value).strip()
    if len(text) > limit:
        raise _malformed(field, TOO_LONG, "too_long")
    return text


def _number(data: dict, name: str, *, low: Decimal, high: Decimal, required: bool) -> Decimal | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise _malformed(name, REQUIRED, "missing")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _malformed(name, NUMBER)
    if isinstance(value, str) and len(value) > 40:
        raise _malformed(name, TOO_LONG, "too_long")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise _malformed(name, NUMBER) from None
    if not number.is_finite() or not low <= number <= high:
        raise _malformed(name, NUMBER)
    return number


def _moment(data: dict, now: dt.datetime) -> dt.datetime:
    raw = _text(data, "at", "at", limit=64)
    if not raw:
        return now
    try:
        moment = parse_datetime(raw)
    except ValueError:  # well formed but no date: month 13, day 32
        moment = None
    if moment is None:
        raise _malformed("at", MOMENT)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=timezone.get_current_timezone())
    try:
        if moment < edge.EARLIEST:
            raise _malformed("at", TOO_EARLY)
        return moment if edge.is_plausible(moment, now=now) else now  # ahead of us: our receipt time
    except OverflowError:  # within hours of year 1 or 9999, the offset leaves the calendar
        raise _malformed("at", TOO_EARLY if moment.year < 2000 else MOMENT) from None


def _person(data: dict) -> tuple[str, str, str]:
    person = data.get("person")
    if person is None:
        return "", "", ""
    if not isinstance(person, dict):
        raise _malformed("person", OBJECT)
    number = tckimlik.clean(_text(person, "tc_kimlik_no", "person.tc_kimlik_no", limit=20))
    if number and not (len(number) == 11 and number.isdigit() and tckimlik.is_valid(number)):
        raise _malformed("person.tc_kimlik_no", TC_KIMLIK)
    name = _text(person, "name", "person.name", limit=200)
    raw_phone = _text(person, "phone", "person.phone", limit=40)
    phone = ""
    if raw_phone:
        try:
            phone = phones.normalize(raw_phone)
        except phones.InvalidPhone:
            raise _malformed("person.phone", PHONE) from None
        if len(phone) > 20:
            raise _malformed("person.phone", PHONE)
    return number, name, phone


def parse_alert(payload: object, *, now: dt.datetime | None = None) -> Alert:
    """The alert in a payload (a parsed JSON object), or Refused (400) naming the first malformed field.
    NUL characters are removed from every text first (kentmasa.lib.edge)."""
    if not isinstance(payload, dict):
        raise Refused(400, "body", gettext_lazy("The body must be a JSON object."))
    data: dict = edge.clean_tree(payload)
    now = now or timezone.now()
    alert_id = _text(data, "alert_id", "alert_id", limit=100, required=True)
    event = _text(data, "event", "event", limit=20) or "alert"
    if event not in ("alert", "cancel"):
        raise _malformed("event", EVENT)
    cancel = event == "cancel"
    latitude = _number(data, "latitude", low=Decimal(-90), high=Decimal(90), required=not cancel)
    longitude = _number(data, "longitude", low=Decimal(-180), high=Decimal(180), required=not cancel)
    if (latitude is None) != (longitude is None):
        raise _malformed("longitude" if longitude is None else "latitude", REQUIRED, "missing")
    accuracy = _number(data, "accuracy_m", low=Decimal(0), high=Decimal(MAX_ACCURACY_M), required=False)
    at = _moment(data, now)
    tc_kimlik, name, phone = _person(data)
    return Alert(
        alert_id=alert_id,
        at=at,
        latitude=latitude.quantize(MICRO_DEGREE) if latitude is not None else None,
        longitude=longitude.quantize(MICRO_DEGREE) if longitude is not None else None,
        accuracy_m=int(accuracy.to_integral_value()) if accuracy is not None else None,
        tc_kimlik=tc_kimlik,
        name=name,
        phone=phone,
        cancel=cancel,
    )


# -- where it goes -------------------------------------------------------------------------------------------


def institution_for(latitude: Decimal | float, longitude: Decimal | float) -> Institution | None:
    """The police institution whose province contains the point, else the one KENTMASA_KADES_INSTITUTION
    names (police only), else None."""
    located = geocode.locate(float(latitude), float(longitude))
    if located is not None and located.province:
        key = fold(located.province)
        police = Institution.objects.filter(kind=Institution.Kind.POLICE).exclude(province="").order_by("pk")
        for institution in police[:MAX_POLICE]:
            if fold(institution.province) == key:
                return institution
    return fallback_institution()


def fallback_institution() -> Institution | None:
    slug = (getattr(settings, "KENTMASA_KADES_INSTITUTION", "") or "").strip()
    if not slug:
        return None
    return Institution.objects.filter(slug=slug, kind=Institution.Kind.POLICE).first()


def kades_category(institution: Institution, dispatch_settings: DispatchSettings) -> Category | None:
    """The settings' KADES category, else the institution's non-public active category whose service stands
    for the KADES channel."""
    chosen = dispatch_settings.kades_category
    if chosen is not None and chosen.institution_id == institution.pk and chosen.active:
        return chosen
    rows = [
        row.pk
        for row in Service.objects.filter(institution=institution).exclude(channels=[])[:100]
        if Channel.KADES in (row.channels or [])
    ]
    if not rows:
        return None
    return (
        Category.objects.filter(institution=institution, public=False, active=True, service_id__in=rows)
        .order_by("pk")
        .first()
    )


def _unit(institution: Institution, dispatch_settings: DispatchSettings) -> Unit | None:
    unit = dispatch_settings.haber_merkezi
    return unit if unit is not None and unit.institution_id == institution.pk else None


# -- recording -----------------------------------------------------------------------------------------------


def receive_alert(payload: dict | Alert) -> tuple[Incident, bool]:
    """Record an alert (a payload, checked by ``parse_alert``, or an Alert): ``(incident, created)``.

    Raises Refused: 400 for a malformed payload, 404 for a cancel of an unknown alert that brings no
    position, 503 when no police institution takes it. Everything is committed when it returns (unless the
    caller holds a transaction open around it).
    """
    alert = payload if isinstance(payload, Alert) else parse_alert(payload)
    existing = Incident.objects.filter(alert_id=alert.alert_id).first()
    if existing is not None:
        return _again(existing, alert), False
    if not alert.has_point:
        raise Refused(404, "unknown_alert", gettext_lazy("No alert with this id was received."), "alert_id")
    institution = institution_for(*alert.point)
    if institution is None:
        raise Refused(
            503,
            "no_institution",
            gettext_lazy("No police institution is set up to receive this KADES alert."),
        )
    try:
        with transaction.atomic():
            return _open(institution, alert), True
    except IntegrityError:
        # The same alert posted twice at once: the other post opened it (unique alert_id).
        existing = Incident.objects.filter(alert_id=alert.alert_id).first()
        if existing is None:
            raise
        return _again(existing, alert), False


def _open(institution: Institution, alert: Alert) -> Incident:
    latitude, longitude = alert.point
    dispatch_settings = services.settings_for(institution)
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("KADES alert")
    case = cases.open_case(
        institution=institution,
        channel=Channel.KADES,
        subject=subject,
        kind=Kind.TIP_OFF,
        category=kades_category(institution, dispatch_settings),
        unit=_unit(institution, dispatch_settings),
        priority=Priority.URGENT,
        received_at=alert.at,
        location={"latitude": latitude, "longitude": longitude},
        opening_data={"kades_alert": alert.alert_id},
    )
    incident = services.incident_for(case)  # made by kentmasa.emergency.signals with the case
    incident.source = Incident.Source.KADES
    incident.alert_id = alert.alert_id
    incident.person_tc_kimlik, incident.person_name, incident.person_phone = (
        alert.tc_kimlik,
        alert.name,
        alert.phone,
    )
    incident.save(update_fields=["source", "alert_id", "person_tc_kimlik", "person_name", "person_phone"])
    IncidentPosition.objects.create(
        incident=incident,
        at=alert.at,
        latitude=latitude,
        longitude=longitude,
        accuracy_m=alert.accuracy_m,
    )
    external = dispatch_settings.kades_destination == DispatchSettings.KadesDestination.EXTERNAL
    body = dispatch_settings.kades_external_body.strip() or "112"
    if external:
        with translation.override(settings.LANGUAGE_CODE):
            note = _("KADES alerts of this directorate go to %(body)s.") % {"body": body}
        case = cases.redirect(case, actor=None, to=body, note=note)
        incident.case = case
    services.publish_alarm(incident, "kades")
    if alert.cancel:
        _cancel(incident, now)
    with translation.override(settings.LANGUAGE_CODE):
        if external:
            headline = _("KADES alert forwarded to %(body)s") % {"body": body}
            services.tell_supervisors(incident, headline, once=False, now=now)
        elif not services.consoles_open(institution, now=now):
            headline = _("KADES alert and no police console is open")
            services.tell_supervisors(incident, headline, once=True, now=now)
        else:
            due = now + dt.timedelta(seconds=dispatch_settings.alarm_ack_seconds)
            pk = incident.pk
            transaction.on_commit(lambda: services.schedule_alarm_check(pk, due))
    return incident


def _again(incident: Incident, alert: Alert) -> Incident:
    """A repeated alert id: its new position (the same position at the same time is a retry: kept once),
    the person's details it did not bring before, a cancellation."""
    with transaction.atomic():
        locked = Incident.objects.select_for_update(of=("self",)).select_related("case").get(pk=incident.pk)
        fields = []
        for name, value in (
            ("person_tc_kimlik", alert.tc_kimlik),
            ("person_name", alert.name),
            ("person_phone", alert.phone),
        ):
            if value and not getattr(locked, name):
                setattr(locked, name, value)
                fields.append(name)
        if fields:
            locked.save(update_fields=fields)
        if alert.has_point:
            latitude, longitude = alert.point
            seen = IncidentPosition.objects.filter(
                incident=locked, at=alert.at, latitude=latitude, longitude=longitude
            ).exists()
            if not seen:
                IncidentPosition.objects.create(
                    incident=locked,
                    at=alert.at,
                    latitude=latitude,
                    longitude=longitude,
                    accuracy_m=alert.accuracy_m,
                )
                services.publish_alarm(locked, "kades_position")
        if alert.cancel:
            _cancel(locked, timezone.now())
    return locked


def _cancel(incident: Incident, now: dt.datetime) -> None:
    """The app cancelled the alert: recorded once; the incident stays open for an operator to close."""
    if incident.cancelled_at is not None or incident.closed_at is not None:
        return
    Incident.objects.filter(pk=incident.pk).update(cancelled_at=now)
    incident.cancelled_at = now
    with translation.override(settings.LANGUAGE_CODE):
        note = _(
            "The KADES app cancelled the alert (pressed by mistake); an operator closes it as a false alarm."
        )
    cases.record_event(incident.case, "kades_cancelled", note=note, data={"incident": incident.pk}, now=now)
    services.publish_alarm(incident, "kades_cancelled")


# -- the webhook ---------------------------------------------------------------------------------------------


def sign(body: bytes, secret: str) -> str:
    """The signature header value for a body: ``sha256=`` and the hex HMAC-SHA256."""
    return SIGNATURE_PREFIX + signatures.hmac_sha256(secret, body)


def _signed_body(request: HttpRequest) -> bytes:
    if request.method != "POST":
        raise Refused(405, "method", gettext_lazy("Only POST is accepted here."))
    secret = getattr(settings, "KENTMASA_KADES_WEBHOOK_SECRET", "") or ""
    if not secret:
        raise Refused(
            503, "not_configured", gettext_lazy("The KADES webhook is not configured on this server.")
        )
    too_big = Refused(413, "too_big", gettext_lazy("The request body is too large."))
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY:
        raise too_big
    try:
        body = request.body
    except RequestDataTooBig:
        raise too_big from None
    if len(body) > MAX_BODY:
        raise too_big
    given = request.headers.get(SIGNATURE_HEADER, "").strip()
    expected = sign(body, secret)
    if not signatures.same_secret(given, expected):
        raise Refused(403, "signature", gettext_lazy("The request signature is missing or wrong."))
    return body


@csrf_exempt
def webhook(request: HttpRequest) -> JsonResponse:
    """A KADES alert (or its repeat, or its cancellation) posted by the gateway."""
    try:
        body = _signed_body(request)
        try:
            payload = edge.read_json(body)
        except edge.Malformed:
            raise Refused(400, "body", gettext_lazy("The body must be a JSON object.")) from None
        incident, created = receive_alert(parse_alert(payload))
    except Refused as refused:
        response = refused.response()
        if refused.status == 405:
            response["Allow"] = "POST"
        return response
    number = Case.objects.filter(pk=incident.case_id).values_list("tracking_number", flat=True).first()
    return JsonResponse({"incident": number, "created": created})
