"""The access log's reports (/kvkk/erisim/): all reads of one person's data, or all reads by one member of
staff.

Only the institution's administrators and whoever the administrator granted ``privacy.view_accesslog`` (a
KVKK officer: the directory has no such role) see them, and only their own institution's rows. Each page is
one indexed range scan: (institution, citizen, at, id) or (institution, user, at, id), newest first,
keyset-paginated by the last (at, id) seen, ``PAGE`` rows at most, between two days. Reading the report is
itself logged.
"""

import datetime as dt

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kentmasa.directory.models import User
from kentmasa.privacy.models import AccessLog

PAGE = 50
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)
MAX_ID = 2**63 - 1
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


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
    sonra = forms.CharField(required=False, max_length=60, widget=forms.HiddenInput)

    def clean(self) -> dict:
        data = super().clean() or {}
        for name in ("baslangic", "bitis"):
            day = data.get(name)
            if day is not None and not FIRST_DAY <= day <= LAST_DAY:
                self.add_error(name, _("Enter a day between 2000 and 2099."))
        cursor = data.get("sonra") or ""
        data["cursor"] = None
        if cursor:
            try:
                stamp, pk = cursor.split("_", 1)
                at = EPOCH + dt.timedelta(microseconds=int(stamp))
                number = int(pk)
                if not (pk.isascii() and pk.isdigit() and 0 < number <= MAX_ID):
                    raise ValueError(pk)
            except (ValueError, OverflowError, OSError):
                self.add_error(None, _("The page address is not valid; start again."))
            else:
                data["cursor"] = (at, number)
        return data


def rows(user: User, data: dict) -> QuerySet[AccessLog]:
    """The page of rows for a valid form's data: the caller's institution only (a superuser without one: any
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
    if data.get("cursor"):
        at, pk = data["cursor"]
        found = found.filter(Q(at__lt=at) | Q(at=at, id__lt=pk))
    return found.select_related("user", "citizen", "case").order_by("-at", "-id")[:PAGE]


def cursor_of(row: AccessLog) -> str:
    return f"{(row.at - EPOCH) // dt.timedelta(microseconds=1)}_{row.pk}"
