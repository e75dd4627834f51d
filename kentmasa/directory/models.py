"""Who does what: institutions, their units and teams, staff, services with their standards, categories."""

import datetime as dt
import hashlib
import secrets
from functools import cached_property
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kentmasa.deadlines import BusinessCalendar, CompletionTime, CompletionTimeError, parse_completion_time
from kentmasa.directory.collation import alphabetical
from kentmasa.lib import phones, turkish


class Institution(models.Model):
    class Kind(models.TextChoices):
        METROPOLITAN = "metropolitan", _("Metropolitan municipality")
        DISTRICT = "district", _("District municipality")
        POLICE = "police", _("Police directorate")
        EXTERNAL = "external", _("External body")

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    province = models.CharField(_("province (il)"), max_length=60, blank=True)
    district = models.CharField(_("district (ilçe)"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    workday_start = models.TimeField(_("working hours start"), default=dt.time(8, 30))
    workday_end = models.TimeField(_("working hours end"), default=dt.time(17, 30))
    half_day_end = models.TimeField(
        _("half day ends"),
        default=dt.time(13, 0),
        help_text=_("On the eve of the bayrams and on 28 October work ends at this time."),
    )
    reopen_days = models.PositiveSmallIntegerField(
        _("days a citizen's message reopens a case"),
        default=7,
        help_text=_(
            "A message about a resolved or closed case reopens it within this many days after it was "
            "closed; later it opens a new case linked to the old one. 0: always a new case."
        ),
    )
    # Service standards that govern forwarding (Service.Clock.FORWARDING) but state no time ("ilgili birime
    # ulaştırılır") or only "anlık": the clock these get, in minutes, round the clock (kentmasa.cases.clock).
    forwarding_minutes = models.PositiveIntegerField(
        _("forwarding time when the standard states none (minutes)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(10080)],
        help_text=_(
            "For a service that must be forwarded to the responsible unit but whose table gives no time, "
            'such as "Gönderilen SMS ilgili birime ulaştırılır".'
        ),
    )
    immediate_minutes = models.PositiveIntegerField(
        _("forwarding time of immediate services (minutes)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(1440)],
        help_text=_('For a service to be forwarded "anlık" (at once), such as KADES alerts.'),
    )
    # The law does not say whether a period whose last day is an arife (or 28 Ekim) ends at 13:00 or at the
    # normal close; each institution decides (DOMAIN.md, Calendar).
    half_day_deadline_early = models.BooleanField(
        _("a deadline on a half day ends when the half day does"),
        default=True,
        help_text=_(
            "When the last day of a period is the eve of a bayram or 28 October: ticked, the deadline is the "
            "half day's end (13:00); unticked, the normal close. The law does not settle this."
        ),
    )
    closed_days_count = models.BooleanField(
        _("own service standards count administrative leave as working days"),
        default=False,
        help_text=_(
            "Periods set by law (information requests, petitions, KVKK) always count administrative-leave "
            "days as working days. Unticked, the institution's own service standards skip them, as the "
            "office is closed; a service may choose otherwise."
        ),
    )

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = alphabetical("name")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.workday_start >= self.workday_end:
            raise ValidationError(_("Working hours must end after they start."))
        if not self.workday_start < self.half_day_end <= self.workday_end:
            raise ValidationError(_("A half day must end within working hours."))

    def counts_closed_days(self, service: "Service | None" = None) -> bool:
        """Whether an own service standard (not a law's period) counts closed days as working days: the
        service's choice where it makes one, else the institution's."""
        if service is not None and service.counts_closed_days is not None:
            return service.counts_closed_days
        return self.closed_days_count

    def closed_dates(self) -> list[dt.date]:
        """The days this institution's office is closed by administrative leave: its own and the nationwide
        ones (one query)."""
        from kentmasa.directory import cached  # kept per process, cleared on a change

        return cached.closed_dates(self.pk)

    def business_calendar(
        self, statutory: bool = False, service: "Service | None" = None
    ) -> BusinessCalendar:
        """This institution's working calendar: its hours, Turkish holidays and its closed days.

        ``statutory`` gives the clock of a law (4982, 3071, KVKK): closed days (idari izin) count as working
        days. Otherwise the calendar of the institution's own standards, where closed days count only when
        the institution (or ``service``) chooses so (``counts_closed_days``).
        """
        return BusinessCalendar(
            workday_start=self.workday_start,
            workday_end=self.workday_end,
            half_day_end=self.half_day_end,
            closed=self.closed_dates(),
            statutory=statutory or self.counts_closed_days(service),
            half_day_deadline_early=self.half_day_deadline_early,
        )


class ClosedDay(models.Model):
    """A day the office is closed by administrative leave (idari izin), e.g. a bridge day the Presidency
    declares. Unlike a public holiday it is a working day in law: the periods of laws (4982, 3071, KVKK) run
    through it; the institution's own standards skip it unless it (or the service) chooses otherwise.
    Without an institution it is nationwide (a Presidency circular) and closes every institution's office."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="closed_days",
        help_text=_("Empty: nationwide administrative leave declared by the Presidency."),
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("closed day (administrative leave)")
        verbose_name_plural = _("closed days (administrative leave)")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "date"], name="uniq_closed_day"),
            models.UniqueConstraint(
                fields=["date"],
                condition=models.Q(institution__isnull=True),
                name="uniq_closed_day_nationwide",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.reason}".strip()


class Unit(models.Model):
    """A department inside an institution (müdürlük, daire başkanlığı, şube); units form a tree."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="units")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = alphabetical("institution__name", "name")
        constraints = [models.UniqueConstraint(fields=["institution", "name"], name="uniq_unit_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent and self.parent.institution_id != self.institution_id:
            raise ValidationError(_("A unit's parent must belong to the same institution."))

    MANAGER_LEVELS = 5  # how far up the tree a unit without a manager looks for one

    def managers(self, limit: int = 50) -> list["User"]:
        """The active managers of this unit; a unit without one reaches up to the nearest unit above with one.

        A unit manager manages their units and every unit below (User.scoped_unit_ids), so the manager of a
        şube without its own is the daire başkanı above it. Notifications and approvals ask this.
        """
        unit: Unit | None = self
        for _level in range(self.MANAGER_LEVELS):
            if unit is None:
                break
            found = list(
                User.objects.filter(role=User.Role.UNIT_MANAGER, units=unit, is_active=True).order_by("pk")[
                    :limit
                ]
            )
            if found:
                return found
            unit = unit.parent
        return []

    def subtree_ids(self) -> list[int]:
        """This unit and every unit below it (one query per level; trees are a few levels deep)."""
        ids, frontier = [self.pk], [self.pk]
        while frontier:
            frontier = list(Unit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            ids.extend(frontier)
        return ids


class Team(models.Model):
    """A field or police crew belonging to a unit, with its status and last known position.

    The status and position are set from the team's phone (kentmasa.emergency for police teams, kentmasa.field
    later for field crews); every position is also kept as a TeamPosition for a while (KENTMASA_TEAM_POSITION
    _KEEP_HOURS) and then deleted.
    """

    class Kind(models.TextChoices):
        FIELD = "field", _("Field team")
        POLICE = "police", _("Police team")

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        EN_ROUTE = "en_route", _("En route")
        ON_SCENE = "on_scene", _("On scene")
        OFF_DUTY = "off_duty", _("Off duty")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.FIELD)
    active = models.BooleanField(_("active"), default=True)
    # Told first when work lands on the team (kentmasa.notify.rules); the members are told too.
    leader = models.ForeignKey(
        "directory.User",
        verbose_name=_("team leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OFF_DUTY)
    status_at = models.DateTimeField(_("status since"), null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.PositiveIntegerField(_("accuracy (m)"), null=True, blank=True)
    position_at = models.DateTimeField(_("position received"), null=True, blank=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = alphabetical("name")

    def __str__(self) -> str:
        return self.name

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class TeamPosition(models.Model):
    """One position a team's phone sent; deleted after KENTMASA_TEAM_POSITION_KEEP_HOURS."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="positions")
    at = models.DateTimeField(_("time"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    accuracy_m = models.PositiveIntegerField(_("accuracy (m)"), null=True, blank=True)

    class Meta:
        verbose_name = _("team position")
        verbose_name_plural = _("team positions")
        indexes = [
            models.Index(fields=["team", "-at"], name="team_position_track"),
            models.Index(fields=["at"], name="team_position_age"),
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.at:%d.%m.%Y %H:%M}"


class User(AbstractUser):
    """A member of staff. Every user belongs to one institution; unit roles also name their units."""

    class Role(models.TextChoices):
        OPERATOR = "operator", _("Call-centre operator")
        UNIT_STAFF = "unit_staff", _("Unit staff")
        UNIT_MANAGER = "unit_manager", _("Unit manager")
        FEEDBACK_OPERATOR = "feedback_operator", _("Feedback operator")
        FIELD_TEAM = "field_team", _("Field team member")
        POLICE_OPERATOR = "police_operator", _("Police operator")
        ADMINISTRATOR = "administrator", _("Administrator")

    UNIT_ROLES = {Role.UNIT_STAFF, Role.UNIT_MANAGER}

    role = models.CharField(_("role"), max_length=30, choices=Role.choices, default=Role.OPERATOR)
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    units = models.ManyToManyField(Unit, verbose_name=_("units"), blank=True, related_name="staff")
    teams = models.ManyToManyField(Team, verbose_name=_("teams"), blank=True, related_name="members")
    phone_extension = models.CharField(_("phone extension"), max_length=20, blank=True)
    # The staff member's own mobile (E.164, kentmasa.lib.phones): notifications by SMS go here.
    mobile = models.CharField(
        _("mobile phone"),
        max_length=20,
        blank=True,
        help_text=_("For notifications by SMS, e.g. 0532 123 45 67."),
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = [*alphabetical("first_name", "last_name"), "username"]

    def clean(self) -> None:
        super().clean()
        try:
            self.mobile = staff_mobile(self.mobile)
        except ValidationError as error:
            raise ValidationError({"mobile": error}) from error

    @cached_property
    def scoped_unit_ids(self) -> list[int]:
        """The units whose cases this user works: their own units, and for managers the units below."""
        ids: list[int] = []
        for unit in self.units.all():
            ids.extend(unit.subtree_ids() if self.role == self.Role.UNIT_MANAGER else [unit.pk])
        return ids


def staff_mobile(raw: str) -> str:
    """A staff member's mobile as E.164 ("+905321234567"; "" for none), however it was typed. Only a
    Turkish mobile takes the notifications' SMS (kentmasa.lib.phones.is_turkish_mobile)."""
    text = (raw or "").strip()
    if not text:
        return ""
    try:
        number = phones.normalize(text)
    except phones.InvalidPhone:
        number = ""
    if not phones.is_turkish_mobile(number):
        raise ValidationError(_("Enter a Turkish mobile number, e.g. 0532 123 45 67."), code="mobile")
    return number


class ApplicationPlace(models.Model):
    """Where a citizen turns when a service standard is missed (ilk / ikinci müracaat yeri)."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="application_places")
    office = models.CharField(_("office"), max_length=200, blank=True)
    person_name = models.CharField(_("name"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=60, blank=True)
    fax = models.CharField(_("fax"), max_length=60, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # The members of staff who hold this place: an escalation to it is told to them (kentmasa.notify).
    holders = models.ManyToManyField(
        "directory.User",
        verbose_name=_("staff who hold this place"),
        blank=True,
        related_name="application_places",
        help_text=_("They are told when a case is escalated to this place."),
    )

    class Meta:
        verbose_name = _("application place")
        verbose_name_plural = _("application places")

    def __str__(self) -> str:
        parts = [self.person_name, self.title or self.office]
        return " – ".join(part for part in parts if part) or str(self.institution)


class Service(models.Model):
    """One row of an institution's service standards table (hizmet standartları tablosu).

    Its ``clock`` says what the standard's time limits: the case's completion (the default) or only its
    forwarding to the responsible unit or place ("ilgili birime ulaştırılır", the police 155 line). A row
    that stands for channels (seed 000: 155, e-mail, SMS, KADES; seed 002: CİMER, Beyaz Masa, Alo 153…) lists
    them in ``channels``: a case that comes by one of them takes that row (kentmasa.directory.channel_rows).
    """

    class Clock(models.TextChoices):
        COMPLETION = "completion", _("Completion")
        FORWARDING = "forwarding", _("Forwarding to the responsible unit")

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="services")
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("publishing unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="services",
    )
    number = models.PositiveIntegerField(_("row number"), null=True, blank=True)
    name = models.CharField(_("service name"), max_length=300)
    documents = models.TextField(_("documents asked for"), blank=True)
    completion_time = models.CharField(
        _("completion time"),
        max_length=1000,
        help_text=_('As written in the table, e.g. "15 İŞ GÜNÜ", "30 Gün", "10 dakika".'),
    )
    first_application_place = models.ForeignKey(
        ApplicationPlace,
        verbose_name=_("first application place"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    second_application_place = models.ForeignKey(
        ApplicationPlace,
        verbose_name=_("second application place"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    clock = models.CharField(
        _("the time limits"),
        max_length=12,
        choices=Clock.choices,
        default=Clock.COMPLETION,
        help_text=_(
            "Completion: the clock runs until the case is resolved. Forwarding: it stops when staff first "
            "assign, transfer or redirect the case (the 155 line: forwarded within 10 minutes)."
        ),
    )
    channels = models.JSONField(
        _("channels this row stands for"),
        default=list,
        blank=True,
        help_text=_(
            "A case that comes by one of these channels takes this row's standard, unless its category has a "
            "service of its own that stands for no channel."
        ),
    )
    counts_closed_days = models.BooleanField(
        _("counts administrative leave as working days"),
        null=True,
        blank=True,
        choices=[
            (None, _("As the institution says")),
            (True, _("Yes: the period runs through them")),
            (False, _("No: they are skipped")),
        ],
        help_text=_(
            "Whether this standard's period runs through days the office is closed by administrative leave. "
            "Empty: the institution's setting."
        ),
    )
    idle_warning_percent = models.PositiveSmallIntegerField(
        _("idle warning (percent of the standard)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_(
            "The unit and its manager are warned when nobody has acted on a case for this share of the "
            "standard. Empty: the site's default (KENTMASA_IDLE_WARNING_SHARE, half)."
        ),
    )

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = [*alphabetical("institution__name"), "number", *alphabetical("name")]
        constraints = [models.UniqueConstraint(fields=["institution", "name"], name="uniq_service_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            parse_completion_time(self.completion_time)
        except CompletionTimeError as error:
            raise ValidationError({"completion_time": error.message}) from error

    @property
    def standard(self) -> CompletionTime:
        return parse_completion_time(self.completion_time)


class Category(models.Model):
    """What a case is about (pothole, garbage, street light…) and who answers for it."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="categories")
    name = models.CharField(_("name"), max_length=200)
    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="categories",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="categories",
    )
    keywords = models.CharField(_("keywords"), max_length=500, blank=True)
    search_key = models.CharField(max_length=800, editable=False, db_index=True)
    active = models.BooleanField(_("active"), default=True)
    public = models.BooleanField(
        _("offered to the public"),
        default=True,
        help_text=_(
            "Shown on the public application form and to Open311 apps. Untick for topics only staff record, "
            "such as KADES alerts or camera footage requests."
        ),
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = alphabetical("name")
        constraints = [models.UniqueConstraint(fields=["institution", "name"], name="uniq_category_name")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_key = turkish.fold(f"{self.name} {self.keywords}")
        super().save(*args, **kwargs)

    def clean(self) -> None:
        for related in (self.service, self.unit):
            if related is not None and related.institution_id != self.institution_id:
                raise ValidationError(_("The service and unit must belong to the category's institution."))


class ApiToken(models.Model):
    """A bearer token for the JSON API.

    Only its SHA-256 hash is kept; the raw token is shown once, when it is issued.
    """

    PREFIX = "km_"

    class Scope(models.TextChoices):
        # Everything the staff member may do, through the whole API.
        STAFF = "staff", _("Everything the staff member may do")
        # Only POST /api/v1/pts/reads (a camera system's token): refused everywhere else.
        PLATE_READS = "plate_reads", _("Plate reads only (camera system)")

    user = models.ForeignKey(
        User, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        _("name"),
        max_length=100,
        blank=True,
        help_text=_("What the token is for, e.g. the system that uses it."),
    )
    key_prefix = models.CharField(_("key prefix"), max_length=8, db_index=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked = models.BooleanField(_("revoked"), default=False)
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices, default=Scope.STAFF)

    # Recording every request would make each API read a database write; a minute's precision is enough.
    TOUCH_INTERVAL = dt.timedelta(minutes=1)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.key_prefix}… {self.name}".strip()

    @staticmethod
    def hash_key(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str = "", scope: str = Scope.STAFF) -> tuple["ApiToken", str]:
        """Create a token for ``user``; returns the row and the raw token, which is never stored."""
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, scope=scope, key_prefix=raw[:8], key_hash=cls.hash_key(raw)
        )
        return token, raw

    @classmethod
    def authenticate(cls, raw: str, scopes: tuple[str, ...] = (Scope.STAFF,)) -> User | None:
        """The active staff member a raw token belongs to, or None for an unknown, revoked or disabled token,
        or one whose scope is not among ``scopes`` (a plate-reads token is a staff token nowhere else).

        The token is looked up by its hash, never compared as itself, so the time a lookup takes tells an
        attacker nothing about how much of a guessed token was right.
        """
        if not raw or not raw.startswith(cls.PREFIX):
            return None
        key_hash = cls.hash_key(raw)
        token = (
            cls.objects.select_related("user", "user__institution")
            .filter(key_hash=key_hash, revoked=False, scope__in=scopes)
            .first()
        )
        if token is None or not token.user.is_active:
            return None
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > cls.TOUCH_INTERVAL:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user
