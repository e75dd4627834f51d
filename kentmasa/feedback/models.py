"""Feedback after resolution (Adana's "geri bildirim"): who is asked, how the asking went, and the daily
figures the reports read.

* ``FeedbackSettings``: an institution's default rule (every case called, a share, none), how many times an
  unanswered number is tried and how far apart, whether those not called are asked by SMS or e-mail, and
  how long a rating link lives. No settings: the institution asks nobody.
* ``FeedbackRule``: a service's own rule, over the institution's default.
* ``FeedbackCall``: one resolution's question to the citizen, by phone (the feedback operator's call list)
  or by a rating link sent by SMS or e-mail; made in the resolve's own transaction, once per resolve event.
* ``FeedbackDaily``: the figures per day, unit, service, channel, mahalle and way of asking, raised in the
  same transaction as each outcome, so the reports never scan cases.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kentmasa.cases.models import Channel
from kentmasa.lib import phones


class Mode(models.TextChoices):
    ALL = "all", _("Every citizen is called")
    SHARE = "share", _("A share is called; the rest are asked by SMS or e-mail")
    NONE = "none", _("Nobody is asked")


class FeedbackSettings(models.Model):
    institution = models.OneToOneField(
        "directory.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="feedback_settings",
    )
    mode = models.CharField(
        _("default rule"),
        max_length=10,
        choices=Mode.choices,
        default=Mode.ALL,
        help_text=_("For services without a rule of their own."),
    )
    share_percent = models.PositiveSmallIntegerField(
        _("share called (percent)"),
        default=100,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("With the rule “a share”: which cases are called is decided by the case, reproducibly."),
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("call attempts"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_(
            "A citizen not reached is called again until this many attempts; then the case is closed."
        ),
    )
    retry_hours = models.PositiveSmallIntegerField(
        _("hours between attempts"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
    )
    ask_by_message = models.BooleanField(
        _("ask those not called by SMS or e-mail"),
        default=True,
        help_text=_(
            "Citizens the rule does not call, and those without a phone, get a link to a one-tap rating page."
        ),
    )
    link_days = models.PositiveSmallIntegerField(
        _("rating link valid for (days)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )

    class Meta:
        verbose_name = _("feedback settings")
        verbose_name_plural = _("feedback settings")

    def __str__(self) -> str:
        return str(self.institution)


class FeedbackRule(models.Model):
    """A service's own rule: every case called, a share, or none."""

    service = models.OneToOneField(
        "directory.Service", verbose_name=_("service"), on_delete=models.CASCADE, related_name="feedback_rule"
    )
    mode = models.CharField(_("rule"), max_length=10, choices=Mode.choices, default=Mode.ALL)
    share_percent = models.PositiveSmallIntegerField(
        _("share called (percent)"),
        default=100,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("feedback rule")
        verbose_name_plural = _("feedback rules")

    def __str__(self) -> str:
        return f"{self.service}: {self.get_mode_display()}"


class FeedbackCall(models.Model):
    class Method(models.TextChoices):
        CALL = "call", _("Phone call")
        SMS = "sms", _("SMS with a rating link")
        EMAIL = "email", _("E-mail with a rating link")

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")  # to be called (from due_at on), or its link to be sent
        SENT = "sent", _("Rating link sent")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")  # the case was reopened or closed otherwise; nothing to ask

    class Outcome(models.TextChoices):
        SATISFIED = "satisfied", _("Reached: satisfied")
        NOT_SATISFIED = "not_satisfied", _("Reached: not satisfied")
        NOT_REACHED = "not_reached", _("Not reached")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        NO_RATING = "no_rating", _("No rating before the link expired")

    REACHED = (Outcome.SATISFIED, Outcome.NOT_SATISFIED)

    institution = models.ForeignKey(
        "directory.Institution", verbose_name=_("institution"), on_delete=models.CASCADE, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="feedback_calls"
    )
    # The resolution asked about: one question per resolve event, however often the event is saved.
    resolve_event = models.OneToOneField(
        "cases.Event", on_delete=models.CASCADE, related_name="feedback_call", editable=False
    )
    method = models.CharField(_("asked by"), max_length=10, choices=Method.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.WAITING)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    score = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    unsolved = models.BooleanField(_("the citizen says it is not solved"), default=False)
    note = models.TextField(_("reason or comment"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    due_at = models.DateTimeField(_("to be called from"))
    resolved_at = models.DateTimeField(_("resolved"))
    # What the reports group by, as the case stood when it was resolved.
    unit = models.ForeignKey(
        "directory.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    service = models.ForeignKey(
        "directory.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    district = models.CharField(_("district (ilçe)"), max_length=60, blank=True)
    neighbourhood = models.CharField(_("neighbourhood (mahalle)"), max_length=120, blank=True)
    # The number to call (the phone given on the case), or the rating link: where it went, its message
    # (delivery tracked by the channels app), the hash of its token (the token itself is only in the
    # message) and when it stops working.
    address = models.CharField(_("sent to"), max_length=320, blank=True)
    message = models.ForeignKey(
        "channels.Message",
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    expires_at = models.DateTimeField(_("link expires"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("feedback call")
        verbose_name_plural = _("feedback calls")
        constraints = [
            models.UniqueConstraint(
                fields=["token_hash"], condition=~Q(token_hash=""), name="uniq_feedback_token"
            ),
        ]
        indexes = [
            # The call list: an institution's calls waiting, oldest due first (kentmasa.feedback.services).
            models.Index(
                fields=["institution", "due_at", "id"],
                name="feedback_call_list",
                condition=Q(state="waiting", method="call"),
            ),
            # Rating links still to send (the periodic safety net), and links to expire.
            models.Index(
                fields=["due_at"],
                name="feedback_link_to_send",
                condition=Q(state="waiting") & ~Q(method="call"),
            ),
            models.Index(fields=["expires_at"], name="feedback_link_sent", condition=Q(state="sent")),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_method_display()} {self.get_state_display()}"

    @property
    def phone(self) -> str:
        """The number the operator calls: the phone given on the case (kept on the call); for a call made
        before it was kept, the record's."""
        if self.method == self.Method.CALL and self.address:
            return self.address
        citizen = self.case.citizen
        return citizen.phone if citizen is not None else ""

    @property
    def phone_display(self) -> str:
        return phones.display(self.phone) if self.phone else ""

    @staticmethod
    def hash_token(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class FeedbackDaily(models.Model):
    """One day's feedback figures for one unit, service, channel, mahalle and way of asking.

    ``calls`` counts the questions settled that day (every outcome); ``reached`` those who answered;
    ``reopened`` the "not satisfied" answers that reopened the case. ``key`` names the row's group (the
    columns may be NULL, which a unique constraint would not hold to), so a concurrent first outcome of a
    group meets the other at the unique index.
    """

    institution = models.ForeignKey(
        "directory.Institution", verbose_name=_("institution"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    unit = models.ForeignKey(
        "directory.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    service = models.ForeignKey(
        "directory.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    district = models.CharField(_("district (ilçe)"), max_length=60, blank=True)
    neighbourhood = models.CharField(_("neighbourhood (mahalle)"), max_length=120, blank=True)
    method = models.CharField(_("asked by"), max_length=10, choices=FeedbackCall.Method.choices)
    key = models.CharField(max_length=64, unique=True, editable=False)
    calls = models.PositiveIntegerField(_("settled"), default=0)
    reached = models.PositiveIntegerField(_("reached"), default=0)
    satisfied = models.PositiveIntegerField(_("satisfied"), default=0)
    not_satisfied = models.PositiveIntegerField(_("not satisfied"), default=0)
    reopened = models.PositiveIntegerField(_("reopened"), default=0)
    not_reached = models.PositiveIntegerField(_("not reached"), default=0)
    wrong_number = models.PositiveIntegerField(_("wrong number"), default=0)
    no_rating = models.PositiveIntegerField(_("no rating"), default=0)
    score_sum = models.PositiveIntegerField(default=0)
    score_count = models.PositiveIntegerField(default=0)

    FIGURES = (
        "calls",
        "reached",
        "satisfied",
        "not_satisfied",
        "reopened",
        "not_reached",
        "wrong_number",
        "no_rating",
        "score_sum",
        "score_count",
    )

    class Meta:
        verbose_name = _("feedback figures of a day")
        verbose_name_plural = _("feedback figures by day")
        indexes = [models.Index(fields=["institution", "day"], name="feedback_daily_period")]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.day}"
