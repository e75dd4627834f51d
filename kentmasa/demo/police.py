"""Eskişehir police's Haber Merkezi for the demo: its unit and dispatch settings, a duty supervisor, eight
police teams of two on the streets of Tepebaşı and Odunpazarı, and a woman under a Law 6284 protection order
whose KADES alerts `manage.py demo_kades` replays.

Run by the loader every time `load_demo` runs (a fresh load and every `make run` after it), so it only adds
what is missing and never a second copy: the teams' positions and statuses are written again each time, so
the dispatch board shows teams whose positions are seconds to minutes old, not as old as the last load. A
team still busy with an open incident (a dispatch not timed out or cancelled) keeps its status and position.

Everything here is invented: the people, their mobiles (no real subscriber is meant), the order's court and
decision number. The positions are real places in the city (each lies inside a mahalle of Tepebaşı or
Odunpazarı in the tr-admin data; the tests check it). The TC kimlik number has a valid checksum.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from kentmasa.demo.tables import ESKISEHIR
from kentmasa.directory.models import Category, Institution, Team, TeamPosition, Unit, User
from kentmasa.emergency.models import Dispatch, DispatchSettings, ProtectionOrder

HABER_MERKEZI = "Haber Merkezi"
PATROL_UNIT = "Asayiş Şube Müdürlüğü"  # the existing unit new teams join (directory.toml)
TRAFFIC_UNIT = "Trafik Denetleme Şube Müdürlüğü"


@dataclass(frozen=True)
class Member:
    username: str
    first_name: str  # used only when the login is created here (staff.toml may have named it already)
    last_name: str
    mobile: str  # E.164, set when the login has none: a dispatch's SMS goes there


@dataclass(frozen=True)
class Crew:
    name: str
    unit: str
    members: tuple[Member, Member]
    status: str
    latitude: float  # the last position the team's phone sent
    longitude: float
    accuracy_m: int
    age_s: int  # how long before the load it was sent
    where: str  # the mahalle, for whoever reads this table


S = Team.Status
# The first five are directory.toml's police teams (their first member is staff.toml's login); three more
# patrol the city. Mostly available, as a quiet evening shift is; one each en route, on scene and off duty.
CREWS: tuple[Crew, ...] = (
    Crew(
        "Yunus Ekibi 1",
        PATROL_UNIT,
        (
            Member("yunus", "Volkan", "Çetin", "+905321550101"),
            Member("obulut", "Onur", "Bulut", "+905321550102"),
        ),
        S.AVAILABLE,
        39.776600,
        30.515000,
        8,
        6,
        "Odunpazarı, İstiklal Mh. (Adalar)",
    ),
    Crew(
        "Yunus Ekibi 2",
        PATROL_UNIT,
        (
            Member("ekip.yunus2", "Caner", "Yıldız", "+905321550103"),
            Member("tkoc", "Tolga", "Koç", "+905321550104"),
        ),
        S.AVAILABLE,
        39.780500,
        30.508000,
        12,
        14,
        "Tepebaşı, Hoşnudiye Mh. (istasyon)",
    ),
    Crew(
        "Asayiş Ekibi Odunpazarı",
        PATROL_UNIT,
        (
            Member("ekip.odunpazari", "Gökhan", "Aksu", "+905321550105"),
            Member("saltun", "Sibel", "Altun", "+905321550106"),
        ),
        S.ON_SCENE,
        39.763000,
        30.525000,
        15,
        40,
        "Odunpazarı, Paşa Mh. (Odunpazarı evleri)",
    ),
    Crew(
        "Asayiş Ekibi Tepebaşı",
        PATROL_UNIT,
        (
            Member("ekip.tepebasi", "Levent", "Kara", "+905321550107"),
            Member("hsahin", "Hakan", "Şahin", "+905321550108"),
        ),
        S.AVAILABLE,
        39.790500,
        30.498500,
        10,
        25,
        "Tepebaşı, Yeşiltepe Mh. (Anadolu Üniversitesi)",
    ),
    Crew(
        "Trafik Ekibi 1",
        TRAFFIC_UNIT,
        (
            Member("ekip.trafik", "Erkan", "Tuna", "+905321550109"),
            Member("ayavuz", "Ali", "Yavuz", "+905321550110"),
        ),
        S.OFF_DUTY,
        39.751000,
        30.483000,
        20,
        18 * 60,
        "Odunpazarı, Büyükdere Mh. (Meşelik)",
    ),
    Crew(
        "Tepebaşı 1. Ekip",
        PATROL_UNIT,
        (
            Member("cerdogan", "Cem", "Erdoğan", "+905321550111"),
            Member("nkaplan", "Nur", "Kaplan", "+905321550112"),
        ),
        S.AVAILABLE,
        39.787000,
        30.555000,
        9,
        9,
        "Tepebaşı, Şeker Mh.",
    ),
    Crew(
        "Odunpazarı Yunus 3",
        PATROL_UNIT,
        (
            Member("mozdemir", "Mert", "Özdemir", "+905321550113"),
            Member("ucelik", "Uğur", "Çelik", "+905321550114"),
        ),
        S.EN_ROUTE,
        39.772000,
        30.530000,
        6,
        3,
        "Odunpazarı, Kurtuluş Mh.",
    ),
    Crew(
        "Odunpazarı 2. Ekip",
        PATROL_UNIT,
        (
            Member("dkurt", "Deniz", "Kurt", "+905321550115"),
            Member("fsen", "Fatih", "Şen", "+905321550116"),
        ),
        S.AVAILABLE,
        39.765000,
        30.495000,
        18,
        2 * 60,
        "Odunpazarı, Sümer Mh.",
    ),
)

# The duty supervisor (nöbetçi amir): told at once, push and SMS, when a KADES alert finds no console open
# or nobody acknowledges it in time.
SUPERVISOR = Member("amir", "Selim", "Yıldırım", "+905321550001")
# A police operator, only made when the directorate has none (staff.toml's "polis" is one).
OPERATOR = Member("polis", "Kemal", "Doğan", "")


@dataclass(frozen=True)
class KadesPerson:
    name: str
    tc_kimlik_no: str
    phone: str


# The woman under protection whose alerts `manage.py demo_kades` sends (it finds her by her order).
KADES_PERSON = KadesPerson("Gülsüm Aksoy", "31285647062", "+905436284006")
ORDER = {
    "court": "Eskişehir 2. Aile Mahkemesi",
    "decision_no": "412 D. İş",  # the year of the decision is put in front
    "measures": (
        "6284 sayılı Kanun m. 5/1-a, c, f: şiddet uygulayan kişinin korunan kişiye yönelik tehdit, hakaret "
        "ve aşağılayıcı söz ve davranışlarda bulunmaması; korunan kişiye, konutuna ve işyerine yaklaşmaması; "
        "onu iletişim araçlarıyla veya sair surette rahatsız etmemesi. Korunan kişi KADES'e kayıtlıdır."
    ),
}
ORDER_AGE_DAYS = 47  # decided this long before the first load, valid for six months (the Law's longest)

TRACK_STEP_S = 30  # seconds between the positions of a moving team's short track


def set_up(password: str, *, now: dt.datetime | None = None) -> None:
    """Add what is missing of the Haber Merkezi's demo and refresh the teams' positions; nothing when the
    Eskişehir police directorate is not there."""
    police = Institution.objects.filter(slug=ESKISEHIR.slug).first()
    if police is None:
        return
    now = now or timezone.now()
    with transaction.atomic():
        logins = _Logins(police, password)
        haber_merkezi = _haber_merkezi(police)
        supervisor = logins.get(SUPERVISOR, User.Role.POLICE_OPERATOR)
        _dispatch_settings(police, haber_merkezi, supervisor)
        if (
            not User.objects.filter(institution=police, role=User.Role.POLICE_OPERATOR)
            .exclude(pk=supervisor.pk)
            .exists()
        ):
            logins.get(OPERATOR, User.Role.POLICE_OPERATOR)
        for crew in CREWS:
            team = _team(police, crew)
            members = [logins.get(member, User.Role.FIELD_TEAM) for member in crew.members]
            team.members.add(*members)
            if team.leader_id is None:
                Team.objects.filter(pk=team.pk).update(leader=members[0])
            if not _busy(team):
                _place(team, crew, now)
        _protection_order(police, now)


class _Logins:
    """Demo logins of the directorate, made with the demo password (hashed once, only if one is made)."""

    def __init__(self, police: Institution, password: str) -> None:
        self.police = police
        self.password = password
        self._hash = ""

    def get(self, member: Member, role: str) -> User:
        user = User.objects.filter(username=member.username).first()
        if user is None:
            self._hash = self._hash or make_password(self.password)
            return User.objects.create(
                username=member.username,
                password=self._hash,
                role=role,
                institution=self.police,
                first_name=member.first_name,
                last_name=member.last_name,
                mobile=member.mobile,
            )
        if member.mobile and not user.mobile:
            User.objects.filter(pk=user.pk).update(mobile=member.mobile)
            user.mobile = member.mobile
        return user


def _haber_merkezi(police: Institution) -> Unit:
    found = Unit.objects.filter(institution=police, name__icontains=HABER_MERKEZI).order_by("pk").first()
    return found or Unit.objects.create(institution=police, name=HABER_MERKEZI)


def _dispatch_settings(police: Institution, haber_merkezi: Unit, supervisor: User) -> None:
    """The directorate's settings; what an administrator has set since stays as it is."""
    settings_, _ = DispatchSettings.objects.get_or_create(institution=police)
    changed = []
    if settings_.haber_merkezi_id is None:
        settings_.haber_merkezi = haber_merkezi
        changed.append("haber_merkezi")
    if settings_.kades_category_id is None:
        settings_.kades_category = (
            Category.objects.filter(institution=police, name__icontains="KADES").order_by("pk").first()
        )
        changed.append("kades_category")
    if changed:
        settings_.save(update_fields=changed)
    settings_.supervisors.add(supervisor)


