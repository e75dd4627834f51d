"""Planning the demo's cases: who reports what, where, when and on which channel.

Adana's cases cycle through the plan of stories.toml (so even a small demo has every status), each with a
topic of topics.toml, a person (invented, one in three coming back), a real mahalle and a moment in the
last weeks; Eskişehir's police cases cycle through the police plan with the texts of police.toml. The
result is a list of CaseSpec for kentmasa.demo.player; nothing is written here.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass

from django.utils import timezone
from stdnum.tr import tckimlik

from kentmasa.cases.models import Case, Channel, Kind, Priority
from kentmasa.demo.directory import Directory
from kentmasa.demo.places import Mahalle
from kentmasa.demo.tables import (
    ADANA_PLAN,
    ADANA_SLUG,
    AGES,
    CHANNEL_MIXES,
    DEFAULT_AGE,
    ESKISEHIR,
    HOUR_WEIGHTS,
    PEOPLE,
    POLICE_AGES,
    POLICE_PLAN,
    POLICE_TEXTS,
    TOPICS,
    DemoError,
    Topic,
)
from kentmasa.directory.models import Category, Institution, Unit
from kentmasa.lib import phones, turkish

KADES = "KADES yardım çağrısı"  # the police category of alerts from the KADES app


@dataclass
class Person:
    name: str
    female: bool
    tc_kimlik: str
    phone: str
    email: str
    home: Mahalle
    address: str


@dataclass
class CaseSpec:
    story: str
    institution: Institution
    category: Category
    subject: str
    description: str
    kind: str
    priority: int
    channel: str
    mahalle: Mahalle
    location: dict
    received_at: dt.datetime
    recorded_at: dt.datetime
    citizen: dict | None
    topic: Topic | None = None
    first_unit: Unit | None = None  # the unit an operator wrongly sent it to (transfer stories)
    duplicate_of: CaseSpec | None = None
    case: Case | None = None

    @property
    def police(self) -> bool:
        return self.institution.kind == Institution.Kind.POLICE

    def opened(self) -> Case:
        """The case this spec was opened as (a merge's target is opened before its duplicate)."""
        if self.case is None:
            raise DemoError(f"{self.subject}: henüz açılmadı")
        return self.case


class Planner:
    def __init__(
        self,
        directory: Directory,
        rng: random.Random,
        now: dt.datetime,
        mahalles: tuple[list[Mahalle], list[Mahalle]],
    ):
        self.directory = directory
        self.rng = rng
        self.now = now
        self.inner, self.outer = mahalles
        # A handful of busy neighbourhoods, so the map and the neighbourhood report have something to show.
        self.hotspots = rng.sample(self.inner, min(6, len(self.inner)))
        self.people: list[Person] = []
        self.tc_numbers: set[str] = set()
        self.phones: set[str] = set()

    # -- places and people -----------------------------------------------------------------------------------

    def mahalle(self, central_only: bool = False) -> Mahalle:
        roll = self.rng.random()
        if roll < 0.2:
            return self.rng.choice(self.hotspots)
        if central_only or roll < 0.85 or not self.outer:
            return self.rng.choice(self.inner)
        return self.rng.choice(self.outer)

    def street(self) -> str:
        if self.rng.random() < 0.5:
            return self.rng.choice(PEOPLE.named_streets)
        return f"{self.rng.randint(1, 99)}{self.rng.randint(100, 999)} Sokak"  # Adana-style numbered streets

    def _tc_kimlik(self) -> str:
        while True:
            body = str(self.rng.randint(1, 9)) + "".join(str(self.rng.randint(0, 9)) for _ in range(8))
            number = body + tckimlik.calc_check_digits(body)
            if number not in self.tc_numbers:
                self.tc_numbers.add(number)
                return number

    def _mobile(self) -> str:
        while True:
            raw = f"0{self.rng.choice(PEOPLE.mobile_prefixes)}{self.rng.randint(0, 9999999):07d}"
            try:
                number = phones.normalize(raw)
            except phones.InvalidPhone:
                continue
            if number not in self.phones:
                self.phones.add(number)
                return number

    def person(self, mahalle: Mahalle, female: bool | None = None) -> Person:
        """Someone who has reported before (about one case in three), or a new person living in `mahalle`."""
        if self.people and female is None and self.rng.random() < 0.33:
            return self.rng.choice(self.people)
        female = self.rng.random() < 0.5 if female is None else female
        first = self.rng.choice(PEOPLE.female_names if female else PEOPLE.male_names)
        last = self.rng.choice(PEOPLE.surnames)
        login = turkish.fold(f"{first}.{last}").replace(" ", "")
        address = (
            f"{mahalle.spoken_name} {self.street()} No:{self.rng.randint(1, 120)} "
            f"{mahalle.district}/{mahalle.province}"
        )
        found = Person(
            f"{first} {last}",
            female,
            self._tc_kimlik(),
            self._mobile(),
            f"{login}{self.rng.randint(1, 99)}@example.com",
            mahalle,
            address,
        )
        self.people.append(found)
        return found

    def identity(self, person: Person, channel: str, kind: str) -> dict | None:
        """What the channel tells us about the person (people.toml: identity)."""
        full = {
            "name": person.name,
            "tc_kimlik": person.tc_kimlik,
            "phone": person.phone,
            "email": person.email,
            "address": person.address,
        }
        if kind in (Kind.INFORMATION_REQUEST, Kind.PETITION):  # Law 4982 art. 6 / Law 3071 art. 4
            return full
        caller_gives_id = self.rng.random() < 0.6  # drawn for every case, whatever its channel
        keys = PEOPLE.identity.get(channel, PEOPLE.identity["other"])
        if channel == Channel.PHONE and caller_gives_id:
            keys = (*keys, "tc_kimlik")
        if channel == Channel.SOCIAL and self.rng.random() < 0.4:
            return None  # an anonymous account
        return {key: full[key] for key in keys}

    def received_at(self, ages: tuple[float, float]) -> dt.datetime:
        """A moment `ages` days ago; more of them in the day than at night, as call centres see."""
        age = dt.timedelta(days=self.rng.uniform(*ages))
        moment = self.now - age
        if age > dt.timedelta(days=1):
            local = timezone.localtime(moment)
            hour = self.rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            moment = local.replace(hour=hour, minute=self.rng.randint(0, 59), second=self.rng.randint(0, 59))
        return min(moment, self.now - dt.timedelta(minutes=2))

    def channel(self, mix: str) -> str:
        channels, weights = zip(*CHANNEL_MIXES[mix], strict=True)
        channel: str = self.rng.choices(channels, weights=weights)[0]
        return channel

    def texts(
        self, options: tuple[tuple[str, str], ...], mahalle: Mahalle, street: str, number: str
    ) -> tuple[str, str]:
        subject, description = self.rng.choice(options)
        street2 = self.street()
        fill = {
            "mahalle": mahalle.spoken_name,
            "street": street,
            "street2": street2,
            "no": number,
            "landmark": self.rng.choice(PEOPLE.landmarks),
            "hour": f"{self.rng.randint(7, 22):02d}:{self.rng.choice(['00', '15', '30', '45'])}",
        }
        return subject.format(**fill), description.format(**fill)

    def _location(self, mahalle: Mahalle, street: str, number: str) -> dict:
        lat, lon = mahalle.random_point(self.rng)
        return {
            "latitude": lat,
            "longitude": lon,
            "province": mahalle.province,
            "district": mahalle.district,
            "neighbourhood": mahalle.name,
            "street": street,
            "building_no": number,
        }

    # -- Adana -----------------------------------------------------------------------------------------------

    def _topic_for(self, story: str) -> Topic:
        general = [t for t in TOPICS if t.mode == "general"]
        pools = {
            "on_the_spot": [t for t in TOPICS if t.mode == "on_the_spot"],
            "redirected": [t for t in TOPICS if t.mode == "redirect"],
            "redirected_closed": [t for t in TOPICS if t.mode == "redirect"],
            "transferred": [t for t in TOPICS if t.misrouted_to],
            "transferred_out": [t for t in TOPICS if t.key == "cop"],
            "merged": [t for t in TOPICS if t.duplicates],
            "rejected": [t for t in general if t.rejection] + general,
            "rejected_closed": [t for t in general if t.rejection] + general,
        }
        pool = pools.get(story, general)
        return self.rng.choices(pool, weights=[t.weight for t in pool])[0]

    def _adana_spec(
        self,
        story: str,
        topic: Topic,
        *,
        received_at: dt.datetime | None = None,
        mahalle: Mahalle | None = None,
    ) -> CaseSpec:
        directory = self.directory
        if mahalle is None:
            mahalle = self.mahalle(central_only=story == "transferred_out")
            person = self.person(mahalle)
            if person.home is not mahalle and self.rng.random() < 0.5 and story != "transferred_out":
                mahalle = person.home  # people mostly report about where they live
        else:
            person = self.person(mahalle)
        street, number = self.street(), str(self.rng.randint(1, 150))
        subject, description = self.texts(topic.texts, mahalle, street, number)
        channel = self.channel(topic.channels)
        received = received_at or self.received_at(AGES.get(story, DEFAULT_AGE))
        # Calls are recorded while the caller is on the line; messages wait a little for an operator.
        delay = 1 if channel in (Channel.PHONE, Channel.DESK) else self.rng.randint(3, 40)
        location = self._location(mahalle, street, number)
        location["address_text"] = f"{mahalle.spoken_name} {street} No:{number} {mahalle.district}/Adana"
        priority = topic.priority
        if priority == Priority.HIGH and self.rng.random() < 0.15:
            priority = Priority.URGENT
        return CaseSpec(
            story=story,
            institution=directory.institutions[ADANA_SLUG],
            category=directory.categories[ADANA_SLUG, topic.name],
            subject=subject,
            description=description,
            kind=topic.kind,
            priority=priority,
            channel=channel,
            mahalle=mahalle,
            location=location,
            received_at=received,
            recorded_at=min(received + dt.timedelta(minutes=delay), self.now),
            citizen=self.identity(person, channel, topic.kind),
            topic=topic,
            first_unit=directory.units[ADANA_SLUG, topic.misrouted_to] if story == "transferred" else None,
        )

    def adana_cases(self, count: int) -> list[CaseSpec]:
        specs: list[CaseSpec] = []
        plan = itertools.cycle(ADANA_PLAN)
        while len(specs) < count:
            story = next(plan)
            if story == "merged" and count - len(specs) < 2:
                story = "closed"
            topic = self._topic_for(story)
            if story != "merged":
                specs.append(self._adana_spec(story, topic))
                continue
            # The same burst pipe reported twice: the first report carries on, the second is merged into it.
            original = self._adana_spec("in_progress", topic)
            duplicate = self._adana_spec(
                "merged",
                topic,
                mahalle=original.mahalle,
                # After the first report was recorded, so there is a case to merge into.
                received_at=min(
                    original.recorded_at + dt.timedelta(minutes=self.rng.randint(20, 360)),
                    self.now - dt.timedelta(minutes=2),
                ),
            )
            duplicate.duplicate_of = original
            specs += [original, duplicate]
        return specs

    # -- Eskişehir 155 ---------------------------------------------------------------------------------------

    def police_cases(self, count: int) -> list[CaseSpec]:
        police = self.directory.institutions[ESKISEHIR.slug]
        categories = {category.name: category for category in police.categories.all()}
        ordinary = [name for name in POLICE_TEXTS if name != KADES]
        specs = []
        plan = itertools.cycle(POLICE_PLAN)
        for _ in range(count):
            story = next(plan)
            channel = self.channel("police")
            if story == "kades":
                name, story, channel = KADES, "police_closed", Channel.KADES
            else:
                name = self.rng.choice(ordinary)
            mahalle = self.mahalle()
            person = self.person(mahalle, female=True if channel == Channel.KADES else None)
            street, number = self.street(), str(self.rng.randint(1, 150))
            subject, description = self.texts(POLICE_TEXTS[name], mahalle, street, number)
            received = self.received_at(POLICE_AGES.get(story, DEFAULT_AGE))
            specs.append(
                CaseSpec(
                    story=story,
                    institution=police,
                    category=categories[name],
                    subject=subject,
                    description=description,
                    kind=Kind.TIP_OFF,
                    priority=Priority.URGENT if channel == Channel.KADES else Priority.HIGH,
                    channel=channel,
                    mahalle=mahalle,
                    location=self._location(mahalle, street, number),
                    received_at=received,
                    recorded_at=received,
                    citizen=self.identity(person, channel, Kind.TIP_OFF),
                )
            )
        return specs
