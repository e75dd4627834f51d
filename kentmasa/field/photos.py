"""Photos a field form sends (a field-opened case, an inspection report): checked before anything is
written, stored on the case without EXIF, their place and time kept as data on the attachment.

``checked(files)`` reads each upload once: its type and size by kentmasa.cases.attachments.check_file (so a
bad file is refused with the form's error before the case or report exists) and, BEFORE the re-encoding drops
it, the photo's own GPS position and time from EXIF (kentmasa.field.services.read_photo_place, as for the
phone app's photos). ``store(case, photos, …)`` then writes them with
add_attachment and sets Attachment.taken_at / latitude / longitude / position_source: from the photo's GPS
data when it has some, else from the phone's position the form sent ("phone").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from kentmasa.cases.attachments import add_attachment, check_file
from kentmasa.cases.models import Attachment, Case, Event
from kentmasa.directory.models import User
from kentmasa.field.services import read_photo_place
from kentmasa.lib import edge

MAX_PHOTOS = 10  # one form at a time; more go in a second report or on the case page


@dataclass
class Photo:
    name: str
    data: bytes  # as uploaded (add_attachment re-encodes it)
    latitude: Decimal | None = None  # from the photo's own GPS data
    longitude: Decimal | None = None
    taken_at: dt.datetime | None = None


def checked(files: Iterable[UploadedFile]) -> list[Photo]:
    """Each upload read and checked (ValidationError naming the file for the first bad one)."""
    photos = []
    for upload in files:
        name = (upload.name or "")[:255]
        data = upload.read()
        try:
            kind, _type, _stored = check_file(data, name)
        except ValidationError as error:
            raise ValidationError(
                _("%(name)s: %(reason)s") % {"name": name or _("file"), "reason": " ".join(error.messages)},
                code=error.code or "file",
            ) from None
        if kind != Attachment.Kind.PHOTO:
            raise ValidationError(
                _("%(name)s: send photos here (JPEG, PNG).") % {"name": name or _("file")}, code="photo"
            )
        place = read_photo_place(data)  # before add_attachment re-encodes it without EXIF
        taken_at = (
            place.taken_at if place.taken_at is not None and edge.is_plausible(place.taken_at) else None
        )
        photos.append(Photo(name, data, place.latitude, place.longitude, taken_at))
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(
            _("Send at most %(count)d photos at once.") % {"count": MAX_PHOTOS}, code="too_many"
        )
    return photos


def store(
    case: Case,
    photos: Iterable[Photo],
    *,
    actor: User,
    public: bool = False,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    taken_at: dt.datetime | None = None,
    event: Event | None = None,
) -> list[Attachment]:
    """The photos on the case (re-encoded, EXIF dropped), with their place and time kept as data: the
    photo's own, else ``latitude``/``longitude`` (the phone's, "phone") and ``taken_at``."""
    stored = []
    for photo in photos:
        attachment = add_attachment(
            case, photo.data, actor=actor, public=public, event=event, name=photo.name
        )
        if photo.latitude is not None and photo.longitude is not None:
            attachment.latitude, attachment.longitude = photo.latitude, photo.longitude
            attachment.position_source = "photo"
        elif latitude is not None and longitude is not None:
            attachment.latitude, attachment.longitude = latitude, longitude
            attachment.position_source = "phone"
        attachment.taken_at = photo.taken_at or taken_at
        attachment.save(update_fields=["latitude", "longitude", "position_source", "taken_at"])
        stored.append(attachment)
    return stored
