"""Privacy notices (aydınlatma metni, KVKK m.10), per institution and channel group, versioned.

A notice's text is never edited once published: a change is a new version (the admin's form adds one). The
current notice of a channel group is its latest published version; a group with none falls back to the
institution's "default" group, and an institution with no notice at all gets the built-in default text
(privacy.notices) saved as its version 1, so every case can point at the row the person was shown
(NoticeShown).
"""

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kentmasa.cases.models import Channel


class ChannelGroup(models.TextChoices):
    FORM = "form", _("Web and mobile form")
    DESK = "desk", _("Desk")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    DEFAULT = "default", _("Every other channel")


# Which notice a case opened on a channel was shown; KADES (None) is shown nothing and sent nothing.
GROUP_OF_CHANNEL: dict[str, str | None] = {
    Channel.WEB: ChannelGroup.FORM,
    Channel.MOBILE: ChannelGroup.FORM,
    Channel.OPEN311: ChannelGroup.FORM,
    Channel.DESK: ChannelGroup.DESK,
    Channel.MOBILE_DESK: ChannelGroup.DESK,
    Channel.SMS: ChannelGroup.SMS,
    Channel.WHATSAPP: ChannelGroup.WHATSAPP,
    Channel.EMAIL: ChannelGroup.EMAIL,
    Channel.PHONE: ChannelGroup.PHONE,
    Channel.KADES: None,
}


def group_of(channel: str) -> str | None:
    return GROUP_OF_CHANNEL.get(channel, ChannelGroup.DEFAULT)


class PublishedNoticeError(Exception):
    """An edit of a published notice's text: publish a new version instead."""


class Notice(models.Model):
    institution = models.ForeignKey(
        "directory.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    channel_group = models.CharField(
        _("channels"), max_length=20, choices=ChannelGroup.choices, default=ChannelGroup.DEFAULT
    )
    version = models.PositiveIntegerField(_("version"), editable=False)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        ordering = ("institution", "channel_group", "-version")
        constraints = (
            models.UniqueConstraint(
                fields=["institution", "channel_group", "version"], name="privacy_notice_version_unique"
            ),
        )
        indexes = (
            models.Index(
                fields=["institution", "channel_group", "-published_at"], name="privacy_notice_current"
            ),
        )

    def __str__(self) -> str:
        return f"{self.title} ({self.get_channel_group_display()}, v{self.version})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = Notice.objects.filter(pk=self.pk).values("text", "title", "published_at").first()
            if (
                stored
                and stored["published_at"] is not None
                and (stored["text"] != self.text or stored["title"] != self.title)
            ):
                raise PublishedNoticeError("a published notice is never edited: publish a new version")
        if self.published_at is None:  # a notice is published when saved: a change is a new version
            self.published_at = timezone.now()
        if self.version is None:
            last = (
                Notice.objects.filter(institution_id=self.institution_id, channel_group=self.channel_group)
                .order_by("-version")
                .values_list("version", flat=True)
                .first()
            )
            self.version = (last or 0) + 1
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.published_at is not None:
            raise PublishedNoticeError("a published notice is kept: people were shown it")
        return super().delete(*args, **kwargs)


class NoticeShown(models.Model):
    """The notice version a case's applicant was shown (or sent a link to) when the case was opened."""

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="notice_shown"
    )
    notice = models.ForeignKey(Notice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="+")
    # True when the form posted the version it displayed; False: the channel's current one at the opening.
    from_form = models.BooleanField(default=False)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("notice shown")
        verbose_name_plural = _("notices shown")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.notice}"