def _team(police: Institution, crew: Crew) -> Team:
    team = Team.objects.filter(unit__institution=police, name=crew.name).first()
    if team is None:
        unit = Unit.objects.get(institution=police, name=crew.unit)
        team = Team.objects.create(unit=unit, name=crew.name, kind=Team.Kind.POLICE)
    return team


def _busy(team: Team) -> bool:
    """Sent to an incident still open: what the operators did with it stays."""
    return (
        Dispatch.objects.filter(team=team, incident__closed_at__isnull=True)
        .exclude(status__in=(Dispatch.Status.TIMED_OUT, Dispatch.Status.CANCELLED))
        .exists()
    )


def _track(crew: Crew, now: dt.datetime) -> list[TeamPosition]:
    """The last positions the team's phone sent, oldest first: a team en route moved ~150 m every 30 s
    towards where it is now, a patrolling one ~40 m; a team that stands (on scene, off duty) sent one."""
    moving = {S.EN_ROUTE: (4, 0.0014), S.AVAILABLE: (2, 0.0004)}
    count, step = moving.get(S(crew.status), (1, 0.0))
    track = []
    for back in range(count - 1, -1, -1):
        track.append(
            TeamPosition(
                at=now - dt.timedelta(seconds=crew.age_s + back * TRACK_STEP_S),
                latitude=round(crew.latitude - back * step, 6),
                longitude=round(crew.longitude - back * step * 0.7, 6),
                accuracy_m=crew.accuracy_m + back * 3,
            )
        )
    return track


