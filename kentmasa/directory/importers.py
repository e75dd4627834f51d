"""Putting an institution's service standards table into the directory.

`standards_table` reads the text; this module checks every value against the models and then, in one
transaction, adds or updates the application places and the services. A table with any problem changes
nothing. Services are known by their name within the institution and application places by the person's
name (or, without one, by office and title), so importing the same table again changes nothing.

An application place nobody holds yet is linked to the member of staff it names (``propose_holders``): the
user whose full name is the place's person's (Turkish-folded), or else the one manager of the unit its title
or office names. Each link is reported as proposed, for the administrator to check; a place that already
has holders is left as the administrator set it, and nothing is ever unlinked.

A new service gets its clock from the wording of its completion time (``deadlines.governs_forwarding``:
"ilgili birime ulaştırılır" times the forwarding, not the completion) and the channels its name stands
for (``channel_rows.proposals_for_table``: only a channel one row alone names, and no row of the
institution already has). A service that exists keeps the clock and channels it has, which the
administrator may have set: the report says what the table would give it, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from kentmasa.deadlines import governs_forwarding
from kentmasa.directory.channel_rows import channel_label, proposals_for_table
from kentmasa.directory.models import ApplicationPlace, Institution, Service, User
from kentmasa.directory.standards_table import (
    ApplicationPlaceBlock,
    Problem,
    ServiceRow,
    field_name_tr,
    read_standards_table,
)
from kentmasa.lib.turkish import fold

_PLACE_FIELDS = ("office", "person_name", "title", "address", "phone", "fax", "email")
_SERVICE_FIELD_NAMES_TR = {
    "name": "hizmetin adı",
    "number": "sıra no",
    "documents": "istenen belgeler",
    "completion_time": "tamamlanma süresi",
}


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def describe_tr(self) -> str:
        return f"{self.created} yeni, {self.updated} güncellendi, {self.unchanged} değişmedi"


@dataclass
class Proposal:
    """A member of staff linked to an application place because the names matched."""

    rank: int
    place: ApplicationPlace
    user: User
    by: str  # "name" or "title"

    def describe_tr(self, *, dry_run: bool = False) -> str:
        """ "Önerildi: İlk müracaat yeri “Oğuz BAYHAN” için Oğuz Bayhan (obayhan) sahibi olarak bağlandı
        (adı eşleşti); yönetim panelinden denetleyin." """
        label = "İlk" if self.rank == 1 else "İkinci"
        person = self.user.get_full_name() or self.user.username
        reason = "adı eşleşti" if self.by == "name" else "unvanı yönettiği birimle eşleşti"
        done = "bağlanacaktı" if dry_run else "bağlandı"
        return (
            f"Önerildi: {label} müracaat yeri “{self.place}” için {person} ({self.user.username}) "
            f"sahibi olarak {done} ({reason}); yönetim panelinden denetleyin."
        )


def _clock_tr(clock: str) -> str:
    if clock == Service.Clock.FORWARDING:
        return "ilgili birime ulaştırma süresi"
    return "tamamlanma süresi"


def _channels_tr(channels: list[str]) -> str:
    return ", ".join(channel_label(channel) for channel in channels) or "yok"


def _channels_named(channels: list[str]) -> str:
    """ "kanal: Telefon", "kanallar: Web formu, E-posta"."""
    return f"{'kanallar' if len(channels) > 1 else 'kanal'}: {_channels_tr(channels)}"


@dataclass
class RowReading:
    """What one row of the table says about its clock and channels, and what the import did with it.

    ``clock`` is read from the completion time and ``proposed`` from the name (unambiguous channels only);
    a new service got both. An existing one kept its own (``kept_clock``, ``kept_channels``).
    """

    number: int
    name: str
    clock: str
    proposed: list[str]
    created: bool
    kept_clock: str = ""
    kept_channels: list[str] = field(default_factory=list)

    def describe_tr(self, *, dry_run: bool = False) -> str:
        """ "1. “155 POLİS İMDAT İHBAR HATTI”: ilgili birime ulaştırma süresi; kanal: Telefon önerildi."

        An existing row: "…: tabloya göre …; kayıtlı ayarla aynı." or "…; kayıtlı ayara dokunulmadı (…)."
        """
        head = f"{self.number}. “{self.name}”"
        if self.created:
            text = f"{head}: {_clock_tr(self.clock)}"
            if self.proposed:
                done = "önerilecekti" if dry_run else "önerildi"
                text += f"; {_channels_named(self.proposed)} {done}"
            return text + "."
        read = f"tabloya göre {_clock_tr(self.clock)}"
        if self.proposed:
            read += f", {_channels_named(self.proposed)}"
        if self.kept_clock == self.clock and (not self.proposed or self.kept_channels == self.proposed):
            return f"{head}: {read}; kayıtlı ayarla aynı."
        kept = _channels_named(self.kept_channels) if self.kept_channels else "kanal yok"
        return f"{head}: {read}; kayıtlı ayara dokunulmadı ({_clock_tr(self.kept_clock)}, {kept})."


