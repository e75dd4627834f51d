"""The demo's KVKK retention (kentmasa.privacy.retention): run by the loader at every load.

Once, when Adana has no retention policy yet: Adana's periods (the defaults written out, attachments kept
two years, raw e-mails one year) and a destruction run every six months, with one past run 30 days ago so
its destruction records (one per category, nothing due: the demo's cases are recent) and the
administrators' notification are there to open; Eskişehir's police directorate gets the same schedule
(its plate reads and footage keep their own settings). A second load finds the policy and adds nothing.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kentmasa.demo.tables import ADANA_SLUG
from kentmasa.directory.models import Institution
from kentmasa.privacy import retention
from kentmasa.privacy.models import DataCategory, RetentionPolicy

POLICE_SLUG = "eskisehir-emniyet"


def set_up(now: dt.datetime | None = None) -> None:
    adana = Institution.objects.filter(slug=ADANA_SLUG).first()
    if adana is None or RetentionPolicy.objects.filter(institution=adana).exists():
        return
    now = now or timezone.now()
    for category, days in retention.DEFAULT_DAYS.items():
        retention.set_keep_days(adana, category, days)
    retention.set_keep_days(adana, DataCategory.ATTACHMENTS, 2 * 365)
    retention.set_interval(adana, 6)
    retention.run(adana, now=now - dt.timedelta(days=30), force=True)
    police = Institution.objects.filter(slug=POLICE_SLUG).first()
    if police is not None:
        retention.set_interval(police, 6)
