"""Playing the demo's cases: every case through the domain functions of kentmasa.cases.services, in the order
things happened, with the overdue sweep of kentmasa.escalation run whenever a deadline passes.

A small discrete-event simulation: every case's story (stories.toml) is a generator of timed steps, overdue
sweeps are scheduled as deadlines pass, and all of it runs in time order on a simulated clock: each step is
handed the moment it happens (the domain functions take `now=`). Cases are opened only through the one way
in (cases.intake.open_from, the citizen as staff recorded them) and changed only by the services'
transitions: nothing here writes a case's fields.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
from collections.abc import Callable, Generator
from typing import Any

from django.utils import timezone

from kentmasa.cases import clock, intake, services
from kentmasa.cases.citizens import STAFF
from kentmasa.cases.models import Case, Channel, Kind
from kentmasa.demo import feedback as demo_feedback
from kentmasa.demo.directory import Directory
from kentmasa.demo.planner import CaseSpec
from kentmasa.demo.tables import (
    ADANA_DISTRICT_MUNICIPALITIES,
    ADANA_SLUG,
    DERMAN,
    DISTRICT_CLEANING_UNIT,
    FEEDBACK_CALLS,
    FEEDBACK_NOTES,
    NOTES,
    POLICE_REDIRECT,
    POLICE_RESOLUTIONS,
    STORIES,
    DemoError,
)
from kentmasa.directory.models import Team, User
from kentmasa.escalation.services import SECOND_STEP_AFTER, sweep
from kentmasa.field import derman as field_derman
from kentmasa.field.models import InspectionSettings, WorkOrder

# Whose hours a step keeps: OFFICE is daytime work (feedback calls, Derman), UNIT_HOURS follows the unit
# (working hours, or round the clock for services promised in hours), None is the 24-hour call centre.
OFFICE = "office"
UNIT_HOURS = "unit"
HOUR = 60
DAY = 24 * HOUR
# How soon after receipt a 155 operator passes a call on (a team sent, or the caller redirected), in minutes.
POLICE_FORWARDING_MINUTES = (2, 8)
Step = tuple[dt.datetime | dt.timedelta, Callable[[dt.datetime], Any], str | None]
# What a story yields: when, what, and whether it waits for office hours.
Moment = tuple[dt.datetime | dt.timedelta, Callable[[dt.datetime], Any], bool]


class Player:
    def __init__(self, directory: Directory, rng: random.Random, now: dt.datetime):
        self.b = directory
        self.rng = rng
        self.now = now
        self.latest = now - dt.timedelta(minutes=1)
        self.sequence = itertools.count()
        self.users = directory.users
        self.sweep_ticks: set[dt.datetime] = set()

    def play(self, specs: list[CaseSpec]) -> None:
        heap: list = []
        for spec in specs:
            self._advance(heap, self._story(spec), None, None)
        while heap:
            at, _, generator, action = heapq.heappop(heap)
            result = action(at)
            if generator is None:  # an overdue sweep: a day later the next step of the ladder may be due
                if result.first or result.second:
                    self._plan_sweep(heap, at + SECOND_STEP_AFTER)
                continue
            if isinstance(result, Case) and result.due_at is not None:
                self._plan_sweep(heap, result.due_at)
            self._advance(heap, generator, result, at)
        sweep(self.now)

    def _plan_sweep(self, heap: list, due: dt.datetime) -> None:
        """Sweep the minute after `due`, as the periodic job (every minute) would find it then.

        Sweeping only when a deadline or the ladder's next step can have come gives the same escalations as
        sweeping every minute of the simulated weeks, at a fraction of the cost.
        """
        tick = due.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        if tick > self.latest or tick in self.sweep_ticks:
            return
        self.sweep_ticks.add(tick)
        heapq.heappush(heap, (tick, next(self.sequence), None, lambda now: sweep(now)))

    def _advance(
        self, heap: list, generator: Generator[Moment, Case, None], result: Any, previous: dt.datetime | None
    ) -> None:
        try:
            when, action, office_hours = generator.send(result)
        except StopIteration:
            return
        # A story's first moment (the opening) is a datetime; every later one may be a delay after the last.
        if isinstance(when, dt.datetime):
            at = when
        elif previous is not None:
            at = previous + when
        else:
            raise DemoError("Bir hikâye bir anla başlar, bir gecikmeyle değil.")
        if office_hours:
            at = self._office_hours(at)
        at = self._fit(previous or at, at)
        heapq.heappush(heap, (at, next(self.sequence), generator, action))

    def _fit(self, previous: dt.datetime, wanted: dt.datetime) -> dt.datetime:
        """Keep the story in order and in the past: a step that would lie in the future happens sooner."""
        wanted = max(wanted, previous)
        if wanted <= self.latest:
            return wanted
        if previous >= self.latest:
            return previous
        return previous + (self.latest - previous) * self.rng.uniform(0.3, 0.9)

    def _office_hours(self, at: dt.datetime) -> dt.datetime:
        """Staff act during working hours: move a moment outside them to the next opening."""
        calendar = self.b.institutions[ADANA_SLUG].business_calendar()
        local = timezone.localtime(at)
        day = local.date()
        hours = calendar.working_hours(day)
        if hours and hours[0] <= local < hours[1]:
            return at
        if hours is None or local >= hours[1]:
            day = calendar.next_working_day(day)
            hours = calendar.working_hours(day)
        if hours is None:
            raise DemoError(f"{day}: çalışma saati bulunamadı")
        return hours[0] + dt.timedelta(minutes=self.rng.randint(5, 120))

    # -- the story of one case -------------------------------------------------------------------------------

    def _story(self, spec: CaseSpec) -> Generator[Moment, Case, None]:
        case = yield spec.recorded_at, lambda now: self._open(spec), False
        for step in STORIES[spec.story]:
            when, action, hours = getattr(self, f"_{step}")(spec, case)
            office = hours == OFFICE or (hours == UNIT_HOURS and not self._quick(case))
            case = yield when, action, office

    def _open(self, spec: CaseSpec) -> Case:
        """The one way in (cases.intake): what the operator or the form recorded, proven as staff's record."""
        person = spec.citizen or {}
        # Web, mobile, SMS and CİMER applications arrive by themselves; the rest an operator records.
        recorded_by_staff = spec.channel not in (Channel.WEB, Channel.MOBILE, Channel.SMS, Channel.CIMER)
        spec.case = intake.open_from(
            intake.Inbound(
                channel=spec.channel,
                institution=spec.institution,
                subject=spec.subject,
                text=spec.description,
                name=person.get("name", ""),
                phone=person.get("phone", ""),
                email=person.get("email", ""),
                tc_kimlik=person.get("tc_kimlik", ""),
                postal_address=person.get("address", ""),
                proven=STAFF,
                kind=spec.kind,
                category=spec.category,
                unit=spec.first_unit,
                priority=spec.priority,
                location=spec.location,
                received_at=spec.received_at,
                actor=self._operator(spec) if recorded_by_staff else None,
            )
        )
        return spec.case

    @staticmethod
    def _quick(case: Case) -> bool:
        """Services promised in minutes or hours (water, sewage, zabıta, 155, and the police SMS and e-mail
        rows, whose forwarding clock runs on the directorate's minutes): worked day and night, fast."""
        standard = clock.standard_for(case)
        return standard is not None and standard.unit.elapsed

    # -- who does it -----------------------------------------------------------------------------------

    def _operator(self, spec: CaseSpec) -> User:
        if spec.police:
            return self.users["polis"]
        if spec.channel in (Channel.WHATSAPP, Channel.EMAIL, Channel.SOCIAL):
            return self.users["sosyalmedya"]
        return self.users["operator"]

    def _staff(self, case: Case) -> User:
        return self.b.staff_of_unit.get(case.unit_id) or self.b.manager_of_unit[case.unit_id]

    def _manager(self, case: Case) -> User:
        return self.b.manager_of_unit[case.unit_id]

    def _team(self, case: Case) -> Team | None:
        teams = [team for team in self.b.teams_of_unit.get(case.unit_id, []) if team.name != DERMAN]
        if not teams and case.unit and case.unit.parent_id:
            teams = self.b.teams_of_unit.get(case.unit.parent_id, [])
        return self.rng.choice(teams) if teams else None

    def _field_worker(self, case: Case) -> User:
        member = self.b.member_of_team.get(case.team_id) if case.team_id else None
        return member or self._staff(case)

    def _minutes(self, low: float, high: float) -> dt.timedelta:
        return dt.timedelta(minutes=self.rng.uniform(low, high))

    def _delay(self, case: Case, quick: tuple[float, float], slow: tuple[float, float]) -> dt.timedelta:
        """Minutes until the next step: an hours-standard case moves at the pace its standard demands."""
        return self._minutes(*(quick if self._quick(case) else slow))

    def _resolution(self, spec: CaseSpec) -> str:
        if spec.police:
            return self.rng.choice(POLICE_RESOLUTIONS)
        if spec.topic and spec.topic.resolutions:
            return self.rng.choice(spec.topic.resolutions)
        return NOTES["resolved"]

    def _resolve_at(self, case: Case, late: bool) -> dt.datetime | dt.timedelta:
        if case.due_at is None:
            return self._minutes(3 * DAY, 10 * DAY) if late else self._minutes(HOUR, 5 * DAY)
        if late:
            return case.due_at + self._delay(case, (HOUR, 12 * HOUR), (HOUR, 4 * DAY))
        return case.received_at + (case.due_at - case.received_at) * self.rng.uniform(0.3, 0.95)

    # -- the steps: each returns when, what, and whose hours it keeps (OFFICE, UNIT_HOURS or None) -------

    def _assign(self, spec: CaseSpec, case: Case) -> Step:
        staff, manager = self._staff(case), self._manager(case)
        team = self._team(case) if self.rng.random() < 0.4 else None
        return (
            self._delay(case, (5, 45), (10, 8 * HOUR)),
            lambda now: services.assign(case, actor=manager, assignee=staff, team=team, now=now),
            UNIT_HOURS,
        )

    def _dispatch(self, spec: CaseSpec, case: Case) -> Step:
        team = self._team(case)
        if spec.police:
            # The 155 standard times the forwarding (kentmasa.cases.clock): the operator sends a team within
            # minutes, and that assign stops the clock.
            polis, note = self.users["polis"], NOTES["police_dispatch"].format(team=team)
            return (
                self._minutes(*POLICE_FORWARDING_MINUTES),
                lambda now: services.assign(case, actor=polis, team=team, note=note, now=now),
                None,
            )
        staff = self._staff(case)
        return (
            self._delay(case, (5, 40), (10, 6 * HOUR)),
            lambda now: services.assign(case, actor=staff, assignee=staff, team=team, now=now),
            UNIT_HOURS,
        )

    def _start(self, spec: CaseSpec, case: Case) -> Step:
        staff = self._staff(case)
        return (
            self._delay(case, (10, HOUR), (HOUR, 3 * DAY)),
            lambda now: services.start(case, actor=staff, now=now),
            UNIT_HOURS,
        )

    def _team_start(self, spec: CaseSpec, case: Case) -> Step:
        worker, note = self._field_worker(case), NOTES["team_start"]
        delay = self._minutes(2, 12) if spec.police else self._delay(case, (10, HOUR), (30, 2 * DAY))
        return delay, lambda now: services.start(case, actor=worker, note=note, now=now), UNIT_HOURS

    def _resolve(self, spec: CaseSpec, case: Case, late: bool = False) -> Step:
        staff, text = self._staff(case), self._resolution(spec)
        return (
            self._resolve_at(case, late=late),
            lambda now: services.resolve(case, actor=staff, resolution=text, now=now),
            UNIT_HOURS,
        )

    def _resolve_late(self, spec: CaseSpec, case: Case) -> Step:
        return self._resolve(spec, case, late=True)

    def _team_resolve(self, spec: CaseSpec, case: Case) -> Step:
        worker, text = self._field_worker(case), self._resolution(spec)
        when = self._minutes(15, 90) if spec.police else self._resolve_at(case, late=False)
        return when, lambda now: services.resolve(case, actor=worker, resolution=text, now=now), UNIT_HOURS

    def _feedback_close(self, spec: CaseSpec, case: Case) -> Step:
        # Feedback operators call citizens back in the daytime, whatever the unit's hours: the call on her
        # list is recorded through kentmasa.feedback (kentmasa.demo.feedback), which closes the case.
        note = FEEDBACK_NOTES.get(spec.channel) or self.rng.choice(FEEDBACK_CALLS)
        operator = self.users["geribildirim"]
        return (
            self._minutes(3 * HOUR, 3 * DAY),
            lambda now: demo_feedback.after_call(case, operator, note, self.rng, now),
            OFFICE,
        )

    def _operator_close(self, spec: CaseSpec, case: Case) -> Step:
        operator = self._operator(spec)
        return self._minutes(2, HOUR), lambda now: services.close(case, actor=operator, now=now), None

    def _on_the_spot(self, spec: CaseSpec, case: Case) -> Step:
        operator, text = self._operator(spec), self._resolution(spec)
        return (
            self._minutes(1, 6),
            lambda now: services.resolve_on_the_spot(case, actor=operator, resolution=text, now=now),
            None,
        )

    def _ask(self, spec: CaseSpec, case: Case) -> Step:
        staff = self._staff(case)
        question = NOTES["question_information" if spec.kind == Kind.INFORMATION_REQUEST else "question"]
        return (
            self._delay(case, (15, 2 * HOUR), (HOUR, 2 * DAY)),
            lambda now: services.ask_citizen(case, actor=staff, question=question, now=now),
            UNIT_HOURS,
        )

    def _answer(self, spec: CaseSpec, case: Case) -> Step:
        operator, answer = self._operator(spec), NOTES["answer"]
        return (
            self._minutes(2 * HOUR, 3 * DAY),
            lambda now: services.citizen_answered(case, actor=operator, answer=answer, now=now),
            None,
        )

    def _reject(self, spec: CaseSpec, case: Case) -> Step:
        manager = self._manager(case)
        reason = spec.topic.rejection if spec.topic and spec.topic.rejection else NOTES["rejected"]
        return (
            self._delay(case, (30, 3 * HOUR), (HOUR, 4 * DAY)),
            lambda now: services.reject(case, actor=manager, reason=reason, now=now),
            UNIT_HOURS,
        )

    def _redirect(self, spec: CaseSpec, case: Case) -> Step:
        operator, note = self._operator(spec), NOTES["redirect"]
        to = POLICE_REDIRECT if spec.police or spec.topic is None else spec.topic.redirect_to
        return (
            self._minutes(*POLICE_FORWARDING_MINUTES) if spec.police else self._minutes(2, 30),
            lambda now: services.redirect(case, actor=operator, to=to, note=note, now=now),
            None,
        )

    def _merge(self, spec: CaseSpec, case: Case) -> Step:
        operator, original, note = self._operator(spec), spec.duplicate_of, NOTES["merge"]
        if original is None:
            raise DemoError(f"{spec.subject}: birleştirilecek kayıt yok")
        return (
            self._minutes(10, 3 * HOUR),
            lambda now: services.merge(case, actor=operator, into=original.opened(), note=note, now=now),
            None,
        )

    def _transfer(self, spec: CaseSpec, case: Case) -> Step:
        operator, unit = self._operator(spec), spec.category.unit
        note = NOTES["transfer"].format(unit=unit)
        return (
            self._delay(case, (10, HOUR), (20, DAY)),
            lambda now: services.transfer(case, actor=operator, unit=unit, note=note, now=now),
            None,
        )

    def _transfer_out(self, spec: CaseSpec, case: Case) -> Step:
        operator = self._operator(spec)
        slug = ADANA_DISTRICT_MUNICIPALITIES[spec.mahalle.district]
        municipality, unit = self.b.institutions[slug], self.b.units[slug, DISTRICT_CLEANING_UNIT]
        note = NOTES["transfer_out"].format(municipality=municipality)
        return (
            self._minutes(10, HOUR),
            lambda now: services.transfer(
                case, actor=operator, institution=municipality, unit=unit, note=note, now=now
            ),
            None,
        )

    def _reopen(self, spec: CaseSpec, case: Case) -> Step:
        # The feedback call finds the citizen not satisfied: the case goes back to its unit, which is told.
        operator, note = self.users["geribildirim"], NOTES["reopen"]
        return (
            self._minutes(3 * HOUR, 2 * DAY),
            lambda now: demo_feedback.not_satisfied(case, operator, note, self.rng, now),
            OFFICE,
        )

    def _derman_dispatch(self, spec: CaseSpec, case: Case) -> Step:
        # Seed 004: when a unit does not answer, the Derman team goes to the place beside it: an inspection
        # work order of kentmasa.field.derman; the case keeps its unit, assignee and team.
        derman = self.b.teams[ADANA_SLUG, DERMAN]
        when: dt.datetime | dt.timedelta
        if case.due_at:
            when = case.due_at + self._minutes(2 * HOUR, 2 * DAY)
        else:
            when = self._minutes(5 * DAY, 8 * DAY)
        note = NOTES["derman_dispatch"]

        def act(now: dt.datetime) -> Case:
            if case.institution_id == derman.unit.institution_id:
                InspectionSettings.objects.get_or_create(
                    institution_id=case.institution_id, defaults={"team": derman}
                )
                field_derman.send_inspection(case, WorkOrder.Reason.IDLE, note=note, now=now)
            return case

        return when, act, OFFICE

    def _derman_note(self, spec: CaseSpec, case: Case) -> Step:
        member, note = self.users["derman"], NOTES["derman_note"]

        def act(now: dt.datetime) -> Case:
            services.comment(case, actor=member, note=note, now=now)
            return case

        return self._minutes(HOUR, DAY), act, OFFICE
