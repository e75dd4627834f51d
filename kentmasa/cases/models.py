"""Cases, their timeline, attachments and the citizens who bring them.

A case's state changes only through kentmasa.cases.services; nothing else saves its status.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kentmasa.cases.tracking import format_tracking_number
from kentmasa.lib import phones, tckimlik, turkish


class Citizen(models.Model):
    """One person across channels, matched by TC kimlik no, phone or e-mail.

    Each institution keeps its own record of a person: every institution is a separate data controller
    under KVKK, so what a citizen told the police is not shown to the municipality's call centre.
    """

    institution = models.ForeignKey(
        "directory.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="citizens",
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    tc_kimlik = models.CharField(_("TC identity no"), max_length=11, null=True, blank=True)  # noqa: DJ001
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=400, blank=True)
    # Whether each identifier is proven to be this person's (see kentmasa.cases.citizens): only a proven
    # identifier ever finds this record again, so typed contact data never redirects someone's messages.
    tc_kimlik_verified = models.BooleanField(_("TC identity no checked"), default=False)
    phone_verified = models.BooleanField(_("phone verified"), default=False)
    email_verified = models.BooleanField(_("e-mail verified"), default=False)
    name_key = models.CharField(max_length=200, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")
        constraints = [
            # One checked record per person; unchecked records (a number typed on a public form) may repeat.
            models.UniqueConstraint(
                fields=["institution", "tc_kimlik"],
                condition=models.Q(tc_kimlik_verified=True),
                name="uniq_citizen_tc_kimlik",
            ),
        ]
        indexes = [
            models.Index(fields=["institution", "tc_kimlik"], name="citizen_tc_kimlik"),
            models.Index(fields=["institution", "phone"], name="citizen_phone"),
            models.Index(fields=["institution", "email"], name="citizen_email"),
            models.Index(fields=["institution", "name_key"], name="citizen_name"),
        ]

    def __str__(self) -> str:
        return self.name or self.masked_phone or str(_("Anonymous"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_key = turkish.fold(self.name)
        super().save(*args, **kwargs)

    @property
    def masked_phone(self) -> str:
        return phones.mask(self.phone) if self.phone else ""

    @property
    def masked_tc_kimlik(self) -> str:
        return tckimlik.mask(self.tc_kimlik) if self.tc_kimlik else ""

    @property
    def phone_display(self) -> str:
        return phones.display(self.phone) if self.phone else ""


class Status(models.TextChoices):
    NEW = "new", _("Received")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CITIZEN = "waiting_citizen", _("Waiting for the citizen")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    REDIRECTED = "redirected", _("Redirected")
    MERGED = "merged", _("Merged")


# The statuses in which the institution still owes an answer and the deadline runs.
OPEN_STATUSES = (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS)
ACTIVE_STATUSES = (*OPEN_STATUSES, Status.WAITING_CITIZEN)


class Kind(models.TextChoices):
    REQUEST = "request", _("Request")
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    APPRECIATION = "appreciation", _("Appreciation")
    TIP_OFF = "tip_off", _("Tip-off")
    INFORMATION_REQUEST = "information_request", _("Information request (Law 4982)")
    PETITION = "petition", _("Petition (Law 3071)")
    DATA_SUBJECT_REQUEST = "data_subject_request", _("KVKK application (art. 11)")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SOCIAL = "social", _("Social media")
    WEB = "web", _("Web form")
    MOBILE = "mobile", _("Mobile app")
    DESK = "desk", _("Desk")
    MOBILE_DESK = "mobile_desk", _("Mobile desk")
    FIELD = "field", _("Field team")
    CIMER = "cimer", _("CİMER")
    ACIK_KAPI = "acik_kapi", _("Açık Kapı")
    BIMER = "bimer", _("BİMER")
    KADES = "kades", _("KADES")
    OPEN311 = "open311", _("Open311")


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class Case(models.Model):
    # NULL only inside the transaction that creates the case (the number is made from its id).
    tracking_number = models.CharField(  # noqa: DJ001
        _("tracking number"), max_length=20, unique=True, null=True, editable=False
    )
    verification_code = models.CharField(_("verification code"), max_length=8, editable=False)
    institution = models.ForeignKey(
        "directory.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="cases"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.REQUEST)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    citizen = models.ForeignKey(
        Citizen,
        verbose_name=_("citizen"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    province = models.CharField(_("province (il)"), max_length=60, blank=True)
    district = models.CharField(_("district (ilçe)"), max_length=60, blank=True)
    neighbourhood = models.CharField(_("neighbourhood (mahalle)"), max_length=120, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    building_no = models.CharField(_("building no"), max_length=20, blank=True)
    address_text = models.CharField(_("address"), max_length=400, blank=True)

    category = models.ForeignKey(
        "directory.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    service = models.ForeignKey(
        "directory.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    unit = models.ForeignKey(
        "directory.Unit",
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    team = models.ForeignKey(
        "directory.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )

    received_at = models.DateTimeField(_("received"))
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    several_institutions = models.BooleanField(
        _("concerns several institutions"),
        default=False,
        help_text=_("The longer completion time of the service standard applies."),
    )
    # What the service standard times (directory.Service.Clock), copied when the service is set: for a
    # forwarding clock ``clock_stopped_at`` is when staff first forwarded the case (or settled it), and from
    # then on the case is neither late nor escalated (kentmasa.cases.clock).
    clock = models.CharField(_("the standard times"), max_length=12, default="completion", editable=False)
    clock_stopped_at = models.DateTimeField(_("forwarded"), null=True, blank=True, editable=False)
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    overdue_since = models.DateTimeField(_("overdue since"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_at = models.DateTimeField(_("last escalated"), null=True, blank=True)
    # The last time staff acted on the case (kentmasa.cases.activity), and when the unit is to be warned
    # that nobody has acted for a share of the standard (None: no warning due; cleared once it is sent).
    acted_at = models.DateTimeField(_("last acted on"), null=True, blank=True)
    idle_warn_at = models.DateTimeField(null=True, blank=True, editable=False)

    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    redirected_to = models.CharField(_("redirected to"), max_length=200, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
    )
    # The earlier case this one carries on: the citizen wrote about it after it was closed, too late to
    # reopen it (Institution.reopen_days).
    follows = models.ForeignKey(
        "self",
        verbose_name=_("follows"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
    )

    search_text = models.TextField(editable=False, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            # The unit queue: a unit's cases in a status, soonest deadline first. The queue pages through
            # this index alone (see kentmasa.cases.queries.keyset_page) and then fetches 50 rows.
            models.Index(fields=["unit", "status", "due_at"], name="case_unit_queue"),
            models.Index(fields=["institution", "status", "due_at"], name="case_institution_queue"),
            # The queue's keyset pages over all active statuses, soonest deadline first: one range read in
            # (due_at, id) order from a page's cursor (kentmasa.cases.queries.keyset_page), for one unit or
            # the whole institution, and its bounded count from the index alone (a unit's cases are scoped
            # by institution too, access.visible_cases; its status filter reads the last column). Partial:
            # closed cases, most of the table, are not in them.
            models.Index(
                fields=["institution", "unit", "due_at", "id", "status"],
                name="case_unit_active",
                condition=Q(status__in=["new", "assigned", "in_progress", "waiting_citizen"]),
            ),
            models.Index(
                fields=["institution", "due_at", "id"],
                name="case_institution_active",
                condition=Q(status__in=["new", "assigned", "in_progress", "waiting_citizen"]),
            ),
            models.Index(fields=["institution", "-received_at"], name="case_institution_recent"),
            models.Index(fields=["citizen", "-received_at"], name="case_citizen_history"),
            # Likely duplicates: open cases of the institution within a few hundred metres (a lat/lon box).
            models.Index(fields=["institution", "latitude", "longitude"], name="case_institution_point"),
            # The task map's grid clusters: the lat/lon box and every column the counts read (bench/map.py).
            models.Index(
                fields=[
                    "institution",
                    "latitude",
                    "longitude",
                    "unit",
                    "status",
                    "due_at",
                    "overdue_since",
                    "paused_at",
                    "id",
                ],
                name="case_map",
            ),
            # The mahalle layer and page: grouped by place texts; counts and resolution times from the index.
            models.Index(
                fields=[
                    "institution",
                    "province",
                    "district",
                    "neighbourhood",
                    "unit",
                    "status",
                    "due_at",
                    "overdue_since",
                    "paused_at",
                    "received_at",
                    "resolved_at",
                ],
                name="case_mahalle",
            ),
            # The overdue sweep looks only at running cases not yet escalated to the end of the ladder.
            models.Index(
                fields=["due_at"],
                name="case_sweep",
                condition=Q(
                    status__in=["new", "assigned", "in_progress"],
                    escalation_level__lt=2,
                    clock_stopped_at__isnull=True,
                ),
            ),
            # The idle-warning sweep (kentmasa.escalation): running cases with a warning still to send.
            models.Index(
                fields=["idle_warn_at"],
                name="case_idle_warning",
                condition=Q(status__in=["new", "assigned", "in_progress"], idle_warn_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_number} {self.subject}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_overdue(self) -> bool:
        late = self.overdue_since is not None and self.status in OPEN_STATUSES
        return late and self.clock_stopped_at is None

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def tracking_display(self) -> str:
        """The tracking number as it is read out and printed: "26-0001234-7"."""
        return format_tracking_number(self.tracking_number)

    def build_search_text(self) -> str:
        """Everything staff search a case by, folded the Turkish way (see kentmasa.lib.turkish.fold)."""
        parts = [self.tracking_number or "", self.subject, self.description]
        if self.citizen is not None:
            citizen = self.citizen
            parts += [citizen.name, citizen.tc_kimlik or "", citizen.email]
            if citizen.phone:
                national = "".join(ch for ch in phones.display(citizen.phone) if ch.isdigit())
                parts += [national, national.lstrip("0")]
        return turkish.fold(" ".join(part for part in parts if part))


class Event(models.Model):
    """One line of a case's timeline: who did what, when, and whether the citizen sees it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    public = models.BooleanField(_("visible to the citizen"), default=False)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"], name="event_case_timeline")]

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.action}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        VIDEO = "video", _("Video")
        AUDIO = "audio", _("Audio")
        DOCUMENT = "document", _("Document")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="cases/%Y/%m/")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    public = models.BooleanField(_("visible to the citizen"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Where and when a photo was taken, kept as data (the file itself is stored without EXIF): from the
    # photo's own GPS data, else from the phone's position at capture (kentmasa.field).
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    position_source = models.CharField(
        _("position from"),
        max_length=10,
        blank=True,
        choices=[("photo", _("the photo's GPS data")), ("phone", _("the phone at capture"))],
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name or self.file.name or ""


class PhoneCode(models.Model):
    """A one-time code sent by SMS to prove that a phone number is the applicant's (cases.phone_codes).

    Only a keyed hash of the code is stored; the client address is kept as a keyed hash too, for the
    per-address limits. Rows are the limits' ledger: every code sent counts, confirmed or not.
    """

    institution = models.ForeignKey(
        "directory.Institution", on_delete=models.CASCADE, related_name="+", verbose_name=_("institution")
    )
    phone = models.CharField(_("phone"), max_length=20)
    code_hash = models.CharField(max_length=64)
    client = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    failures = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("phone verification code")
        verbose_name_plural = _("phone verification codes")
        indexes = [
            models.Index(fields=["phone", "created_at"], name="phonecode_phone"),
            models.Index(fields=["client", "created_at"], name="phonecode_client"),
        ]

    def __str__(self) -> str:
        return phones.mask(self.phone)


class ApiIdempotencyKey(models.Model):
    """An ``Idempotency-Key`` sent with ``POST /api/v1/cases`` and the case that request recorded.

    The key belongs to the member of staff whose token sent it, in their institution: their retry finds the
    first case here instead of recording a second one. The unique constraint is what makes two copies sent
    at the same moment meet (on both databases); the request's fingerprint tells a retry from a different
    request that reused the key.
    """

    MAX_LENGTH = 255

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    institution = models.ForeignKey("directory.Institution", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=MAX_LENGTH)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the checked request body
    # Set in the same transaction that inserts the row, so a committed row always has its case.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "institution", "key"], name="uniq_api_idempotency_key"),
        ]

    def __str__(self) -> str:
        return self.key
