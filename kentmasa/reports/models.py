"""Wall screens (duvar ekranı): a kiosk link that shows one institution's or one unit's board on a wall TV.

A wall TV has nobody to sign in, so the board is opened by a link an administrator issues (kentmasa admin,
"Wall screens"): the link carries a random token, of which only the SHA-256 hash is kept, like the API's
tokens (kentmasa.directory.models.ApiToken). The link shows that board and nothing else, and stops working
the moment it is revoked or a new link is issued for the board.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from kentmasa.directory.models import Institution, Unit, User

# What secrets.token_urlsafe writes; anything else (or longer) is no token of ours and is not even hashed.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")


class Wallboard(models.Model):
    institution = models.ForeignKey(
        "directory.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="wallboards",
    )
    unit = models.ForeignKey(
        "directory.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="wallboards",
        help_text=_("Empty: the whole institution. A unit's board also counts the units below it."),
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("Where the screen hangs, e.g. 'Alo 153 hall, left TV'.")
    )
    key_prefix = models.CharField(_("key prefix"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True, editable=False)

    # A screen reloads its figures every few seconds; a minute's precision of "last seen" is enough.
    TOUCH_INTERVAL = dt.timedelta(minutes=1)

    class Meta:
        verbose_name = _("wall screen")
        verbose_name_plural = _("wall screens")
        ordering = ["institution_id", "name", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unit = self.unit if self.unit_id is not None else None
        if unit is not None and unit.institution_id != self.institution_id:
            raise ValidationError({"unit": _("The unit must belong to the board's institution.")})

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @staticmethod
    def hash_key(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    def new_token(self) -> str:
        """Give the board a new random token (the old link stops working) and make it live again.

        Sets the fields only; the caller saves. Returns the raw token, which is never stored."""
        raw = secrets.token_urlsafe(32)
        self.key_prefix = raw[:8]
        self.key_hash = self.hash_key(raw)
        self.revoked_at = None
        return raw

    @classmethod
    def issue(
        cls, institution: Institution, name: str, *, unit: Unit | None = None, created_by: User | None = None
    ) -> tuple[Wallboard, str]:
        """A new board and its raw token (shown once, never stored)."""
        board = cls(institution=institution, unit=unit, name=name, created_by=created_by)
        raw = board.new_token()
        board.save()
        return board, raw

    def reissue(self) -> str:
        """:meth:`new_token` and save: the board's new link (raw token)."""
        raw = self.new_token()
        self.save(update_fields=["key_prefix", "key_hash", "revoked_at"])
        return raw

    def revoke(self, now: dt.datetime | None = None) -> None:
        if self.revoked_at is None:
            self.revoked_at = now or timezone.now()
            Wallboard.objects.filter(pk=self.pk, revoked_at__isnull=True).update(revoked_at=self.revoked_at)

    @classmethod
    def authenticate(cls, raw: object) -> Wallboard | None:
        """The live board a raw token opens, or None (unknown, revoked, or no token's shape at all).

        Looked up by the token's hash, never compared as itself. Notes that the screen was seen (at most
        once a minute, so a screen that refreshes every few seconds is not a database write each time)."""
        if not isinstance(raw, str) or not TOKEN_SHAPE.fullmatch(raw):
            return None
        board = (
            cls.objects.select_related("institution", "unit")
            .filter(key_hash=cls.hash_key(raw), revoked_at__isnull=True)
            .first()
        )
        if board is None:
            return None
        now = timezone.now()
        if board.last_seen_at is None or now - board.last_seen_at > cls.TOUCH_INTERVAL:
            cls.objects.filter(pk=board.pk).update(last_seen_at=now)
            board.last_seen_at = now
        return board

    @staticmethod
    def path_for(raw: str) -> str:
        return reverse("wallboard", args=[raw])

    @classmethod
    def link_for(cls, raw: str) -> str:
        """The full address a TV opens (KENTMASA_PUBLIC_URL and the board's path)."""
        return settings.KENTMASA_PUBLIC_URL.rstrip("/") + cls.path_for(raw)

    def unit_ids(self) -> list[int] | None:
        """The units the board counts (the unit and those below it), or None for the whole institution."""
        return self.unit.subtree_ids() if self.unit is not None else None


