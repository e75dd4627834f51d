"""The access log's reports (/kvkk/erisim/): all reads of one person's data, or all reads by one member of
staff.

Only the institution's administrators and whoever the administrator granted ``privacy.view_accesslog`` (a
KVKK officer: the directory has no such role) see them, and only their own institution's rows. Each page is
one indexed range scan: (institution, citizen, at, id), (institution, user, at, id) or, unfiltered,
(institution, at, id), newest first, keyset-paged (kentmasa.cases.queries.keyset_page: ``after`` / ``before``
cursors, a bad one shows the first page), ``PAGE`` rows at most, between two days; the total counted up to
a limit. Reading the report is itself logged.
"""

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kentmasa.cases.queries import KeysetPage, page_from
from kentmasa.directory.models import User
from kentmasa.privacy.models import AccessLog

PAGE = 50
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)
MAX_ID = 2**63 - 1


def may_read_log(user: User) -> bool:
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    if user.institution_id is None:
        return False
    return user.role == User.Role.ADMINISTRATOR or user.has_perm("privacy.view_accesslog")


def require_reader(user: User) -> None:
    if not may_read_log(user):
        raise PermissionDenied


class ReportForm(forms.Form):
    vatandas = forms.IntegerField(label=_("Citizen no"), required=False, min_value=1, max_value=MAX_ID)
    personel = forms.IntegerField(label=_("Staff member no"), required=False, min_value=1, max_value=MAX_ID)
    baslangic = forms.DateField(label=_("From"), required=False)
    bitis = forms.DateField(label=_("Until"), required=False)

    def clean(self) -> dict:
        data = super().clean() or {}
        for name in ("baslangic", "bitis"):
            day = data.get(name)
            if day is not None and not FIRST_DAY <= day <= LAST_DAY:
                self.add_error(name, _("Enter a day between 2000 and 2099."))
        return data


def rows(user: User, data: dict) -> QuerySet[AccessLog]:
    """The rows a valid form's data asks for: the caller's institution only (a superuser without one: any
    institution's)."""
    found = AccessLog.objects.all()
    if user.institution_id is not None:
        found = found.filter(institution_id=user.institution_id)
    elif not user.is_superuser:
        return found.none()
    if data.get("vatandas"):
        found = found.filter(citizen_id=data["vatandas"])
    if data.get("personel"):
        found = found.filter(user_id=data["personel"])
    zone = timezone.get_current_timezone()
    if data.get("baslangic"):
        found = found.filter(at__gte=dt.datetime.combine(data["baslangic"], dt.time.min, tzinfo=zone))
    if data.get("bitis"):
        found = found.filter(
            at__lt=dt.datetime.combine(data["bitis"] + dt.timedelta(days=1), dt.time.min, zone)
        )
    return found


def page(params: Any, found: QuerySet[AccessLog]) -> KeysetPage:
    """The page of ``found`` (rows()) that ``params``' cursor asks for, newest first."""
    return page_from(
        params, found.select_related("user", "citizen", "case"), "at", size=PAGE, descending=True
    )
