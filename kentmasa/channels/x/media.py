"""The photos of an X post: fetched before the case is written, and kept until they are fetched.

:func:`fetch_photos` downloads a post's photos from X's media hosts (a DM's photo is private: it is fetched
signed as our account). One that X does not hand over now (an outage, an expired token, a slow CDN) is
returned as *pending*: the intake records it on the message (``data["media_pending"]``) and tells staff on
the case. The periodic task :func:`fetch_pending_x_media` tries again, each message at most once every
``MEDIA_RETRY_SECONDS`` for all workers together (a turn in the shared cache), adds what arrives to the
case the message belongs to now (a merged case's photos follow it) and, after ``MEDIA_TRIES``, notes the
photo as lost. Photos from a host that is not X's, or larger than we keep, are never fetched.
"""

from __future__ import annotations

import logging
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import requests
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_noop
from django_tasks import task

from kentmasa.cases import services
from kentmasa.cases.attachments import add_attachment
from kentmasa.cases.intake import Media
from kentmasa.cases.models import Channel
from kentmasa.cases.queries import current_case
from kentmasa.channels import edge
from kentmasa.channels.models import Message
from kentmasa.channels.x import client
from kentmasa.channels.x.options import config, credentials, staff_text
from kentmasa.channels.x.parse import Post
from kentmasa.lib import lockout

log = logging.getLogger(__name__)

MAX_PHOTOS = 4  # a tweet carries at most four
MAX_PHOTO_BYTES = 15 * 1024 * 1024
MEDIA_TRIES = 12
MEDIA_RETRY_SECONDS = 10 * 60
PENDING = "media_pending"

PENDING_NOTE = gettext_noop(
    "%(count)s photo(s) of this X message could not be fetched yet (%(error)s); they will be fetched "
    "again automatically."
)
FETCHED_NOTE = gettext_noop("%(count)s photo(s) of the X message arrived on a later try and were added.")
LOST_NOTE = gettext_noop("A photo of the X message could not be fetched after %(tries)s tries: %(error)s")


def _auth(*, private: bool, conf: dict, account: str) -> requests.auth.AuthBase | None:
    """A DM's photo is served only to our account: the request is signed as it, like an API call."""
    signer = credentials(conf, account) if private else None
    return client.auth(signer) if signer is not None else None


def _fetch(url: str, *, private: bool, conf: dict, account: str) -> Media:
    data = edge.download(
        url,
        max_bytes=MAX_PHOTO_BYTES,
        auth=_auth(private=private, conf=conf, account=account),
        timeout=float(conf["TIMEOUT"]),
    )
    return Media(data, name=PurePosixPath(urlsplit(url).path).name or "x-photo.jpg")


def fetch_photos(post: Post, conf: dict, account: str) -> tuple[list[Media], list[dict], list[str]]:
    """(photos, pending, problems): what came, what to fetch again later, what will never be fetched."""
    photos: list[Media] = []
    pending: list[dict] = []
    problems: list[str] = []
    hosts = set(conf.get("MEDIA_HOSTS") or ())
    for url in post.photo_urls[:MAX_PHOTOS]:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or parts.hostname not in hosts:
            problems.append(f"not fetched from an unexpected host: {url}")
            continue
        try:
            photos.append(_fetch(url, private=post.kind == "dm", conf=conf, account=account))
        except edge.TooLarge as error:
            problems.append(f"{url}: {error}")
        except edge.DownloadError as error:
            log.warning("X photo %s of %s not fetched yet: %s", url, post.external_id, error)
            pending.append({"url": url, "private": post.kind == "dm", "tries": 1, "error": str(error)})
    return photos, pending, problems


def note_pending(message: Message, pending: list[dict]) -> None:
    """Tell staff that photos are still coming: on the message's row and, once, on the case's timeline."""
    if not pending:
        return
    note = staff_text(PENDING_NOTE, count=len(pending), error=pending[0]["error"])
    Message.objects.filter(pk=message.pk).update(last_error=note)
    if message.case is not None:
        services.comment(current_case(message.case), actor=None, public=False, note=note)


def retry_pending_media(*, limit: int = 100) -> int:
    """Try the pending photos of messages whose turn it is; returns how many photos arrived."""
    conf = config()
    waiting = (
        Message.objects.filter(channel=Channel.SOCIAL, direction=Message.Direction.IN, data__has_key=PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    every = int(conf.get("MEDIA_RETRY_SECONDS") or MEDIA_RETRY_SECONDS)
    arrived = 0
    for pk in list(waiting):
        if lockout.take_turn("x-media", str(pk), every_seconds=every):
            arrived += _retry(pk, conf)
    return arrived


def _retry(pk: int, conf: dict) -> int:
    message = Message.objects.get(pk=pk)
    pending = list((message.data or {}).get(PENDING) or [])
    account = str((message.data or {}).get("account") or "")
    max_tries = int(conf.get("MEDIA_TRIES") or MEDIA_TRIES)
    fetched: list[Media] = []
    still: list[dict] = []
    lost: list[dict] = []
    for item in pending:  # downloads happen before anything is locked
        try:
            fetched.append(_fetch(item["url"], private=bool(item.get("private")), conf=conf, account=account))
        except edge.TooLarge as error:
            lost.append({**item, "error": str(error)})
        except edge.DownloadError as error:
            tried = {**item, "tries": int(item.get("tries") or 1) + 1, "error": str(error)}
            (lost if tried["tries"] >= max_tries else still).append(tried)
    with transaction.atomic():
        # Locks the message row only (a join to the case would be the nullable side of an outer join).
        message = Message.objects.select_for_update().get(pk=pk)
        if (message.data or {}).get(PENDING) != pending:
            return 0  # another worker got here first
        case = current_case(message.case) if message.case is not None else None
        added = 0
        for media in fetched:
            if case is None:
                break
            try:
                add_attachment(case, media.data, name=media.name, public=True)
                added += 1
            except ValidationError as error:
                lost.append({"url": media.name, "tries": 0, "error": "; ".join(error.messages)})
        data = {key: value for key, value in (message.data or {}).items() if key != PENDING}
        if still:
            data[PENDING] = still
        if lost:
            data["media_problems"] = [
                *data.get("media_problems", []),
                *(f"{i['url']}: {i['error']}" for i in lost),
            ]
        message.data = data
        # The message's row on the case page says where its photos stand.
        if lost:
            message.last_error = staff_text(
                LOST_NOTE, tries=lost[0].get("tries") or max_tries, error=lost[0]["error"]
            )
        elif still:
            message.last_error = staff_text(PENDING_NOTE, count=len(still), error=still[0]["error"])
        else:
            message.last_error = ""
        message.save(update_fields=["data", "last_error"])
        if case is not None and added:
            services.comment(case, actor=None, public=False, note=staff_text(FETCHED_NOTE, count=added))
        if case is not None:
            for item in lost:
                tries = item.get("tries") or max_tries
                note = staff_text(LOST_NOTE, tries=tries, error=item["error"])
                services.comment(case, actor=None, public=False, note=note)
    return added


@task()
def fetch_pending_x_media() -> int:
    """Periodic: fetch the photos of X messages that X did not hand over the first time."""
    return retry_pending_media()
