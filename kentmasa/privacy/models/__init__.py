"""The privacy app's models, one module per part (each helper's part imports its module here)."""

from kentmasa.privacy.models.access import AccessLog, AppendOnlyError
from kentmasa.privacy.models.notices import ChannelGroup, Notice, NoticeShown, PublishedNoticeError
from kentmasa.privacy.models.requests import DataSubjectRequest, PersonLink, ProofChannels
from kentmasa.privacy.models.retention import (
    CaseDestruction,
    CaseHold,
    DataCategory,
    DestructionSchedule,
    RetentionPolicy,
)

__all__ = ["AccessLog", "AppendOnlyError", "ChannelGroup", "Notice", "NoticeShown", "PublishedNoticeError"]
__all__ += ["DataSubjectRequest", "PersonLink", "ProofChannels"]
__all__ += ["CaseDestruction", "CaseHold", "DataCategory", "DestructionSchedule", "RetentionPolicy"]