class CaseRollup(models.Model):
    """What the manager overview counts, kept as delta rows per (institution, unit, service, received day).

    Database triggers on the case table (kentmasa.reports.rollups) append a row of +1s when a case is
    inserted, a row of −1s when one is deleted, and both (the case's old contribution taken away, the new one
    added) when an update moves a figure — in the transaction of the change, whatever made it (a domain
    function, a bulk update, a generator's bulk insert). Appending, never updating a counter, means concurrent
    intakes never wait on one row. The periodic job ``compact_rollups`` sums each key's rows into one.

    The columns are sums: ``cases`` (how many cases), ``open`` (active), ``late`` (the part of "overdue"
    that follows from the case's own state: marked late by the sweep, or paused after its deadline; the part
    that only time makes late is counted live, see ``rollups.overdue_live``), ``resolved``, ``measured`` and
    ``within`` (kentmasa.cases.clock). No foreign key constraints: a row is a count, not a reference; the
    relations are there so the overview can order by the unit's and the service's names.
    """

    institution = models.ForeignKey(
        "directory.Institution", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    unit = models.ForeignKey(
        "directory.Unit", on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    service = models.ForeignKey(
        "directory.Service", on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    day = models.DateField()
    cases = models.IntegerField(default=0)
    open = models.IntegerField(default=0)
    late = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    measured = models.IntegerField(default=0)
    within = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["institution", "day"], name="rollup_institution_day"),
            models.Index(fields=["unit", "day"], name="rollup_unit_day"),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id}/{self.unit_id}/{self.service_id}/{self.day}"


class MapCell(models.Model):
    """The task map's cells for the whole-city zooms, kept as delta rows like :class:`CaseRollup`
    (kentmasa.reports.cells): per zoom band, grid cell, institution, unit, category and status group
    (``open``: active and not late by its own row, ``late``: see CaseRollup.late, ``other``: closed).

    ``cases`` counts the located cases; ``lat`` and ``lon`` are the sums of their coordinates in millionths
    of a degree (a location has six decimals, so the sums are exact integers and the centre is exactly the
    live one); ``ids`` is the sum of their primary keys, which for a cell of one case is that case.
    """

    institution = models.ForeignKey(
        "directory.Institution", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    unit = models.ForeignKey(
        "directory.Unit", on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    category = models.ForeignKey(
        "directory.Category", on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    group = models.CharField(max_length=5)
    zoom = models.SmallIntegerField()
    cell_y = models.IntegerField()
    cell_x = models.IntegerField()
    cases = models.IntegerField(default=0)
    lat = models.BigIntegerField(default=0)
    lon = models.BigIntegerField(default=0)
    ids = models.BigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["institution", "zoom", "cell_y", "cell_x"], name="mapcell_institution_cell"),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id}/{self.zoom}/{self.cell_y}/{self.cell_x}"


class PlaceRollup(models.Model):
    """The mahalle layer's and the wall screens' counts, kept as delta rows like :class:`CaseRollup`
    (kentmasa.reports.cells): per institution, unit, category, channel and the place texts a case keeps
    (province, district, mahalle). ``cases``, ``open`` (active) and ``late`` as in CaseRollup."""

    institution = models.ForeignKey(
        "directory.Institution", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    unit = models.ForeignKey(
        "directory.Unit", on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    category = models.ForeignKey(
        "directory.Category", on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    channel = models.CharField(max_length=20)
    province = models.CharField(max_length=60)
    district = models.CharField(max_length=60)
    neighbourhood = models.CharField(max_length=120)
    cases = models.IntegerField(default=0)
    open = models.IntegerField(default=0)
    late = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["institution", "unit"], name="placerollup_institution_unit")]

    def __str__(self) -> str:
        return f"{self.institution_id}/{self.unit_id}/{self.neighbourhood}"


class CellFill(models.Model):
    """A zoom band of :class:`MapCell` still being filled from the existing cases (kentmasa.reports.cells,
    ``fill``): a band added to a running installation is kept by the triggers from the moment they know of
    it, and counted from the older cases in batches of keys without blocking intake. Until its row is gone
    the map reads the band as missing (the live query, or a coarser band) and compaction leaves its rows
    alone. ``filled_to``: the cases up to this key are counted. No row: every band is complete."""

    zoom = models.SmallIntegerField(primary_key=True)
    filled_to = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"band {self.zoom} filled to {self.filled_to}"
