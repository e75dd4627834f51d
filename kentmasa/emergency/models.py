"""The police side: incidents (a 155 report or a KADES alert), their dispatches to teams, where the KADES
person was, protection orders (Law 6284), and each directorate's dispatch settings.

An incident is a case (kentmasa.cases) with what the Haber Merkezi adds: who acknowledged it and when, the
teams sent, when one arrived, and the closing code the reports count. Every step also goes on the case's
timeline. A KADES person's name, TC kimlik no and phone are kept here, on the incident, never as a citizen
record: nothing in kentmasa that writes to citizens can reach her (DOMAIN.md, "Police").
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DispatchSettings(models.Model):
    """How a police directorate's Haber Merkezi works: one row per institution (``settings_for`` makes it)."""

    class KadesDestination(models.TextChoices):
        HABER_MERKEZI = "haber_merkezi", _("This directorate's Haber Merkezi")
        EXTERNAL = "external", _("An outside body (e.g. 112)")

    institution = models.OneToOneField(
        "directory.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="dispatch_settings",
    )
    haber_merkezi = models.ForeignKey(
        "directory.Unit",
        verbose_name=_("Haber Merkezi unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("KADES incidents are recorded on this unit."),
    )
    kades_category = models.ForeignKey(
        "directory.Category",
        verbose_name=_("category of KADES alerts"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kades_destination = models.CharField(
        _("KADES alerts go to"),
        max_length=20,
        choices=KadesDestination.choices,
        default=KadesDestination.HABER_MERKEZI,
    )
    kades_external_body = models.CharField(
        _("outside body for KADES alerts"), max_length=200, default="112 Acil Çağrı Merkezi", blank=True
    )
    supervisors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("duty supervisors"),
        blank=True,
        related_name="+",
        help_text=_(
            "Told at once (push and SMS) when a KADES alert finds no police console open or nobody "
            "acknowledges it in time."
        ),
    )
    team_ack_seconds = models.PositiveIntegerField(
        _("seconds a team has to acknowledge a dispatch"),
        default=60,
        validators=[MinValueValidator(10), MaxValueValidator(3600)],
    )
    alarm_ack_seconds = models.PositiveIntegerField(
        _("seconds an operator has to acknowledge a KADES alert"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(3600)],
    )
    plate_alert_teams = models.PositiveSmallIntegerField(
        _("teams told of a plate alert"),
        default=3,
        validators=[MinValueValidator(0), MaxValueValidator(20)],
        help_text=_("How many of the nearest available teams a hotlisted plate's read is sent to."),
    )
    plate_read_retention_days = models.PositiveSmallIntegerField(
        _("days plate reads are kept"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("Reads are deleted after this; a hotlisted plate's hits stay with their alert."),
    )

    class Meta:
        verbose_name = _("dispatch settings")
        verbose_name_plural = _("dispatch settings")

    def __str__(self) -> str:
        return str(self.institution)


class Incident(models.Model):
    """A police case as the Haber Merkezi works it."""

    class Source(models.TextChoices):
        CALL = "call", _("155 report")
        KADES = "kades", _("KADES alert")

    class ClosingCode(models.TextChoices):
        RESOLVED_ON_SCENE = "resolved_on_scene", _("Resolved on scene")
        FALSE_ALARM = "false_alarm", _("False alarm")
        TRANSFERRED_112 = "transferred_112", _("Transferred to 112")
        TRANSFERRED_OTHER = "transferred_other", _("Transferred to another body")
        NO_ONE_FOUND = "no_one_found", _("No one found")
        REFERRED_TO_UNIT = "referred_to_unit", _("Referred to the responsible unit")

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="incident"
    )
    institution = models.ForeignKey(
        "directory.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.CALL)
    opened_at = models.DateTimeField(_("opened"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    first_dispatched_at = models.DateTimeField(_("first team sent"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("team arrived"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closing_code = models.CharField(_("closing code"), max_length=20, choices=ClosingCode.choices, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # When the duty supervisors were told that nobody had acknowledged it (once per incident).
    supervisor_told_at = models.DateTimeField(null=True, blank=True, editable=False)

    # KADES only: the gateway's alert id (a repeat updates this incident), and the person who pressed.
    alert_id = models.CharField(_("KADES alert id"), max_length=100, null=True, blank=True, unique=True)
    cancelled_at = models.DateTimeField(_("cancelled by the app"), null=True, blank=True)
    person_tc_kimlik = models.CharField(_("TC identity no"), max_length=11, blank=True)
    person_name = models.CharField(_("name"), max_length=200, blank=True)
    person_phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [
            # The dispatch board: an institution's open incidents (a few dozen at most at any time).
            models.Index(
                fields=["institution", "opened_at"], name="incident_open", condition=Q(closed_at__isnull=True)
            ),
            # Closing codes counted over a period.
            models.Index(fields=["institution", "closed_at", "closing_code"], name="incident_closed"),
            # Earlier KADES alerts of the same person.
            models.Index(
                fields=["person_tc_kimlik", "-opened_at"],
                name="incident_person",
                condition=~Q(person_tc_kimlik=""),
            ),
        ]

    def __str__(self) -> str:
        return str(self.case)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class IncidentPosition(models.Model):
    """Where the KADES person's phone was: every position the gateway sent, oldest first."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="positions")
    at = models.DateTimeField(_("time"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    accuracy_m = models.PositiveIntegerField(_("accuracy (m)"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("incident position")
        verbose_name_plural = _("incident positions")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["incident", "at"], name="incident_position_track")]

    def __str__(self) -> str:
        return f"{self.latitude}, {self.longitude}"


class Dispatch(models.Model):
    """A team sent to an incident; it must acknowledge on its phone within the directorate's time."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the team")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        TIMED_OUT = "timed_out", _("Not acknowledged in time")
        CANCELLED = "cancelled", _("Cancelled")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="dispatches")
    team = models.ForeignKey("directory.Team", on_delete=models.PROTECT, related_name="dispatches")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    # As suggested when it was sent: straight-line distance and the age of the team's position.
    distance_m = models.PositiveIntegerField(_("distance (m)"), null=True, blank=True)
    position_age_s = models.PositiveIntegerField(_("position age (s)"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("sent"))
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ack_due_at = models.DateTimeField(_("to acknowledge by"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        ordering = ["dispatched_at", "pk"]
        indexes = [
            models.Index(fields=["team", "status"], name="dispatch_team"),
            models.Index(fields=["incident", "dispatched_at"], name="dispatch_incident"),
        ]

    def __str__(self) -> str:
        return f"{self.team} → {self.incident}"


class ProtectionOrder(models.Model):
    """A protective order under Law 6284 on record for a person: shown with her KADES alerts."""

    institution = models.ForeignKey(
        "directory.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    person_tc_kimlik = models.CharField(_("TC identity no"), max_length=11)
    person_name = models.CharField(_("name"), max_length=200, blank=True)
    court = models.CharField(_("court or authority"), max_length=200, blank=True)
    decision_no = models.CharField(_("decision no"), max_length=60, blank=True)
    decided_on = models.DateField(_("decided on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    measures = models.TextField(_("measures"), blank=True)

    class Meta:
        verbose_name = _("protection order (Law 6284)")
        verbose_name_plural = _("protection orders (Law 6284)")
        indexes = [models.Index(fields=["institution", "person_tc_kimlik"], name="protection_order_person")]

    def __str__(self) -> str:
        return f"{self.decision_no or self.pk} {self.decided_on:%d.%m.%Y}"


class ConsolePresence(models.Model):
    """That a police operator has a console or the dispatch board open: their page says so every few seconds.
    A KADES alert that finds nobody seen lately goes to the duty supervisors at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    institution = models.ForeignKey("directory.Institution", on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["institution", "seen_at"], name="console_presence")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.seen_at:%H:%M:%S}"


# -- plate recognition (PTS) --------------------------------------------------------------------------------


class PlateReason(models.TextChoices):
    STOLEN = "stolen", _("Stolen")
    WANTED = "wanted", _("Wanted")
    TERROR = "terror", _("Terror-linked")
    OTHER = "other", _("Other")


class PlateKind(models.TextChoices):
    """What kentmasa.lib.plates made of a plate as read: only a Turkish plate is checked for its form."""

    TURKISH = "turkish", _("Turkish")
    DIPLOMATIC = "diplomatic", _("Diplomatic")
    FOREIGN = "foreign", _("Foreign or not recognised")
    UNREADABLE = "unreadable", _("Unreadable")


class HotlistEntry(models.Model):
    """A plate the teams must be told of when a camera reads it (one entry per plate and directorate)."""

    institution = models.ForeignKey(
        "directory.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    # The plate's key (kentmasa.lib.plates): "34ABC123" for a Turkish plate, letters and digits otherwise.
    plate = models.CharField(_("plate"), max_length=16)
    plate_kind = models.CharField(_("plate kind"), max_length=12, choices=PlateKind.choices)
    reason = models.CharField(_("reason"), max_length=10, choices=PlateReason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("hotlisted plate")
        verbose_name_plural = _("plate hotlist")
        ordering = ["-added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "plate"], name="hotlist_plate_unique"),
        ]

    def __str__(self) -> str:
        return self.plate


class PlateReadBatch(models.Model):
    """A batch of reads posted with an ``Idempotency-Key``: a retry of the same key changes nothing more and
    gets the first answer back."""

    institution = models.ForeignKey("directory.Institution", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    received_at = models.DateTimeField()
    answer = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["institution", "key"], name="plate_read_batch_key"),
        ]
        indexes = [models.Index(fields=["received_at"], name="plate_read_batch_at")]

    def __str__(self) -> str:
        return self.key


class PlateRead(models.Model):
    """One plate a camera read: kept for DispatchSettings.plate_read_retention_days, then deleted (with a
    destruction record). Written in bulk; the camera is its code as the camera system sends it."""

    id = models.BigAutoField(primary_key=True)
    institution = models.ForeignKey(
        "directory.Institution", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    camera_code = models.CharField(_("camera"), max_length=64)
    plate = models.CharField(_("plate"), max_length=16, blank=True)  # the key; "" when unreadable
    plate_raw = models.CharField(_("plate as read"), max_length=32, blank=True)
    plate_kind = models.CharField(_("plate kind"), max_length=12, choices=PlateKind.choices)
    at = models.DateTimeField(_("read at"))
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"))

    class Meta:
        verbose_name = _("plate read")
        verbose_name_plural = _("plate reads")
        indexes = [
            # Where was this plate seen; and the retention purge, oldest first.
            models.Index(fields=["institution", "plate", "at"], name="plate_read_plate"),
            models.Index(fields=["at"], name="plate_read_at"),
        ]

    def __str__(self) -> str:
        return f"{self.plate_raw} {self.camera_code}"


class PlateAlert(models.Model):
    """A hotlisted plate seen by the cameras: on the board and sent to the nearest available teams. Further
    reads of the same plate while the alert is open are added to it as hits (they outlive the reads)."""

    class Outcome(models.TextChoices):
        STOPPED = "stopped", _("Vehicle stopped")
        NOT_FOUND = "not_found", _("Vehicle not found")
        FALSE_READ = "false_read", _("Misread plate")
        OTHER = "other", _("Other")

    institution = models.ForeignKey(
        "directory.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    entry = models.ForeignKey(
        HotlistEntry,
        verbose_name=_("hotlist entry"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
    )
    # Copied from the entry when the alert opened: the entry may be changed or removed later.
    plate = models.CharField(_("plate"), max_length=16)
    reason = models.CharField(_("reason"), max_length=10, choices=PlateReason.choices)
    entry_note = models.CharField(_("note"), max_length=500, blank=True)
    opened_at = models.DateTimeField(_("opened"))
    last_hit_at = models.DateTimeField(_("last seen"))
    hit_count = models.PositiveIntegerField(_("reads"), default=0)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("plate alert")
        verbose_name_plural = _("plate alerts")
        ordering = ["-opened_at", "-pk"]
        indexes = [
            models.Index(fields=["institution", "-opened_at"], name="plate_alert_list"),
            # The open alert of a plate, which its next hit joins; and the board's open alerts.
            models.Index(
                fields=["institution", "plate"], name="plate_alert_open", condition=Q(closed_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plate} {self.opened_at:%d.%m.%Y %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class PlateHit(models.Model):
    """A read of an alert's plate: where and when, kept with the alert after the read itself is deleted."""

    alert = models.ForeignKey(PlateAlert, on_delete=models.CASCADE, related_name="hits")
    camera_code = models.CharField(_("camera"), max_length=64)
    camera = models.ForeignKey(
        "Camera", verbose_name=_("camera"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    plate_raw = models.CharField(_("plate as read"), max_length=32, blank=True)
    at = models.DateTimeField(_("read at"))
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"))

    class Meta:
        verbose_name = _("plate hit")
        verbose_name_plural = _("plate hits")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["alert", "at"], name="plate_hit_alert")]

    def __str__(self) -> str:
        return f"{self.camera_code} {self.at:%H:%M:%S}"


class PlateAlertTeam(models.Model):
    """A team told of a plate alert (the nearest available when a hit came), and when it said it saw it."""

    alert = models.ForeignKey(PlateAlert, on_delete=models.CASCADE, related_name="told")
    team = models.ForeignKey("directory.Team", on_delete=models.CASCADE, related_name="+")
    told_at = models.DateTimeField(_("told"))
    distance_m = models.PositiveIntegerField(_("distance (m)"), null=True, blank=True)
    seen_at = models.DateTimeField(_("seen by the team"), null=True, blank=True)

    class Meta:
        verbose_name = _("team told of a plate alert")
        verbose_name_plural = _("teams told of plate alerts")
        constraints = [models.UniqueConstraint(fields=["alert", "team"], name="plate_alert_team_unique")]
        indexes = [models.Index(fields=["team", "-told_at"], name="plate_alert_team")]

    def __str__(self) -> str:
        return f"{self.team_id} ← {self.alert_id}"


# -- city cameras and their footage (KGYS) ------------------------------------------------------------------


class Camera(models.Model):
    """A city camera (KGYS; also a PTS camera, by the same code). Its recordings are kept for
    ``retention_days`` unless a legal hold covers them, then deleted by the recorder (footage.purge)."""

    institution = models.ForeignKey(
        "directory.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(
        _("camera id"),
        max_length=64,
        help_text=_("As the camera and plate systems name it, e.g. ESK-KGYS-014."),
    )
    name = models.CharField(_("name"), max_length=200)
    location = models.CharField(_("location"), max_length=300, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    retention_days = models.PositiveSmallIntegerField(
        _("recordings kept (days)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_(
            "Footage older than this is deleted unless a legal hold covers it "
            "(service standard: about 10 days)."
        ),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("camera")
        verbose_name_plural = _("cameras")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="camera_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class FootageRequest(models.Model):
    """An authority's written request for footage: recorded by one officer, approved (and so released) by
    another who holds the ``release_footage`` permission, only with the scanned order attached."""

    class Requester(models.TextChoices):
        PROSECUTOR = "prosecutor", _("Public prosecutor's office")
        COURT = "court", _("Court")
        ADMINISTRATIVE = "administrative", _("Administrative investigation")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        RELEASED = "released", _("Approved and released")
        REFUSED = "refused", _("Refused")

    institution = models.ForeignKey(
        "directory.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    requester_kind = models.CharField(_("requested by"), max_length=20, choices=Requester.choices)
    requester = models.CharField(
        _("authority"), max_length=200, help_text=_("e.g. Eskişehir Cumhuriyet Başsavcılığı")
    )
    reference_no = models.CharField(_("reference no"), max_length=100)
    reference_date = models.DateField(_("reference date"))
    order = models.FileField(_("written order (scan)"), upload_to="footage-orders/%Y/%m/", blank=True)
    order_sha256 = models.CharField(_("SHA-256 of the order"), max_length=64, blank=True)
    cameras = models.ManyToManyField(Camera, verbose_name=_("cameras"), related_name="footage_requests")
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("to"))
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("footage request")
        verbose_name_plural = _("footage requests")
        ordering = ["-recorded_at", "-pk"]
        permissions = [
            ("release_footage", _("Can approve the release of camera footage (KGYS)")),
            ("lift_footage_hold", _("Can lift a legal hold on camera footage")),
        ]
        indexes = [
            models.Index(fields=["institution", "status", "-recorded_at"], name="footage_request_list"),
            # The list unfiltered by status, keyset-paged newest first (emergency.footage_views.requests).
            models.Index(fields=["institution", "-recorded_at", "-id"], name="footage_request_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.requester} {self.reference_no}"


class FootageRelease(models.Model):
    """Footage handed over for a request: who, when, which cameras and window, and the SHA-256 of the
    package handed over (and of each file in it)."""

    request = models.ForeignKey(FootageRequest, on_delete=models.PROTECT, related_name="releases")
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("released by"), on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(_("released"))
    cameras = models.JSONField(_("cameras"), default=list)  # their codes, as they were then
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("to"))
    package = models.FileField(_("package"), upload_to="footage-releases/%Y/%m/", blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    byte_count = models.PositiveBigIntegerField(_("bytes"), default=0)
    # [{"camera": code, "name": file name, "from": iso, "to": iso, "bytes": n, "sha256": hex}, …]
    manifest = models.JSONField(_("files"), default=list)

    class Meta:
        verbose_name = _("footage release")
        verbose_name_plural = _("footage releases")
        ordering = ["-released_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.request} {self.released_at:%d.%m.%Y %H:%M}"


class FootageHold(models.Model):
    """A legal hold: footage of a camera in a window that is never deleted until the hold is lifted by hand
    (handing the footage over does not lift it)."""

    camera = models.ForeignKey(
        Camera, verbose_name=_("camera"), on_delete=models.PROTECT, related_name="holds"
    )
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("to"))
    reason = models.CharField(_("reason"), max_length=300)
    request = models.ForeignKey(
        FootageRequest,
        verbose_name=_("footage request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="holds",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("held since"))
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lift_reason = models.CharField(_("why lifted"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("legal hold on footage")
        verbose_name_plural = _("legal holds on footage")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["camera", "window_start"],
                name="footage_hold_active",
                condition=Q(lifted_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.camera_id} {self.window_start:%d.%m.%Y %H:%M}–{self.window_end:%d.%m.%Y %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None
