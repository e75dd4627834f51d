"""Background work of the WhatsApp line: media Graph could not hand over when the message arrived.

``fetch_pending_media`` runs every periodic interval (``KENTMASA_PERIODIC_TASKS``): it tries each message
still holding ``pending_media`` (a Graph outage, or an access token Meta refused until staff renewed it)
and stores what it gets on the message's case. Idempotent: a message is locked while its media is fetched
and a fetched media id leaves the list.
"""

from __future__ import annotations

from django_tasks import task

from kentmasa.channels.whatsapp.intake import fetch_all_pending


@task()
def fetch_pending_media() -> int:
    return fetch_all_pending()
