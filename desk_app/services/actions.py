"""The lifecycle actions on a received dossier, one transaction each.

Every action folds the dossier's recorded events into its state, lets the domain decide whether the action is
allowed, appends the new event and rewrites the projection from the new state, all in one transaction: a refusal
or a crash leaves nothing half-written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.domain.codes import parse_dossier_code
from desk_app.domain.deadlines import (
    TimeLimit,
    check_new_appointment,
    dates_after_resubmission,
    supplement_moves_deadline,
)
from desk_app.domain.errors import NotFoundError, ValidationError
from desk_app.domain.lifecycle import DossierState, Event, EventKind, apply, check_allowed
from desk_app.domain.merge import MergedState, Recorded, fold_merged, merge_key, moment_after
from desk_app.domain.validation import ADDRESS_MAX_LENGTH, clean_text
from desk_app.services.applicant import applicant_columns, applicant_of, corrected, search_text
from desk_app.services.clock import local
from desk_app.services.context import ServiceContext, action_time
from desk_app.services.rules import DeskRules, load_rules
from desk_app.services.settings import SettingsService
from desk_app.store.events import append_event
from desk_app.store.models import Dossier, DossierEvent, Rating

RATING_LEVELS = {3: "Rất hài lòng", 2: "Hài lòng", 1: "Không hài lòng"}


@dataclass(frozen=True)
class ActionResult:
    code: str
    kind: EventKind
    status: str
    due_at: dt.datetime
    message: str


def find_dossier(session: Session, code: str) -> Dossier:
    canonical = str(parse_dossier_code(code))
    dossier = session.scalar(select(Dossier).where(Dossier.code == canonical))
    if dossier is None:
        raise NotFoundError(f"Không tìm thấy hồ sơ mã {canonical}.", field="code")
    return dossier


def recorded_events(session: Session, dossier: Dossier) -> list[DossierEvent]:
    """The dossier's events in the merged order every place uses (desk_app.domain.merge), whichever desk wrote
    them and whenever they arrived here."""
    rows = session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id))
    return sorted(rows, key=lambda r: merge_key(as_recorded(r)))


def as_domain_event(row: DossierEvent) -> Event:
    return Event(EventKind(row.kind), row.at, row.payload)


def as_recorded(row: DossierEvent) -> Recorded:
    return Recorded(row.desk, row.seq, as_domain_event(row), row.uuid)


def merged_state_of(session: Session, dossier: Dossier) -> tuple[MergedState, list[DossierEvent]]:
    rows = recorded_events(session, dossier)
    return fold_merged(as_recorded(r) for r in rows), rows


def state_of(session: Session, dossier: Dossier) -> tuple[DossierState, list[DossierEvent]]:
    """The dossier's state and its events; an event another desk wrote that the lifecycle refuses in the merged
    order is left out of the state (see desk_app.domain.merge)."""
    merged, rows = merged_state_of(session, dossier)
    return merged.state, rows


def projection(state: DossierState) -> dict[str, Any]:
    """The lifecycle columns of the projection, from the folded state."""
    return {
        "status": state.status.value,
        "due_at": state.due_at,
        "original_due_at": state.original_due_at,
        "transferred_to": state.transferred_to,
        "supplement_count": state.supplement_count,
        "rescheduled": state.rescheduled,
        "result_ready_at": state.result_ready_at,
        "returned_at": state.returned_at,
        "closed_at": state.closed_at,
        "close_reason": state.close_reason,
        "components": [
            {
                "procedure": c.procedure,
                "name": c.name,
                "resolving_body": c.resolving_body,
                "time_limit": c.time_limit,
                "due_at": c.due_at.isoformat() if c.due_at else None,
                "transferred_to": c.transferred_to,
                "ready_at": c.ready_at.isoformat() if c.ready_at else None,
            }
            for c in state.components
        ],
    }


def project(dossier: Dossier, state: DossierState) -> None:
    for column, value in projection(state).items():
        setattr(dossier, column, value)


TEXT_MAX_LENGTH = 1000  # a reason, a note, a place to transfer to
ITEM_MAX_LENGTH = 300  # one document asked for (as long as an address: it is printed on the request form)
MAX_ITEMS = 50


def _required_text(value: str | None, field: str, what: str) -> str:
    text = clean_text(value or "", field=field, label=what[:1].upper() + what[1:], max_length=TEXT_MAX_LENGTH)
    if not text:
        raise ValidationError(f"Cần ghi {what}.", field=field)
    return text


def _supplement_items(items: list[str]) -> list[str]:
    if len(items) > MAX_ITEMS:
        raise ValidationError(f"Danh sách giấy tờ cần bổ sung dài quá {MAX_ITEMS} mục; gộp bớt lại.", field="items")
    clean = [clean_text(item or "", field="items", label=f"Giấy tờ cần bổ sung thứ {number}",
                        max_length=ITEM_MAX_LENGTH) for number, item in enumerate(items, start=1)]
    return [item for item in clean if item]


Builder = Callable[[Session, Dossier, DossierState, list[DossierEvent], dt.datetime, DeskRules], dict[str, Any]]


class DossierActions:
    """The actions of the lifecycle (DOMAIN.md §3, §7) for one desk, clock and actor."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def _act(self, code: str, kind: EventKind, at: dt.datetime | None, build: Builder, message: str) -> ActionResult:
        with self.ctx.write() as (session, now):
            dossier = find_dossier(session, code)
            state, rows = state_of(session, dossier)
            check_allowed(state, kind)
            moment = action_time(at, now, not_before=max(r.at for r in rows))
            desk = int(SettingsService(session).get("desk"))
            moment = moment_after(as_recorded(rows[-1]), moment, desk)  # after every event seen, everywhere
            rules = load_rules(session)
            payload = build(session, dossier, state, rows, moment, rules)
            new_state = apply(state, Event(kind, moment, payload))
            append_event(session, dossier=dossier, desk=desk, kind=kind.value, at=moment, recorded_at=now,
                         actor=self.ctx.actor, payload=payload)
            project(dossier, new_state)
            return ActionResult(dossier.code, kind, dossier.status, dossier.due_at, message)

    # -- hand-over and processing ----------------------------------------------------------------------------
    def transfer(self, code: str, to: str | None = None, *, upper: bool = False, component: int | None = None,
                 at: dt.datetime | None = None) -> ActionResult:
        def build(session: Session, *_: Any) -> dict[str, Any]:
            target = SettingsService(session).get("upper_level_name") if upper else _required_text(
                to, "to", "nơi nhận hồ sơ (cán bộ hoặc cơ quan giải quyết)")
            return {"to": target, "upper": upper, "component": component}

        return self._act(code, EventKind.TRANSFERRED, at, build, "Đã chuyển hồ sơ.")

    def request_supplement(self, code: str, items: list[str], reason: str | None = None,
                           at: dt.datetime | None = None) -> ActionResult:
        def build(session: Session, dossier: Dossier, state: DossierState, rows: list[DossierEvent],
                  moment: dt.datetime, rules: DeskRules) -> dict[str, Any]:
            clean = _supplement_items(items)
            if not clean:
                raise ValidationError("Cần liệt kê đầy đủ các giấy tờ phải bổ sung (một lần đầy đủ).", field="items")
            counted_from = dt.datetime.fromisoformat(rows[0].payload["counted_from"])
            note = clean_text(reason or "", field="reason", label="Lý do", max_length=TEXT_MAX_LENGTH)
            return {"items": clean, "reason": note or None,
                    "moves_deadline": supplement_moves_deadline(counted_from, moment, rules.calendar)}

        return self._act(code, EventKind.SUPPLEMENT_REQUESTED, at, build, "Đã ghi yêu cầu bổ sung hồ sơ.")

    def resubmit(self, code: str, at: dt.datetime | None = None) -> ActionResult:
        def build(session: Session, dossier: Dossier, state: DossierState, rows: list[DossierEvent],
                  moment: dt.datetime, rules: DeskRules) -> dict[str, Any]:
            requested = next(r for r in reversed(rows) if r.kind == EventKind.SUPPLEMENT_REQUESTED.value)
            if not requested.payload.get("moves_deadline", True):
                # Asked for after the 3 working days: the delay is the resolving body's, the dates stay.
                return {"previous_due_at": state.original_due_at.isoformat(),
                        "due_at": state.original_due_at.isoformat(), "current_due_at": state.due_at.isoformat(),
                        "rule": "late_request", "component_due_at": [
                            c.due_at.isoformat() if c.due_at else None for c in state.components]}

            def moved(limit: TimeLimit, statutory: dt.datetime, current: dt.datetime,
                      rescheduled: bool) -> tuple[dt.datetime, dt.datetime]:
                return dates_after_resubmission(
                    limit, statutory_due=statutory, current_due=current, rescheduled=rescheduled,
                    requested_at=requested.at, resubmitted_at=moment, cal=rules.calendar, policy=rules.policy)

            # The limit recorded at receipt, not today's catalog; each part of a bundle moves with its own.
            statutory, current = moved(TimeLimit.parse(dossier.time_limit), state.original_due_at, state.due_at,
                                       state.rescheduled)
            parts = [moved(TimeLimit.parse(c.time_limit), c.due_at, c.due_at, False)[0].isoformat()
                     if c.time_limit and c.due_at else None for c in state.components]
            return {"previous_due_at": state.original_due_at.isoformat(), "due_at": statutory.isoformat(),
                    "current_due_at": current.isoformat(), "rule": rules.policy.supplement_rule.value,
                    "component_due_at": parts}

        return self._act(code, EventKind.RESUBMITTED, at, build, "Đã nhận hồ sơ bổ sung; hẹn trả đã tính lại.")

    def result_ready(self, code: str, component: int | None = None, at: dt.datetime | None = None) -> ActionResult:
        def build(*_: Any) -> dict[str, Any]:
            return {"component": component}

        return self._act(code, EventKind.RESULT_READY, at, build, "Đã ghi nhận có kết quả giải quyết.")

    def return_result(self, code: str, rating: int | None = None, at: dt.datetime | None = None) -> ActionResult:
        if rating is not None and rating not in RATING_LEVELS:
            raise ValidationError("Mức hài lòng chỉ nhận 3 (Rất hài lòng), 2 (Hài lòng) hoặc 1 (Không hài lòng).",
                                  field="rating")

        def build(session: Session, dossier: Dossier, state: DossierState, rows: list[DossierEvent],
                  moment: dt.datetime, rules: DeskRules) -> dict[str, Any]:
            if rating is not None:
                # Kept apart: no dossier, no citizen, never in the event payload (DOMAIN.md §8).
                session.add(Rating(rated_on=moment.date(), field_code=dossier.field_code, clerk=self.ctx.actor,
                                   level=rating))
            return {"method": dossier.return_method}

        return self._act(code, EventKind.RETURNED, at, build, "Đã trả kết quả cho công dân.")

    # -- endings ---------------------------------------------------------------------------------------------
    def _closing(self, code: str, kind: EventKind, reason: str | None, at: dt.datetime | None, what: str,
                 message: str) -> ActionResult:
        def build(*_: Any) -> dict[str, Any]:
            return {"reason": _required_text(reason, "reason", what)}

        return self._act(code, kind, at, build, message)

    def refuse(self, code: str, reason: str | None, at: dt.datetime | None = None) -> ActionResult:
        return self._closing(code, EventKind.REFUSED, reason, at, "lý do từ chối cụ thể", "Đã từ chối giải quyết.")

    def withdraw(self, code: str, reason: str | None, at: dt.datetime | None = None) -> ActionResult:
        return self._closing(code, EventKind.WITHDRAWN, reason, at, "lý do công dân rút hồ sơ", "Đã ghi rút hồ sơ.")

    def stop(self, code: str, reason: str | None, at: dt.datetime | None = None) -> ActionResult:
        return self._closing(code, EventKind.STOPPED, reason, at, "lý do dừng xử lý", "Đã dừng xử lý hồ sơ.")

    def void(self, code: str, reason: str | None, at: dt.datetime | None = None) -> ActionResult:
        return self._closing(code, EventKind.VOIDED, reason, at, "lý do hủy (ví dụ: nhập trùng với hồ sơ nào)",
                             "Đã hủy hồ sơ nhập trùng.")

    # -- apology and new date ------------------------------------------------------------------------------
    def reschedule(self, code: str, new_due: dt.datetime | dt.date, reason: str | None,
                   at: dt.datetime | None = None) -> ActionResult:
        def build(session: Session, dossier: Dossier, state: DossierState, rows: list[DossierEvent],
                  moment: dt.datetime, rules: DeskRules) -> dict[str, Any]:
            text = _required_text(reason, "reason", "lý do chậm trễ")
            if isinstance(new_due, dt.datetime):
                new = local(new_due)
            else:  # a date alone keeps the appointment's clock time
                new = dt.datetime.combine(new_due, state.due_at.timetz())
            # Sent when it is recorded: a back-dated --at cannot make a late apology timely.
            check_new_appointment(state.due_at, new, sent_at=max(moment, self.ctx.clock.now()), cal=rules.calendar)
            return {"previous_due_at": state.due_at.isoformat(), "due_at": new.isoformat(), "reason": text}

        return self._act(code, EventKind.RESCHEDULED, at, build, "Đã hẹn lại ngày trả kết quả.")

    # -- mistakes --------------------------------------------------------------------------------------------
    def correct(self, code: str, field: str, value: str, at: dt.datetime | None = None) -> ActionResult:
        def build(session: Session, dossier: Dossier, state: DossierState, rows: list[DossierEvent],
                  moment: dt.datetime, rules: DeskRules) -> dict[str, Any]:
            if field == "return_address":
                new_value: Any = clean_text(value, field="return_address", label="Địa chỉ nhận kết quả",
                                            max_length=ADDRESS_MAX_LENGTH) or None
                if dossier.return_method != "desk" and not new_value:
                    raise ValidationError("Hồ sơ nhận kết quả ngoài Bộ phận Một cửa cần địa chỉ nhận.",
                                          field="return_address")
                old = dossier.return_address
                dossier.return_address = new_value
            else:
                before = applicant_of(dossier)
                after = corrected(before, field, value, today=moment.date())
                old, new_value = before.as_dict()[field], after.as_dict()[field]
                for column, column_value in applicant_columns(after).items():
                    setattr(dossier, column, column_value)
                dossier.search_folded = search_text(after, dossier.procedure_name)
            if old == new_value:
                raise ValidationError("Giá trị mới giống giá trị đang lưu; không có gì để sửa.", field="value")
            return {"field": field, "old": old, "new": new_value}

        return self._act(code, EventKind.CORRECTED, at, build, "Đã sửa thông tin; hãy in lại giấy tiếp nhận.")
