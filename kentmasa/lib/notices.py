"""The privacy notice (aydınlatma metni, KVKK m.10) as the apps below ``privacy`` see it.

The public form, the desk receipt and the first SMS/WhatsApp reply must show or link the notice the person
is given, with its version, but ``cases`` and ``channels`` may not import ``kentmasa.privacy`` (the top of the
layering). ``privacy`` registers its ``Provider`` here when it starts (PrivacyConfig.ready); these functions
answer None when no provider is registered, and callers then link the generic page as before.
"""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class NoticeRef:
    pk: int
    institution_id: int
    group: str  # privacy.ChannelGroup: form, desk, sms, whatsapp, email, phone, default
    version: int
    title: str
    text: str
    path: str  # the public page of exactly this version: /basvuru/kvkk/?kurum=…&kanal=…&surum=…
    short_path: str  # a short address of the same page, for SMS: /kvkk/a/<pk>/


class Provider(Protocol):
    def current(self, institution_id: int, channel: str) -> NoticeRef | None: ...

    def version(self, institution_id: int, group: str, version: int | None) -> NoticeRef | None: ...

    def versions(self, institution_id: int, group: str) -> list[NoticeRef]: ...

    def for_case(self, case_id: int) -> NoticeRef | None: ...


_provider: list[Provider] = []


def register(provider: Provider) -> None:
    _provider[:] = [provider]


def current(institution_id: int, channel: str) -> NoticeRef | None:
    """The notice a person applying on ``channel`` (a cases.Channel) is shown now; None for KADES."""
    return _provider[0].current(institution_id, channel) if _provider else None


def version(institution_id: int, group: str, number: int | None) -> NoticeRef | None:
    """The given version of the group's notice (None: the current one); None if there is no such version."""
    return _provider[0].version(institution_id, group, number) if _provider else None


def versions(institution_id: int, group: str) -> list[NoticeRef]:
    """The group's published versions, newest first (bounded)."""
    return _provider[0].versions(institution_id, group) if _provider else []


# Set by the provider on the "open" Event instance it recorded the version for, in the opening's
# transaction: an after-commit receiver holding that event (the receipt) then needs no query.
SHOWN_ON_EVENT = "kvkk_notice_shown"


def for_case(case_id: int, event: object = None) -> NoticeRef | None:
    """The version the case's applicant was shown when it was opened (privacy.NoticeShown), if recorded.
    ``event``: the case's "open" event, when the caller holds the instance that was saved."""
    shown = getattr(event, SHOWN_ON_EVENT, None)
    if isinstance(shown, NoticeRef) and shown.pk is not None:
        return shown
    return _provider[0].for_case(case_id) if _provider else None
