"""Reading an Open311 POST: every parameter checked against the spec and the columns it goes into.

``read_report`` answers with every problem at once (400), an unknown service (404), or the checked
``Report``. A value longer than its column is refused, never cut; NUL is removed from the reporter's own
words and refused anywhere else; media files are checked as any attachment is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kentmasa.cases.attachments import ACCEPTED, check_file
from kentmasa.cases.validators import clean_phone
from kentmasa.channels.open311.access import Jurisdiction
from kentmasa.channels.open311.definitions import category_for
from kentmasa.channels.open311.formats import Open311Error, param
from kentmasa.directory.models import Category
from kentmasa.lib import edge

MAX_DESCRIPTION = 4000  # the spec's limit
MAX_ADDRESS = 400  # Case.address_text
# The other parameters' limits (the columns they go into); a longer value is refused, never cut.
MAX_LENGTHS = {
    "first_name": 100,  # the two together make Citizen.name (200)
    "last_name": 99,
    "email": 254,
    "device_id": 200,
    "account_id": 200,
    "address_id": 100,
    "media_url": 1000,
}
MAX_ATTRIBUTE = 1000  # each attribute answer
MAX_MEDIA = 5
MAX_MEDIA_BYTES = max(limit for _kind, limit in ACCEPTED.values())


@dataclass
class Report:
    """A POSTed request, checked."""

    category: Category
    description: str
    name: str = ""
    phone: str = ""
    email: str = ""
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    address_id: str = ""
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""
    attributes: dict = field(default_factory=dict)
    media: list = field(default_factory=list)  # (bytes, file name), already checked


def _coordinate(text: str, limit: float) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if -limit <= value <= limit else None


def _attributes(request: HttpRequest) -> dict:
    """``attribute[code]=value`` and ``attribute[code][]=value`` pairs, as the spec sends them."""
    found: dict[str, object] = {}
    for key in request.POST:
        match = re.fullmatch(r"attribute\[([^\]]+)\](\[\])?", key)
        if match:
            values = [edge.clean_text(value).strip() for value in request.POST.getlist(key)]
            if any(len(value) > MAX_ATTRIBUTE for value in values):
                raise Open311Error(
                    400,
                    _("%(name)s may be at most %(limit)d characters.")
                    % {"name": edge.clean_text(key)[:110], "limit": MAX_ATTRIBUTE},
                )
            found[edge.clean_text(match.group(1))[:100]] = values if match.group(2) else values[-1]
    return found


def read_report(request: HttpRequest, jurisdiction: Jurisdiction) -> Report:
    """Every problem with the POST at once (400), or an unknown service (404), or the checked report."""
    errors = []
    service_code = param(request, "service_code")
    if not service_code:
        errors.append(_("service_code was not provided."))
    lat_text, long_text = param(request, "lat"), param(request, "long")
    address = param(request, "address_string")
    address_id = param(request, "address_id")
    latitude = longitude = None
    if lat_text or long_text:
        latitude, longitude = _coordinate(lat_text, 90), _coordinate(long_text, 180)
        if not (lat_text and long_text):
            errors.append(_("lat and long must be sent together."))
        elif latitude is None or longitude is None:
            errors.append(_("lat and long must be WGS84 decimal degrees, e.g. lat=41.0438&long=28.8757."))
    elif not (address or address_id):
        errors.append(_("A location is needed: lat and long, address_string or address_id."))
    if len(address) > MAX_ADDRESS:
        errors.append(_("address_string may be at most %(limit)d characters.") % {"limit": MAX_ADDRESS})
    description = param(request, "description")
    if len(description) > MAX_DESCRIPTION:
        errors.append(_("description may be at most %(limit)d characters.") % {"limit": MAX_DESCRIPTION})
    phone = email = ""
    try:
        phone = clean_phone(param(request, "phone"))
    except ValidationError as error:
        errors.extend(error.messages)
    for name, limit in MAX_LENGTHS.items():
        if len(param(request, name)) > limit:
            errors.append(_("%(name)s may be at most %(limit)d characters.") % {"name": name, "limit": limit})
    email = param(request, "email").lower()
    if email and len(email) <= MAX_LENGTHS["email"]:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_("email is not a valid e-mail address."))
    media_url = param(request, "media_url")
    if media_url and not re.match(r"https?://", media_url, flags=re.IGNORECASE):
        errors.append(_("media_url must be an http or https address."))
    media = []
    uploads = request.FILES.getlist("media")
    if len(uploads) > MAX_MEDIA:
        errors.append(_("At most %(limit)d media files may be sent.") % {"limit": MAX_MEDIA})
    else:
        for upload in uploads:
            if upload.size is not None and upload.size > MAX_MEDIA_BYTES:
                errors.append(_("media: the file is too large."))
                continue
            data = upload.read()
            file_name = edge.clean_text(upload.name or "")
            try:
                check_file(data, file_name)
            except ValidationError as error:
                errors.extend(f"media: {message}" for message in error.messages)
            else:
                media.append((data, file_name))
    if errors:
        raise Open311Error(400, *errors)
    name = " ".join(part for part in (param(request, "first_name"), param(request, "last_name")) if part)
    return Report(
        category=category_for(jurisdiction, service_code),
        description=description,
        name=name[:200],
        phone=phone,
        email=email,
        latitude=latitude,
        longitude=longitude,
        address=address,
        address_id=address_id[:100],
        device_id=param(request, "device_id")[:200],
        account_id=param(request, "account_id")[:200],
        media_url=media_url[:1000],
        attributes=_attributes(request),
        media=media,
    )
