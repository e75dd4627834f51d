"""What citizens are told about the service standard (Kamu Hizmetlerinin Sunumunda Uyulacak Usul ve Esaslara
İlişkin Yönetmelik): the completion time of their topic, the deadline it gives, and the first and second
application places (ilk / ikinci müracaat yeri) to turn to when it is missed.

The deadline itself is never computed here: ``hint`` asks ``services.standard_due`` (the arithmetic
``open_case`` uses, on the institution's calendar), and a case's deadline is its ``due_at``. This module only
chooses what to show and writes dates as Turks write them: "05.12.2026", with the time ("05.12.2026 14:30")
when the standard runs in minutes or hours, whose due moment is not the end of a working day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kentmasa.cases import clock, services
from kentmasa.cases.models import Case, Channel, Kind
from kentmasa.deadlines import Duration, TimeUnit
from kentmasa.directory import channel_rows
from kentmasa.directory.models import ApplicationPlace, Category, Institution, Service


def public_institutions() -> QuerySet[Institution]:
    """The institutions whose standards are shown: those citizens apply to here (municipalities and police
    directorates, as on the public form), never an external body, whose table is its own to publish."""
    return Institution.objects.exclude(kind=Institution.Kind.EXTERNAL)


def deadline_text(due_at: dt.datetime | None, unit: TimeUnit | None) -> str:
    """ "05.12.2026" for a standard in days or working days (due at the end of that working day);
    "05.12.2026 14:30" for one in minutes or hours, and when the standard is unknown; "" without one."""
    if due_at is None:
        return ""
    local = timezone.localtime(due_at)
    if unit is not None and not unit.elapsed:
        return local.strftime("%d.%m.%Y")
    return local.strftime("%d.%m.%Y %H:%M")


def standards_path(institution: Institution, service: Service | None = None) -> str:
    """The institution's public standards page; with ``service``, the page and row where it stands."""
    path = reverse("standards:table", args=[institution.slug])
    if service is None or service.pk is None:
        return path
    return f"{path}?{urlencode({'hizmet': service.pk})}#hizmet-{service.pk}"


def standards_url(institution: Institution) -> str:
    """A short address of the standards page for an SMS ("https://…/hs/12", "" without a public address):
    a slug such as "adana-buyuksehir-belediyesi" would cost an SMS part of its own in UCS-2."""
    base = settings.KENTMASA_PUBLIC_URL
    return base.rstrip("/") + reverse("standards_short", args=[institution.pk]) if base else ""


def places_of(service: Service | None) -> list[tuple[int, ApplicationPlace]]:
    """(rank, place) of the service's first and second application places that are set."""
    if service is None:
        return []
    ranked = ((1, service.first_application_place), (2, service.second_application_place))
    return [(rank, place) for rank, place in ranked if place is not None]


# --- the form's hint, before the application is sent


@dataclass(frozen=True)
class Hint:
    """What the public form says under the topic: the row of the standards table a web application on this
    topic takes, its time, and the deadline if it were sent at ``now``."""

    service: Service | None
    standard: Duration | None
    forwarding: bool
    due_at: dt.datetime | None
    text: str
    link: str

    @property
    def due_text(self) -> str:
        return deadline_text(self.due_at, self.standard.unit if self.standard else None)

    def as_json(self) -> dict:
        return {
            "ok": True,
            "service": self.service.name if self.service else "",
            "standard": self.standard.describe_tr() if self.standard else "",
            "forwarding": self.forwarding,
            "due": self.due_text,
            "due_at": timezone.localtime(self.due_at).isoformat() if self.due_at else None,
            "text": self.text,
            "url": self.link,
        }


def hint(
    institution: Institution,
    category: Category | None,
    now: dt.datetime | None = None,
    kind: str = Kind.REQUEST,
) -> Hint:
    """The hint for a topic of the public form (``category`` None: no topic chosen or none offered) and the
    kind of application chosen on it: an information request (Law 4982) runs on the statutory calendar,
    through administrative leave (kentmasa.cases.clock.is_statutory)."""
    now = now or timezone.now()
    category_service = category.service if category is not None else None
    service = channel_rows.service_for(institution, Channel.WEB, category_service)
    link = standards_path(institution, service)
    if service is None:
        text = _(
            "No completion time is set for this topic in the service standards table; the responsible unit "
            "will tell you when you can expect an answer."
        )
        return Hint(None, None, False, None, text, link)
    due_at = services.standard_due(institution=institution, received_at=now, service=service, kind=kind)
    probe = Case(
        institution=institution, service=service, kind=kind, received_at=now, clock=clock.clock_of(service)
    )
    standard = clock.standard_for(probe)
    forwarding = probe.clock == clock.FORWARDING
    if due_at is None or standard is None:
        text = _(
            "The service standard for this topic states no completion time; the responsible unit will tell "
            "you when you can expect an answer."
        )
        return Hint(service, None, forwarding, None, text, link)
    values = {"standard": standard.describe_tr(), "due": deadline_text(due_at, standard.unit)}
    if forwarding:
        text = (
            _(
                "Service standard: passed to the responsible unit within %(standard)s. If you send it now, "
                "by %(due)s at the latest."
            )
            % values
        )
    else:
        text = (
            _(
                "Service standard: %(standard)s. If you send your application now, it is due to be completed "
                "by %(due)s at the latest."
            )
            % values
        )
    return Hint(service, standard, forwarding, due_at, text, link)


# --- a case's receipt, tracking page, printed receipt and acknowledgement


@dataclass(frozen=True)
class CaseStandard:
    """A case's deadline as the citizen is told it, and where to go if it is missed."""

    due_text: str
    standard: Duration | None
    places: list[tuple[int, ApplicationPlace]]
    link: str
    missed: bool


def for_case(case: Case, now: dt.datetime | None = None) -> CaseStandard:
    standard = clock.standard_for(case)
    due_text = deadline_text(case.due_at, standard.unit if standard else None)
    return CaseStandard(
        due_text=due_text,
        standard=standard,
        places=places_of(case.service),
        link=standards_path(case.institution, case.service),
        missed=deadline_missed(case, now),
    )


def deadline_missed(case: Case, now: dt.datetime | None = None) -> bool:
    """Whether the standard was missed: the deadline passed while the institution still owed the answer,
    or the answer (a forwarding clock: the forwarding) came after it. A case without a deadline, and one
    settled otherwise (rejected, redirected, merged), never missed it."""
    if case.due_at is None:
        return False
    left = clock.remaining(case, now)
    if left is not None:
        return left.overdue
    return clock.within_standard(case) is False


def place_line(place: ApplicationPlace) -> str:
    """One line for print: "Oğuz BAYHAN, Halkla İlişkiler Müdürlüğü, Tel: 0 352 666 38 02"."""
    parts = [place.person_name, place.title or place.office]
    if place.phone:
        parts.append(f"Tel: {place.phone}")
    if place.email:
        parts.append(place.email)
    return ", ".join(part for part in parts if part)
