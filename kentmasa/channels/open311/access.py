"""Who may ask what of Open311: the settings (``KENTMASA_OPEN311``, read on every request), the
jurisdiction a request is for, the app its api_key was given to, and the rate of POSTs: per api_key (each
key's own ``rate``, else ``key_rate``), and per client address for POSTs without a known key.

Each refusal is an ``Open311Error`` with the spec's status: 400 no jurisdiction_id where one is needed,
404 an unknown one, 403 a missing, unknown or out-of-bounds api_key, 429 too many POSTs (with Retry-After).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from kentmasa.channels.edge import same_secret
from kentmasa.channels.open311.formats import Open311Error, param
from kentmasa.directory.models import Institution
from kentmasa.lib.lockout import rate_seconds

log = logging.getLogger(__name__)

# POSTs an api_key may send when its entry names no rate: an aggregator (FixMyStreet, SeeClickFix) sends every
# report of a city from one server, so this is far above what one person sends (``rate``, per address).
DEFAULT_KEY_RATE = "300/m"


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


@dataclass(frozen=True)
class App:
    """An app an api_key was given to: its name, the rate of its POSTs and the jurisdictions it may use."""

    name: str
    rate: str
    jurisdictions: tuple[str, ...] | None
    counter: str  # what its POSTs are counted under: a digest of the key, never the key itself


def key_rate() -> str:
    """The rate of a key that names none of its own (``key_rate``, default DEFAULT_KEY_RATE)."""
    return config().get("key_rate") or DEFAULT_KEY_RATE


def _app(raw: str) -> App | None:
    found = key = None
    for candidate, value in (config().get("api_keys") or {}).items():
        # Every configured key is compared, in constant time, so timing tells nothing about a guess.
        if same_secret(raw, str(candidate)):
            found, key = value, str(candidate)
    if found is None or key is None:
        return None
    if isinstance(found, dict):
        name, rate, allowed = found.get("name", ""), found.get("rate") or "", found.get("jurisdictions")
    else:
        name, rate, allowed = str(found), "", None
    rate = rate or (config().get("key_rates") or {}).get(key) or key_rate()
    counter = salted_hmac("kentmasa.channels.open311.key", key).hexdigest()[:32]
    return App(name or "open311", rate, tuple(allowed) if allowed is not None else None, counter)


def app_for_key(raw: str, jurisdiction: Jurisdiction, request: HttpRequest) -> App:
    """The app an api_key was given to, its POST counted against the key's rate (429 past it).

    A POST without a key, or with an unknown one, counts against its client address (``rate``) before it is
    refused with 403: so guessing keys is as slow as sending reports without one.
    """
    app = _app(raw) if raw else None
    if app is None:
        check_rate(request)
        if not raw:
            raise Open311Error(403, _("api_key was not provided; the request was not recorded."))
        raise Open311Error(403, _("Invalid api_key received; the request was not recorded."))
    if is_ratelimited(
        request,
        group="open311:key",
        key=lambda group, request: app.counter,
        rate=lambda group, request: app.rate,
        method="POST",
        increment=True,
    ):
        log.warning("Open311 rate limit reached for the app %s (%s)", app.name, app.rate)
        raise Open311Error(
            429,
            _("This api_key has sent too many requests; please try again in a few minutes."),
            headers={"Retry-After": str(rate_seconds(app.rate))},
        )
    if app.jurisdictions is not None and jurisdiction.id not in app.jurisdictions:
        raise Open311Error(403, _("This api_key may not send requests to this jurisdiction."))
    return app


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
