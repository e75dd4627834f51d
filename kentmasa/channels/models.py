"""Messages in and out on every channel, and the Turkish templates replies are written from."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kentmasa.cases.models import Channel, Kind


class Message(models.Model):
    """One message received from, or sent to, a citizen on a channel.

    Inbound messages carry the provider's id (``external_id``): a webhook delivered twice finds the first
    row and changes nothing. Outbound messages are made once per (case event, channel) and then sent
    by a background task with retries; their provider id arrives when the provider accepts them.
    """

    class Direction(models.TextChoices):
        IN = "in", _("Received")
        OUT = "out", _("Sent")

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        IGNORED = "ignored", _("Ignored (auto-reply, bounce, duplicate)")
        QUEUED = "queued", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        FAILED = "failed", _("Failed")

    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=20, choices=State.choices)
    institution = models.ForeignKey(
        "directory.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )
    event = models.ForeignKey(
        "cases.Event",
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    # The other party: a phone number (E.164), an e-mail address, a WhatsApp id, an X user id.
    address = models.CharField(_("address"), max_length=320, blank=True)
    external_id = models.CharField(_("provider id"), max_length=255, blank=True)
    # What threads a conversation: an e-mail Message-ID, an X conversation id…
    thread_key = models.CharField(max_length=998, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text"), blank=True)
    template = models.CharField(_("template"), max_length=60, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        constraints = [
            # A provider's id is seen once per channel and direction: retried webhooks change nothing.
            models.UniqueConstraint(
                fields=["channel", "direction", "external_id"],
                condition=~Q(external_id=""),
                name="uniq_message_external_id",
            ),
            # One reply per case event and channel: an event announced twice is still sent once.
            models.UniqueConstraint(
                fields=["event", "channel"],
                condition=Q(direction="out", event__isnull=False),
                name="uniq_reply_per_event",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "created_at"], name="message_case"),
            models.Index(fields=["channel", "address", "-created_at"], name="message_address"),
            # The periodic media retries (WhatsApp, X) read only messages still waiting for a file: a handful
            # among millions, found through these small partial indexes instead of a scan every minute.
            models.Index(
                fields=["created_at"],
                condition=Q(data__has_key="pending_media"),
                name="message_whatsapp_media_wait",
            ),
            models.Index(
                fields=["id"], condition=Q(data__has_key="media_pending"), name="message_x_media_wait"
            ),
            models.Index(
                fields=["state", "next_attempt_at"], name="message_retry", condition=Q(state="queued")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.get_channel_display()} {self.address}"


class ReplyTemplate(models.Model):
    """What the citizen is told when something happens to their case, editable per institution and channel.

    The text is a Django template; it sees ``case``, ``event``, ``tracking_number``, ``institution``,
    ``due`` (dd.mm.yyyy, with the time for standards in minutes or hours), ``track_url``, ``standards_url``
    (the institution's service standards page) and ``note`` (the citizen-visible note of the event). The most
    specific active template wins: this institution and channel, this institution any channel, any
    institution this channel, any.
    """

    institution = models.ForeignKey(
        "directory.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reply_templates",
        help_text=_("Empty: every institution."),
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, blank=True, help_text=_("Empty: every channel.")
    )
    action = models.CharField(_("event"), max_length=40, help_text=_("open, transfer, ask_citizen, resolve…"))
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text"))
    active = models.BooleanField(_("active"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["action", "institution__name", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "channel", "action"],
                condition=Q(institution__isnull=False),
                name="uniq_reply_template",
            ),
            models.UniqueConstraint(
                fields=["channel", "action"],
                condition=Q(institution__isnull=True),
                name="uniq_reply_template_all",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} / {self.channel or '*'} / {self.institution or '*'}"


class Referral(models.Model):
    """An application that reached the institution through CİMER, Açık Kapı or (old records) BİMER.

    The reference number is that system's own; the answer goes back there. The same CİMER application is
    often forwarded to several bodies at once (a municipality and a governorship), so a number is unique
    per receiving institution and system, not across the whole installation.
    """

    class System(models.TextChoices):
        CIMER = Channel.CIMER.value, _("CİMER")
        ACIK_KAPI = Channel.ACIK_KAPI.value, _("Açık Kapı")
        BIMER = Channel.BIMER.value, _("BİMER")

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="referral"
    )
    institution = models.ForeignKey(
        "directory.Institution",
        verbose_name=_("receiving institution"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    system = models.CharField(_("referring system"), max_length=20, choices=System.choices)
    external_ref = models.CharField(_("external reference no"), max_length=60)
    reached_at = models.DateField(_("date it reached us"))
    external_due_at = models.DateField(_("deadline in that system"))
    answer_exported_at = models.DateTimeField(_("answer exported"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-reached_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "system", "external_ref"], name="uniq_referral_external_ref"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_system_display()} {self.external_ref}"


class IncomingCall(models.Model):
    """The latest call the telephone exchange announced for one extension of an institution.

    One row per extension, overwritten by each new call: it exists to pop the caller's history on the
    console of the operator at that extension, not to keep a call log. ``answered_by`` is set when that
    operator's console has shown it, so each call pops once.
    """

    institution = models.ForeignKey(
        "directory.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="incoming_calls",
    )
    extension = models.CharField(_("extension"), max_length=20)
    caller_phone = models.CharField(_("caller's phone"), max_length=20)
    call_id = models.CharField(_("exchange's call id"), max_length=100, blank=True)
    at = models.DateTimeField(_("time"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shown to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("shown at"), null=True, blank=True)

    class Meta:
        verbose_name = _("incoming call")
        verbose_name_plural = _("incoming calls")
        constraints = [
            models.UniqueConstraint(fields=["institution", "extension"], name="uniq_incoming_call_extension"),
        ]

    def __str__(self) -> str:
        return f"{self.extension} ← {self.caller_phone}"


class AnswerRule(models.Model):
    """Which channels an answer goes to (kentmasa.channels.replies.reply_targets): always the channel the
    citizen used, and by this rule the other contacts they gave on the case (SMS, e-mail) too.

    A rule is the institution's default (no service, no kind), one for a kind of case (e.g. information
    requests, Law 4982), or one for a service of the standards table; the most specific wins (service,
    then kind, then the institution's). Without any rule the answer goes on the channel used only, except
    for information requests, which go to every contact given (4982 answers by e-mail and SMS).
    """

    class Reach(models.TextChoices):
        USED = "used", _("Only the channel the citizen used")
        GIVEN = "given", _("Also every other contact given on the case (SMS, e-mail)")
        REQUIRED = "required", _("Every contact given on the case, even when the citizen asked for one only")

    institution = models.ForeignKey(
        "directory.Institution", verbose_name=_("institution"), on_delete=models.CASCADE, related_name="+"
    )
    service = models.ForeignKey(
        "directory.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("kind of case"), max_length=30, blank=True, choices=Kind.choices)
    reach = models.CharField(_("the answer goes to"), max_length=10, choices=Reach.choices)

    class Meta:
        verbose_name = _("answer rule")
        verbose_name_plural = _("answer rules")
        indexes = [models.Index(fields=["institution", "service", "kind"], name="answer_rule_lookup")]

    def __str__(self) -> str:
        return str(self.get_reach_display())
