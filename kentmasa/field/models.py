"""The field side: work orders sent to teams, the phone's queue of what it did, machinery, visit logs and
inspection reports (the Derman loop of seed 004).

A **work order** (iş emri) is field work for a team on one case: the unit sends it, the team goes, arrives,
takes before and after photos and reports it done, not possible or needing another team. Completing a work
order reports to the unit; the unit resolves the case (approvals apply), never the phone by itself. One case
may have several work orders (a second team inspecting beside the unit's own crew); a field user sees the
cases of their work orders.

The phone works without signal: every action it takes carries an id made on the phone, and the server keeps
that id (``FieldAction``), so a resend is answered from the ledger and never applied twice. A phone holds a
revocable ``DeviceToken`` to send its queue when the session has expired.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FailureReason(models.Model):
    """A reason a work order could not be done ("Yapılamadı"), from the list a unit keeps."""

    unit = models.ForeignKey(
        "directory.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="failure_reasons"
    )
    text = models.CharField(_("reason"), max_length=200)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("reason a work order could not be done")
        verbose_name_plural = _("reasons a work order could not be done")
        ordering = ["unit", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["unit", "text"], name="failure_reason_unique")]

    def __str__(self) -> str:
        return self.text


class Machine(models.Model):
    """A unit's machine (iş makinesi): a grader, a truck, a crane… booked by work orders."""

    class Kind(models.TextChoices):
        GRADER = "grader", _("Grader")
        EXCAVATOR = "excavator", _("Excavator")
        LOADER = "loader", _("Loader")
        TRUCK = "truck", _("Truck")
        CRANE = "crane", _("Crane")
        ROLLER = "roller", _("Road roller")
        WATER_TANKER = "water_tanker", _("Water tanker")
        SWEEPER = "sweeper", _("Road sweeper")
        PICKUP = "pickup", _("Pickup")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        OUT = "out", _("Out on a work order")
        MAINTENANCE = "maintenance", _("In maintenance")
        RETIRED = "retired", _("Retired")

    unit = models.ForeignKey(
        "directory.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="machines"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    plate = models.CharField(_("plate"), max_length=16, blank=True)  # kentmasa.lib.plates.normalize
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.AVAILABLE)
    status_at = models.DateTimeField(_("status since"), null=True, blank=True)

    class Meta:
        verbose_name = _("machine")
        verbose_name_plural = _("machines")
        ordering = ["unit", "kind", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plate"], condition=~Q(plate=""), name="machine_plate_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.plate})" if self.plate else self.name