@dataclass
class ImportResult:
    problems: list[Problem] = field(default_factory=list)
    services: Counts = field(default_factory=Counts)
    places: Counts = field(default_factory=Counts)
    # Services the institution has that the table does not list: left as they are, since cases and
    # categories may point at them.
    not_in_table: list[str] = field(default_factory=list)
    # Holders linked to places nobody held (see propose_holders).
    proposed: list[Proposal] = field(default_factory=list)
    # Per row of the table: the clock read and the channels proposed (see RowReading).
    rows: list[RowReading] = field(default_factory=list)
    # Channels two rows of the table name, or a row of the institution already has: proposed for none.
    unproposed: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """What the import did, in Turkish: "9 hizmet içe aktarıldı (9 yeni, 0 güncellendi, …); …"."""
        if self.problems:
            return f"{len(self.problems)} sorun bulundu; hiçbir şey kaydedilmedi."
        text = (
            f"{self.services.total} hizmet içe aktarıldı ({self.services.describe_tr()}); "
            f"{self.places.total} müracaat yeri ({self.places.describe_tr()})."
        )
        if self.not_in_table:
            text += f" Tabloda olmayan {len(self.not_in_table)} hizmete dokunulmadı."
        if self.dry_run:
            text = f"Deneme, hiçbir şey kaydedilmedi: {text}"
        return text

    def report_lines(self) -> list[str]:
        """The lines below the summary: each row's clock and channels, the channels left to the
        administrator, then the holders proposed for application places."""
        lines = [row.describe_tr(dry_run=self.dry_run) for row in self.rows]
        if any(row.created for row in self.rows):
            lines.append("Okunan süre türlerini ve önerilen kanalları yönetim panelinden denetleyin.")
        if self.unproposed:
            lines.append(
                f"Önerilmeyen kanallar: {_channels_tr(self.unproposed)} (tabloda birden fazla satır "
                "adlandırıyor ya da kurumun başka bir satırında kayıtlı); yönetim panelinden seçin."
            )
        lines.extend(proposal.describe_tr(dry_run=self.dry_run) for proposal in self.proposed)
        return lines


def import_standards(institution: Institution, text: str, *, dry_run: bool = False) -> ImportResult:
    """Read a standards table and add or update its services and application places for `institution`.

    With any problem nothing is written and the result lists the problems by line. `dry_run` does all the
    work and rolls it back, so the counts say what a real import would do.
    """
    table = read_standards_table(text)
    result = ImportResult(problems=list(table.problems), dry_run=dry_run)
    for block in table.places:
        result.problems.extend(_check_place(institution, block))
    for row in table.rows:
        result.problems.extend(_check_service(institution, row))
    if result.problems:
        result.problems.sort(key=lambda problem: problem.line)
        return result

    with transaction.atomic():
        # One import per institution at a time (a no-op on SQLite, whose write lock does the same).
        Institution.objects.select_for_update().get(pk=institution.pk)
        places = {block.rank: _save_place(institution, block, result.places) for block in table.places}
        result.proposed = propose_holders(institution, places)
        proposals, unproposed, taken = _proposals(institution, table.rows)
        for row in table.rows:
            reading = _save_service(
                institution,
                row,
                places.get(1),
                places.get(2),
                result.services,
                proposals.get(row.name, []),
                taken,
            )
            if reading.created:
                unproposed.update(set(proposals.get(row.name, [])) - set(reading.proposed))
            result.rows.append(reading)
        result.unproposed = sorted(unproposed)
        names = [row.name for row in table.rows]
        result.not_in_table = list(
            Service.objects.filter(institution=institution)
            .exclude(name__in=names)
            .order_by("name")
            .values_list("name", flat=True)
        )
        if dry_run:
            transaction.set_rollback(True)
    return result


def _place_values(block: ApplicationPlaceBlock) -> dict[str, str]:
    return {name: getattr(block, name) for name in _PLACE_FIELDS}


