"""The desk's rules as the domain needs them: a :class:`WorkCalendar` and a :class:`DeadlinePolicy` built from
the holidays table and the settings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from desk_app.domain.calendar import OfficeHours, WorkCalendar, optional_from_data, schedules_from_data
from desk_app.domain.deadlines import Appointment, DeadlinePolicy, SupplementRule, TimeLimit, appointment
from desk_app.services.catalog import holiday_data
from desk_app.services.settings import WEEKDAYS, SettingsService


@dataclass(frozen=True)
class DeskRules:
    calendar: WorkCalendar
    policy: DeadlinePolicy

    def appointment(self, limit: TimeLimit, received_at: dt.datetime) -> Appointment:
        return appointment(limit, received_at, self.calendar, self.policy)


def load_rules(session: Session) -> DeskRules:
    settings = SettingsService(session).all()
    years, optional = holiday_data(session)
    calendar = WorkCalendar(
        schedules=schedules_from_data(years),
        weekly_rest=frozenset(WEEKDAYS[d] for d in settings["weekly_rest"].split(",") if d),
        optional_holidays=optional_from_data(optional),
        enabled_optional=frozenset(k for k in settings["optional_holidays"].split(",") if k),
        office_hours=OfficeHours.parse(settings["office_hours"], settings["saturday_reception"]),
    )
    policy = DeadlinePolicy(
        cutoff=dt.time.fromisoformat(settings["cutoff_time"]),
        multi_day_after_cutoff_next_day=settings["multi_day_after_cutoff"] == "true",
        supplement_rule=SupplementRule(settings["supplement_rule"]),
    )
    return DeskRules(calendar, policy)