class WorkOrder(models.Model):
    """Field work for a team on one case."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        EN_ROUTE = "en_route", _("On the way")
        ON_SITE = "on_site", _("On site")
        DONE = "done", _("Completed")
        FAILED = "failed", _("Could not be done")
        OTHER_TEAM = "other_team", _("Another team needed")
        CANCELLED = "cancelled", _("Cancelled")

    class CancelReason(models.TextChoices):
        UNIT = "unit", _("cancelled by the unit")
        CASE_MOVED = "case_moved", _("the case moved to another unit or institution")
        CASE_CLOSED = "case_closed", _("the case was closed")

    class Kind(models.TextChoices):
        WORK = "work", _("Work")
        INSPECTION = "inspection", _("Inspection (Derman)")

    class Reason(models.TextChoices):
        """Why an inspection was sent (kentmasa.field.derman)."""

        IDLE = "idle", _("The unit has not acted on the case")
        NOT_SOLVED = "not_solved", _("The citizen says the problem is not solved")
        SAMPLE = "sample", _("A sample check of a resolved case")
        STAFF = "staff", _("Sent by staff")

    OPEN = (Status.ASSIGNED, Status.EN_ROUTE, Status.ON_SITE)
    REPORTED = (Status.DONE, Status.FAILED, Status.OTHER_TEAM)

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="work_orders"
    )
    team = models.ForeignKey(
        "directory.Team", verbose_name=_("team"), on_delete=models.PROTECT, related_name="work_orders"
    )
    # The unit that sent it (told when the team reports) and its institution (for scoping).
    unit = models.ForeignKey(
        "directory.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="work_orders"
    )
    institution = models.ForeignKey(
        "directory.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    # A member of the team it is given to (the leader reassigns within the team); empty: the whole team.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="field_work_orders",
    )
    # An inspection goes to the institution's inspection team (InspectionSettings) beside the unit's own
    # work: it never changes the case's unit or team.
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.WORK)
    reason = models.CharField(_("reason sent"), max_length=12, choices=Reason.choices, blank=True)
    instructions = models.TextField(_("instructions"), max_length=2000, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=2)  # cases.models.Priority
    scheduled_for = models.DateField(_("day"))
    machines = models.ManyToManyField(
        Machine, verbose_name=_("machines"), blank=True, related_name="work_orders"
    )

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ASSIGNED)
    status_at = models.DateTimeField(_("status since"))
    # Why a cancelled work order was cancelled: by the unit, or overtaken by its case (field.signals).
    cancel_reason = models.CharField(
        _("cancelled because"), max_length=20, choices=CancelReason.choices, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent"))
    started_at = models.DateTimeField(_("set out"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    arrived_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    arrived_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    arrived_accuracy_m = models.PositiveIntegerField(null=True, blank=True)
    finished_at = models.DateTimeField(_("reported"), null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    failure_reason = models.ForeignKey(
        FailureReason,
        verbose_name=_("reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    report = models.TextField(_("team's note"), max_length=4000, blank=True)
    # The unit has read the team's report (and resolved, reassigned or sent another team).
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["team", "scheduled_for", "status"], name="workorder_team_day"),
            models.Index(fields=["unit", "status", "-created_at"], name="workorder_unit"),
            models.Index(fields=["assignee", "status"], name="workorder_assignee"),
            models.Index(fields=["case", "kind", "reason"], name="workorder_case_inspection"),
            # The unit's review screen, keyset-paged (field.office_views.unit_reports; migration 0004):
            # reports waiting, oldest finished first, and reviewed ones, newest reviewed first.
            models.Index(
                fields=["institution", "finished_at", "id"],
                name="workorder_review_waiting",
                condition=Q(status__in=["done", "failed", "other_team"], reviewed_at__isnull=True),
            ),
            models.Index(
                fields=["institution", "reviewed_at", "id"],
                name="workorder_reviewed",
                condition=Q(reviewed_at__isnull=False),
            ),
        ]
        constraints = [
            # One open inspection per case and reason, whoever sends it (kentmasa.field.derman).
            models.UniqueConstraint(
                fields=["case", "reason"],
                condition=Q(kind="inspection", status__in=["assigned", "en_route", "on_site"]),
                name="workorder_one_open_inspection",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.team}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class WorkOrderPhoto(models.Model):
    """A photo the team took on a work order: before or after the work (the citizen's collage uses them)."""

    class Phase(models.TextChoices):
        BEFORE = "before", _("Before")
        AFTER = "after", _("After")

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="photos")
    attachment = models.OneToOneField(
        "cases.Attachment", on_delete=models.CASCADE, related_name="work_order_photo"
    )
    phase = models.CharField(_("phase"), max_length=10, choices=Phase.choices)

    class Meta:
        verbose_name = _("work order photo")
        verbose_name_plural = _("work order photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.work_order_id} {self.phase}"


class DeviceToken(models.Model):
    """A phone's revocable key for sending its queue when its session has expired.

    Only a hash of the token is kept (like directory.ApiToken); the user revokes it on the app's settings
    page, an administrator in the admin. It can send queued field actions and nothing else.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="field_devices",
    )
    label = models.CharField(_("device"), max_length=200, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("field device")
        verbose_name_plural = _("field devices")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} {self.label}".strip()


class FieldAction(models.Model):
    """One action the phone sent, by the id the phone made: the ledger that makes a resend harmless.

    ``outcome`` says what became of it: applied, a conflict the user is shown (the case moved meanwhile), or
    refused (bad input). A resend with the same (user, client_id) gets the stored answer back.
    """

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        CONFLICT = "conflict", _("Conflict")
        REFUSED = "refused", _("Refused")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    client_id = models.UUIDField()
    kind = models.CharField(max_length=30)
    work_order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    done_at = models.DateTimeField(_("done on the phone"))
    received_at = models.DateTimeField(_("received"))
    device = models.ForeignKey(
        DeviceToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    answer = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("field action")
        verbose_name_plural = _("field actions")
        constraints = [models.UniqueConstraint(fields=["user", "client_id"], name="field_action_once")]
        indexes = [models.Index(fields=["outcome", "-received_at"], name="field_action_outcome")]

    def __str__(self) -> str:
        return f"{self.kind} {self.client_id}"


class Visit(models.Model):
    """A house visit or a street stand (Esenler's "ev ziyaretleri", "stant çalışmaları"): where, when, who,
    what was asked. Each request raised there becomes a case (``cases``)."""

    class Kind(models.TextChoices):
        HOUSE = "house", _("House visit")
        STAND = "stand", _("Street stand")
        OTHER = "other", _("Other field work")

    institution = models.ForeignKey(
        "directory.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "directory.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    place = models.CharField(_("place"), max_length=300)
    mahalle = models.CharField(_("neighbourhood"), max_length=100, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("staff"), related_name="+")
    people = models.PositiveIntegerField(_("people met"), default=0)
    asked = models.TextField(_("what was asked"), max_length=4000, blank=True)
    cases = models.ManyToManyField("cases.Case", verbose_name=_("cases"), blank=True, related_name="visits")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["institution", "-started_at"], name="visit_institution")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.place}"


class InspectionSettings(models.Model):
    """An institution's Derman loop (seed 004): which team inspects, and when it is sent
    (kentmasa.field.derman): when the unit has not acted within ``idle_percent`` of the standard, when the
    citizen says the problem is not solved, and on ``sample_percent`` of resolved cases."""

    institution = models.OneToOneField(
        "directory.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="inspection_settings",
    )
    team = models.ForeignKey(
        "directory.Team", verbose_name=_("inspection team"), on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)
    idle_percent = models.PositiveSmallIntegerField(
        _("share of the standard without action (%)"),
        default=50,
        help_text=_("Sent when nobody in the unit has acted on a case for this share of its standard."),
    )
    on_not_solved = models.BooleanField(_("sent when the citizen says it is not solved"), default=True)
    sample_percent = models.PositiveSmallIntegerField(
        _("resolved cases checked (%)"),
        default=10,
        help_text=_("This share of resolved cases is inspected to verify them (0: none)."),
    )

    class Meta:
        verbose_name = _("Derman inspection settings")
        verbose_name_plural = _("Derman inspection settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(idle_percent__gte=1, idle_percent__lte=99), name="inspection_idle_percent"
            ),
            models.CheckConstraint(condition=Q(sample_percent__lte=100), name="inspection_sample_percent"),
        ]

    def __str__(self) -> str:
        return str(self.team)


class InspectionReport(models.Model):
    """An inspection report (tutanak / bilgi formu) written on the phone: findings and photos, signed by
    name; its PDF is attached to the case and sent to the responsible unit."""

    class Outcome(models.TextChoices):
        SOLVED = "solved", _("Solved")
        NOT_SOLVED = "not_solved", _("Not solved")
        PARTLY = "partly", _("Partly solved")

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="inspection_reports"
    )
    work_order = models.ForeignKey(
        WorkOrder,
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    institution = models.ForeignKey(
        "directory.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    inspected_at = models.DateTimeField(_("inspected"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    findings = models.TextField(_("findings"), max_length=8000)
    # Whether the problem is solved, as found on site ("" on reports written before it was asked).
    outcome = models.CharField(_("finding"), max_length=12, choices=Outcome.choices, blank=True)
    recommendation = models.TextField(_("recommendation"), max_length=4000, blank=True)
    sent_to = models.ForeignKey(
        "directory.Unit",
        verbose_name=_("sent to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signed by"), on_delete=models.PROTECT, related_name="+"
    )
    signer_name = models.CharField(_("name"), max_length=200)
    signer_title = models.CharField(_("title"), max_length=200, blank=True)
    signed_at = models.DateTimeField(_("signed"))
    pdf = models.OneToOneField(
        "cases.Attachment", null=True, blank=True, on_delete=models.SET_NULL, related_name="inspection_report"
    )
    photos = models.ManyToManyField("cases.Attachment", blank=True, related_name="+")

    class Meta:
        verbose_name = _("inspection report")
        verbose_name_plural = _("inspection reports")
        ordering = ["-signed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.case} {self.signed_at:%d.%m.%Y}"
