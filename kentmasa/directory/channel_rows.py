"""Rows of a standards table that stand for channels, and which row a case takes.

Some tables have a row per way in rather than per topic: seed 000 (Eskişehir police) times its 155 line,
e-mail, SMS and KADES separately; seed 002 (Kayseri) has CİMER and Açık Kapı 15 days, Beyaz Masa, Alo 153
and the web, app, e-mail and social media 10 days. Such a row lists its channels (``Service.channels``,
values of kentmasa.cases.models.Channel). A case's service is then chosen by its category *and* its
channel (``service_for``):

1. the category's service is a topic row (it stands for no channel): that row, whatever the channel;
2. else the institution's row that stands for the case's channel, if any;
3. else the category's service (None without one).

A channel may be claimed by at most one row of an institution (the administrator's form refuses a second,
``claimed_by_others``). ``propose_channels`` reads the channels a row stands for from its name, for the
importer to propose and the administrator to check; ``proposals_for_table`` keeps only the unambiguous
ones. The channel names are plain strings here: this app sits below kentmasa.cases, which defines them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.apps import apps
from django.utils import translation

from kentmasa.directory.models import Institution, Service
from kentmasa.lib.turkish import fold

# What a row's name says about its channel, as whole words after kentmasa.lib.turkish.fold; a longer phrase
# is read before the shorter one it contains ("beyaz masa mobil" is the mobile desk, not the desk too).
CHANNEL_WORDS: tuple[tuple[str, str], ...] = (
    ("beyaz masa mobil", "mobile_desk"),
    ("cozum masasi mobil", "mobile_desk"),
    ("mobil beyaz masa", "mobile_desk"),
    ("mobil uygulama", "mobile"),
    ("mobil uygulamalar", "mobile"),
    ("mobil cihaz uygulamalari", "mobile"),
    ("elektronik posta", "email"),
    ("e-posta", "email"),
    ("e posta", "email"),
    ("eposta", "email"),
    ("e-mail", "email"),
    ("cagri merkezi", "phone"),
    ("alo 153", "phone"),
    ("alo153", "phone"),
    ("155", "phone"),
    ("153", "phone"),
    ("imdat", "phone"),
    ("telefon", "phone"),
    ("sms", "sms"),
    ("kisa mesaj", "sms"),
    ("kades", "kades"),
    ("cimer", "cimer"),
    ("bimer", "bimer"),
    ("acik kapi", "acik_kapi"),
    ("beyaz masa", "desk"),
    ("cozum masasi", "desk"),
    ("web sayfasi", "web"),
    ("internet sayfasi", "web"),
    ("web sitesi", "web"),
    ("sosyal medya", "social"),
    ("whatsapp", "whatsapp"),
    ("saha", "field"),
    ("open311", "open311"),
)
_BY_LENGTH = sorted(CHANNEL_WORDS, key=lambda pair: -len(pair[0]))
_PATTERN = re.compile("|".join(rf"(?<![\w-]){re.escape(words)}(?![\w-])" for words, _ in _BY_LENGTH))
_CHANNEL_OF = dict(CHANNEL_WORDS)
CHANNELS: frozenset[str] = frozenset(_CHANNEL_OF.values())


def channel_choices() -> list[tuple[str, str]]:
    """Every channel a case can come by, (value, label) in the active language, as kentmasa.cases defines
    them (read from its model at run time: this app is below it and imports nothing of it)."""
    field = apps.get_model("cases", "Case")._meta.get_field("channel")
    return [(str(value), str(label)) for value, label in field.flatchoices]


def channel_label(channel: str) -> str:
    """A channel's name in Turkish ("Telefon", "E-posta"), for the import report, which is Turkish."""
    with translation.override("tr"):
        return dict(channel_choices()).get(channel, channel)