def _place(team: Team, crew: Crew, now: dt.datetime) -> None:
    """The crew's status and last position as of ``now``; its earlier demo track replaced."""
    track = _track(crew, now)
    for position in track:
        position.team = team
    TeamPosition.objects.filter(team=team).delete()
    TeamPosition.objects.bulk_create(track)
    last = track[-1]
    status_age = dt.timedelta(minutes=7 if crew.status == S.EN_ROUTE else 35)
    Team.objects.filter(pk=team.pk).update(
        kind=Team.Kind.POLICE,
        active=True,
        status=crew.status,
        status_at=now - status_age,
        latitude=last.latitude,
        longitude=last.longitude,
        accuracy_m=last.accuracy_m,
        position_at=last.at,
    )


def _protection_order(police: Institution, now: dt.datetime) -> None:
    person = KADES_PERSON
    if ProtectionOrder.objects.filter(institution=police, person_tc_kimlik=person.tc_kimlik_no).exists():
        return
    decided = timezone.localdate(now) - dt.timedelta(days=ORDER_AGE_DAYS)
    ProtectionOrder.objects.create(
        institution=police,
        person_tc_kimlik=person.tc_kimlik_no,
        person_name=person.name,
        court=ORDER["court"],
        decision_no=f"{decided.year}/{ORDER['decision_no']}",
        decided_on=decided,
        valid_until=decided + dt.timedelta(days=182),
        measures=ORDER["measures"],
    )
