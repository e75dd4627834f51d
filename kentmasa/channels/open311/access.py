"""Who may ask what of Open311: the settings (``KENTMASA_OPEN311``, read on every request), the
jurisdiction a request is for, the app its api_key was given to, and the rate of POSTs per client address.

Each refusal is an ``Open311Error`` with the spec's status: 400 no jurisdiction_id where one is needed,
404 an unknown one, 403 a missing, unknown or out-of-bounds api_key, 429 too many POSTs (with Retry-After).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from kentmasa.channels.edge import same_secret
from kentmasa.channels.open311.formats import Open311Error, param
from kentmasa.directory.models import Institution
from kentmasa.lib.lockout import rate_seconds

log = logging.getLogger(__name__)


def config() -> dict:
    return getattr(settings, "KENTMASA_OPEN311", None) or {}


@dataclass(frozen=True)
class Jurisdiction:
    id: str
    institution: Institution


def jurisdiction_for(request: HttpRequest) -> Jurisdiction:
    conf = config()
    given = param(request, "jurisdiction_id")
    mapping = conf.get("jurisdictions") or {}
    if mapping:
        jurisdiction_id = given or conf.get("default_jurisdiction") or ""
        if not jurisdiction_id and len(mapping) == 1:
            jurisdiction_id = next(iter(mapping))
        if not jurisdiction_id:
            raise Open311Error(400, _("jurisdiction_id was not provided."))
        slug = mapping.get(jurisdiction_id)
        institution = Institution.objects.filter(slug=slug).first() if slug else None
        if slug and institution is None:
            log.error("KENTMASA_OPEN311 maps %r to %r, which is no institution", jurisdiction_id, slug)
    else:
        candidates = Institution.objects.exclude(kind=Institution.Kind.EXTERNAL)
        jurisdiction_id = given or conf.get("default_jurisdiction") or ""
        if not jurisdiction_id:
            only = list(candidates[:2])
            if len(only) != 1:
                raise Open311Error(400, _("jurisdiction_id was not provided."))
            jurisdiction_id = only[0].slug
        institution = candidates.filter(slug=jurisdiction_id).first()
    if institution is None:
        raise Open311Error(404, _("jurisdiction_id %(id)s was not found.") % {"id": jurisdiction_id[:100]})
    return Jurisdiction(jurisdiction_id, institution)


def app_for_key(raw: str, jurisdiction: Jurisdiction) -> str:
    """The name of the app an api_key was given to; 403 for a missing or unknown key."""
    if not raw:
        raise Open311Error(403, _("api_key was not provided; the request was not recorded."))
    found = None
    for key, value in (config().get("api_keys") or {}).items():
        # Every configured key is compared, in constant time, so timing tells nothing about a guess.
        if same_secret(raw, str(key)):
            found = value
    if found is None:
        raise Open311Error(403, _("Invalid api_key received; the request was not recorded."))
    name, allowed = (
        (found, None) if isinstance(found, str) else (found.get("name", ""), found.get("jurisdictions"))
    )
    if allowed is not None and jurisdiction.id not in allowed:
        raise Open311Error(403, _("This api_key may not send requests to this jurisdiction."))
    return name or "open311"


def _rate(group: str, request: HttpRequest) -> str:
    return config().get("rate") or settings.KENTMASA_PUBLIC_RATE


def check_rate(request: HttpRequest) -> None:
    """Count this POST against its client address; 429 past the ``rate``."""
    if is_ratelimited(request, group="open311:post", key="ip", rate=_rate, method="POST", increment=True):
        log.warning("Open311 rate limit reached")
        wait = rate_seconds(_rate("", request))
        raise Open311Error(
            429,
            _("Too many requests from this address; please try again in a few minutes."),
            headers={"Retry-After": str(wait)},
        )