def _check_place(institution: Institution, block: ApplicationPlaceBlock) -> list[Problem]:
    place = ApplicationPlace(institution=institution, **_place_values(block))
    try:
        place.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        label = "İlk" if block.rank == 1 else "İkinci"
        return [
            Problem(
                block.line_of(name),
                f"{label} müracaat yeri, {field_name_tr(name)} “{getattr(block, name, '')}”: {message}",
            )
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return []


def _check_service(institution: Institution, row: ServiceRow) -> list[Problem]:
    service = Service(
        institution=institution,
        number=row.number,
        name=row.name,
        documents=row.documents,
        completion_time=row.completion_time,
    )
    try:
        service.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return [
            Problem(
                row.line, f"{row.number} numaralı satır, {_SERVICE_FIELD_NAMES_TR.get(name, name)}: {message}"
            )
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return []


def _find_place(institution: Institution, values: dict[str, str]) -> ApplicationPlace | None:
    places = ApplicationPlace.objects.filter(institution=institution).order_by("pk")
    if values["person_name"]:
        return places.filter(person_name=values["person_name"]).first()
    return places.filter(person_name="", office=values["office"], title=values["title"]).first()


def _save_place(institution: Institution, block: ApplicationPlaceBlock, counts: Counts) -> ApplicationPlace:
    values = _place_values(block)
    place = _find_place(institution, values)
    if place is None:
        counts.created += 1
        return ApplicationPlace.objects.create(institution=institution, **values)
    changed = [name for name, value in values.items() if getattr(place, name) != value]
    if changed:
        for name in changed:
            setattr(place, name, values[name])
        place.save(update_fields=changed)
        counts.updated += 1
    else:
        counts.unchanged += 1
    return place


def _proposals(
    institution: Institution, rows: Sequence[ServiceRow]
) -> tuple[dict[str, list[str]], set[str], set[str]]:
    """``(channels by row name, channels two rows name, channels a row of the institution already has)``:
    the table's own proposals, and what keeps a new row from getting one of them."""
    proposals, ambiguous = proposals_for_table([row.name for row in rows])
    taken: set[str] = set()
    for channels in (
        Service.objects.filter(institution=institution)
        .exclude(channels=[])
        .values_list("channels", flat=True)
    ):
        taken.update(channels)
    return proposals, ambiguous, taken


def _save_service(
    institution: Institution,
    row: ServiceRow,
    first: ApplicationPlace | None,
    second: ApplicationPlace | None,
    counts: Counts,
    channels: list[str],
    taken: set[str],
) -> RowReading:
    values = {
        "number": row.number,
        "documents": row.documents,
        "completion_time": row.completion_time,
        # By id, so comparing does not fetch the places again for every service.
        "first_application_place_id": first.pk if first else None,
        "second_application_place_id": second.pk if second else None,
    }
    clock = Service.Clock.FORWARDING if governs_forwarding(row.completion_time) else Service.Clock.COMPLETION
    reading = RowReading(row.number, row.name, clock, channels, created=False)
    service = Service.objects.filter(institution=institution, name=row.name).first()
    if service is None:
        # A channel another row of the institution stands for stays with that row.
        reading.proposed = [channel for channel in channels if channel not in taken]
        Service.objects.create(
            institution=institution, name=row.name, clock=clock, channels=reading.proposed, **values
        )
        counts.created += 1
        reading.created = True
        return reading
    # The clock and channels are the administrator's once the row exists: reported, never changed.
    reading.kept_clock, reading.kept_channels = service.clock, list(service.channels)
    changed = [name for name, value in values.items() if getattr(service, name) != value]
    if changed:
        for name in changed:
            setattr(service, name, values[name])
        service.save(update_fields=changed)
        counts.updated += 1
    else:
        counts.unchanged += 1
    return reading


# -- holders -------------------------------------------------------------------------------------------------

# Words of unit names and titles that say what kind of office it is, not which: "Fen İşleri Müdürlüğü" and
# "Fen İşleri Müdürü" share "fen işleri".
_OFFICE_WORDS = frozenset(
    fold(word)
    for word in (
        "müdürlüğü müdürlük müdürü müdür şube şubesi daire dairesi başkanlığı başkanı başkan yardımcısı "
        "amirliği amiri birimi birim sorumlusu şefliği şefi genel ve ile"
    ).split()
)


def _significant(text: str) -> frozenset[str]:
    return frozenset(fold(text).split()) - _OFFICE_WORDS


def propose_holders(institution: Institution, places: dict[int, ApplicationPlace]) -> list[Proposal]:
    """Link each place nobody holds to the member of staff it names; returns what was linked.

    First by name: the active user of the institution whose folded full name is the place's person's
    (only when exactly one user has it). Failing that, by title: the one active manager of a unit whose
    name's own words ("fen işleri") all appear in the place's title or office.
    """
    vacant = {rank: place for rank, place in places.items() if not place.holders.exists()}
    if not vacant:
        return []
    staff = User.objects.filter(institution=institution, is_active=True).only(
        "pk", "username", "first_name", "last_name", "role"
    )
    by_name: dict[str, list[User]] = {}
    for user in staff:
        by_name.setdefault(fold(f"{user.first_name} {user.last_name}"), []).append(user)
    managed: list[tuple[frozenset[str], User]] = []
    for user in staff.filter(role=User.Role.UNIT_MANAGER).prefetch_related("units"):
        managed.extend((_significant(unit.name), user) for unit in user.units.all())
    proposals = []
    for rank, place in sorted(vacant.items()):
        holder, by = _named(place, by_name, managed)
        if holder is not None:
            place.holders.add(holder)
            proposals.append(Proposal(rank, place, holder, by))
    return proposals


def _named(
    place: ApplicationPlace, by_name: dict[str, list[User]], managed: list[tuple[frozenset[str], User]]
) -> tuple[User | None, str]:
    same_name = by_name.get(fold(place.person_name), []) if place.person_name.strip() else []
    if len(same_name) == 1:
        return same_name[0], "name"
    if same_name:
        return None, ""  # two people of that name: the administrator chooses
    words = _significant(f"{place.title} {place.office}")
    managers = {user.pk: user for unit_words, user in managed if unit_words and unit_words <= words}
    if len(managers) == 1:
        return next(iter(managers.values())), "title"
    return None, ""
