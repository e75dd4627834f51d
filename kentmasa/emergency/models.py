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