def propose_channels(row_name: str) -> list[str]:
    """The channels a row's name says it stands for, in the order they appear, each once.

    "155 POLİS İMDAT İHBAR HATTI" → ["phone"]; "Web Sayfası, Mobil Uygulama, E-Posta, Sosyal Medya
    Başvuruları" → ["web", "mobile", "email", "social"]; "Beyaz Masa Mobil" → ["mobile_desk"]; a topic's
    name ("4982 Sayılı Yasa Gereği Bilgi Edinme Başvuruları") → []. Whole words only: the "155" of an
    address such as "eskisehir155@egm.gov.tr" is not the 155 line.
    """
    if not isinstance(row_name, str):
        return []
    found: list[str] = []
    for match in _PATTERN.finditer(fold(row_name)):
        channel = _CHANNEL_OF[match.group(0)]
        if channel not in found:
            found.append(channel)
    return found


def proposals_for_table(
    names: Iterable[str], taken: Iterable[str] = ()
) -> tuple[dict[str, list[str]], set[str]]:
    """What to propose for each row of one table: ``(channels by row name, channels left unproposed)``.

    A channel named by two rows of the table (or already ``taken`` by a row the administrator set) is
    proposed for none of them: which row governs it is the administrator's choice. Rows with nothing left
    to propose are not in the mapping.
    """
    names = list(names)
    proposed = {name: propose_channels(name) for name in names}
    count: dict[str, int] = {}
    for channels in proposed.values():
        for channel in channels:
            count[channel] = count.get(channel, 0) + 1
    taken = set(taken)
    ambiguous = {channel for channel, times in count.items() if times > 1 or channel in taken}
    kept = {
        name: [channel for channel in channels if channel not in ambiguous]
        for name, channels in proposed.items()
    }
    return {name: channels for name, channels in kept.items() if channels}, ambiguous


def channels_of(service: Service) -> list[str]:
    """The channels a row stands for (a list whatever was stored: the field is JSON)."""
    channels = service.channels
    return [channel for channel in channels if isinstance(channel, str)] if isinstance(channels, list) else []


def is_topic_row(service: Service) -> bool:
    """A row about a topic (it stands for no channel): a category pointing at it keeps it on every channel."""
    return not channels_of(service)


def _decides_alone(category_service: Service | None, channel: str) -> bool:
    """The category's service is the answer without looking further: a topic row, or this channel's row."""
    if category_service is None:
        return False
    channels = channels_of(category_service)
    return not channels or channel in channels


def pick(category_service: Service | None, channel: str, rows: Iterable[Service]) -> Service | None:
    """The row a case takes (see the module docstring), given the institution's rows that stand for
    channels."""
    if _decides_alone(category_service, channel):
        return category_service
    for row in rows:
        if channel in channels_of(row):
            return row
    return category_service


def service_for(
    institution: Institution | int, channel: str, category_service: Service | None
) -> Service | None:
    """The service of a case of ``institution`` that came by ``channel`` with a category whose service is
    ``category_service`` (None: no category, or one without a service).

    No query when the category's service decides by itself (a topic row, or the row of this very channel);
    otherwise one small query for the institution's rows that stand for channels (a table has a handful).
    """
    if _decides_alone(category_service, channel):
        return category_service
    institution_id = institution if isinstance(institution, int) else institution.pk
    return pick(category_service, channel, channel_rows(institution_id))


def channel_rows(institution_id: int) -> list[Service]:
    """The institution's rows that stand for at least one channel, by row number (one query)."""
    return list(
        Service.objects.filter(institution_id=institution_id).exclude(channels=[]).order_by("number", "pk")
    )


def claimed_by_others(service: Service, channels: Iterable[str]) -> dict[str, Service]:
    """Which of ``channels`` another row of the service's institution already stands for."""
    wanted = set(channels)
    if not wanted or service.institution_id is None:
        return {}
    others = Service.objects.filter(institution_id=service.institution_id).exclude(channels=[])
    if service.pk is not None:
        others = others.exclude(pk=service.pk)
    claimed: dict[str, Service] = {}
    for other in others.order_by("number", "pk"):
        for channel in channels_of(other):
            if channel in wanted and channel not in claimed:
                claimed[channel] = other
    return claimed
