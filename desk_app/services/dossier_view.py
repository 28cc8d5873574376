"""The dossier as the clerk sees it at the counter: its record, its history in words, and what may be done next.

The detail view shows what :func:`detail` returns and offers exactly its ``allowed_actions``: which actions the
lifecycle allows (the domain's ``check_allowed`` on the folded events, "reschedule only once" included), whether an
apology with a new date can still be sent (the domain's ``check_new_appointment``: at the latest the day before the
due date), which parts of a bundle still wait for their result, and which forms exist to print. The widget decides
nothing. :func:`reveal_id` shows the full ID number and leaves an audit record of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.domain.calendar import WorkCalendar
from desk_app.domain.deadlines import TIMELINESS_VN, TimeLimit, Timeliness, check_new_appointment
from desk_app.domain.errors import DomainError, TransitionError
from desk_app.domain.lifecycle import EVENT_VN, DossierState, EventKind, Status, check_allowed
from desk_app.domain.merge import UPPER_LEVEL_DESK
from desk_app.domain.validation import Sex
from desk_app.services.actions import RATING_LEVELS, find_dossier, merged_state_of
from desk_app.services.audit import record
from desk_app.services.context import ServiceContext
from desk_app.services.intake import CHANNELS, EXEMPTIONS, RETURN_METHODS
from desk_app.services.queries import show
from desk_app.services.rules import load_rules
from desk_app.services.settings import SettingsService
from desk_app.store.events import SyncState
from desk_app.store.models import DossierEvent
from desk_app.store.redactions import redacted_codes

# What each input of an action is called; the dialogs ask for exactly these, the services take exactly these.
FIELD_VN: dict[str, str] = {
    "name": "Họ và tên",
    "id_number": "Số CCCD",
    "birth_date": "Ngày sinh",
    "sex": "Giới tính",
    "phone": "Số điện thoại",
    "email": "Email",
    "address": "Địa chỉ",
    "return_address": "Địa chỉ nhận kết quả",
}
CORRECTABLE_FIELDS: tuple[str, ...] = tuple(FIELD_VN)

RECENT_TARGETS = 8


@dataclass(frozen=True)
class Choice:
    """One part of a bundle an action may name (1-based, as the services count them)."""

    index: int
    label: str
    resolving_body: str = ""


@dataclass(frozen=True)
class ActionSpec:
    """An action the clerk may take now: its key, its Vietnamese label, its keyboard shortcut, what it asks for
    (the service's parameter names; empty: nothing to ask), and for bundles the parts it may name."""

    key: str
    label_vn: str
    shortcut: str
    needs: tuple[str, ...] = ()
    components: tuple[Choice, ...] = ()
    form: str | None = None  # for the print actions: the form print_jobs.dossier_form renders

    @property
    def caption(self) -> str:
        """The button's text: the label and its shortcut, e.g. "Có kết quả (F7)"."""
        return f"{self.label_vn} ({self.shortcut})"

    @property
    def is_print(self) -> bool:
        return self.form is not None


@dataclass(frozen=True)
class _Spec:
    label_vn: str
    shortcut: str
    needs: tuple[str, ...] = ()
    kind: EventKind | None = None
    form: str | None = None


# In the order the buttons appear: the usual path first, the endings after, the mistakes last.
SPECS: dict[str, _Spec] = {
    "transfer": _Spec("Chuyển xử lý", "F6", ("to", "upper", "component"), EventKind.TRANSFERRED),
    "result_ready": _Spec("Có kết quả", "F7", ("component",), EventKind.RESULT_READY),
    "return_result": _Spec("Trả kết quả", "F8", ("rating",), EventKind.RETURNED),
    "request_supplement": _Spec("Yêu cầu bổ sung", "F9", ("items", "reason"), EventKind.SUPPLEMENT_REQUESTED),
    "resubmit": _Spec("Nhận hồ sơ bổ sung", "F10", (), EventKind.RESUBMITTED),
    "reschedule": _Spec("Xin lỗi, hẹn lại", "F11", ("new_due", "reason"), EventKind.RESCHEDULED),
    "refuse": _Spec("Từ chối giải quyết", "Ctrl+T", ("reason",), EventKind.REFUSED),
    "withdraw": _Spec("Công dân rút hồ sơ", "Ctrl+R", ("reason",), EventKind.WITHDRAWN),
    "stop": _Spec("Dừng xử lý", "Ctrl+D", ("reason",), EventKind.STOPPED),
    "correct": _Spec("Sửa thông tin", "Ctrl+E", ("field", "value"), EventKind.CORRECTED),
    "void": _Spec("Hủy hồ sơ nhập trùng", "Ctrl+Shift+H", ("reason",), EventKind.VOIDED),
    "reprint_slip": _Spec("In lại giấy hẹn", "Ctrl+P", form="slip"),
    "print_supplement": _Spec("In phiếu bổ sung (Mẫu 02)", "Ctrl+2", form="supplement"),
    "print_refusal": _Spec("In phiếu từ chối (Mẫu 03)", "Ctrl+3", form="refusal"),
    "print_apology": _Spec("In phiếu xin lỗi (Mẫu 04)", "Ctrl+4", form="apology"),
    "print_control": _Spec("In phiếu kiểm soát (Mẫu 05)", "Ctrl+5", form="control"),
    "print_stop": _Spec("In thông báo dừng xử lý", "Ctrl+6", form="stop"),
}
ACTION_KEYS: tuple[str, ...] = tuple(SPECS)

# The form to print right after an action (DOMAIN.md §1): the citizen leaves with it.
PRINT_AFTER: dict[str, str] = {
    "request_supplement": "supplement",
    "refuse": "refusal",
    "reschedule": "apology",
    "stop": "stop",
}

# A print action is offered once the event its form reports has happened.
_PRINT_AFTER_EVENT: dict[str, EventKind] = {
    "print_supplement": EventKind.SUPPLEMENT_REQUESTED,
    "print_refusal": EventKind.REFUSED,
    "print_apology": EventKind.RESCHEDULED,
    "print_stop": EventKind.STOPPED,
}


def _spec(key: str, components: tuple[Choice, ...] = ()) -> ActionSpec:
    s = SPECS[key]
    return ActionSpec(key, s.label_vn, s.shortcut, s.needs, components, s.form)


def _component_label(index: int, component: dict[str, Any]) -> str:
    return f"{index}. {component['name']} ({component['resolving_body']})"


def _choice(index: int, component: dict[str, Any]) -> Choice:
    return Choice(index, _component_label(index, component), component.get("resolving_body") or "")


def _reschedule_blocked(state: DossierState, now: dt.datetime, cal: WorkCalendar) -> str | None:
    """Why an apology with a new date can no longer be sent, as the domain words it; None when it still can.

    The domain's own check is asked with the first working day after the due date as the new date: only its
    timing refusal (TransitionError) matters here; a date it finds wrong is the clerk's to choose in the dialog.
    """
    probe_day = cal.next_working_day(state.due_at.date())
    probe = dt.datetime.combine(probe_day, state.due_at.timetz())
    try:
        check_new_appointment(state.due_at, probe, sent_at=now, cal=cal)
    except TransitionError as error:
        return error.message
    except DomainError:
        return None
    return None


def allowed_actions(state: DossierState, kinds_seen: set[str], components: list[dict[str, Any]],
                    now: dt.datetime, cal: WorkCalendar) -> tuple[list[ActionSpec], dict[str, str]]:
    """The actions offered now, and for each lifecycle action not offered the domain's reason."""
    offered: list[ActionSpec] = []
    blocked: dict[str, str] = {}
    bundle = len(components) > 1
    for key, spec in SPECS.items():
        if spec.kind is not None:
            try:
                check_allowed(state, spec.kind)
            except TransitionError as error:
                blocked[key] = error.message
                continue
            if spec.kind is EventKind.RESCHEDULED:
                reason = _reschedule_blocked(state, now, cal)
                if reason is not None:
                    blocked[key] = reason
                    continue
            choices: tuple[Choice, ...] = ()
            if bundle and key == "transfer":
                choices = tuple(_choice(i, c) for i, c in enumerate(components, start=1))
            elif bundle and key == "result_ready":
                choices = tuple(_choice(i, c) for i, c in enumerate(components, start=1) if not c.get("ready_at"))
            offered.append(_spec(key, choices))
            continue
        # print actions
        if state.status is Status.VOIDED:
            continue  # a duplicate entry was never a dossier: nothing of it goes on paper any more
        needed = _PRINT_AFTER_EVENT.get(key)
        if needed is None or needed.value in kinds_seen:
            offered.append(_spec(key))
    return offered, blocked


# -- the timeline in words ---------------------------------------------------------------------------------------
def _when(value: str | None) -> str:
    if not value:
        return ""
    return dt.datetime.fromisoformat(value).strftime("%H:%M ngày %d/%m/%Y")


def _shown_value(field: str, value: Any) -> str:
    if value is None or value == "":
        return "(trống)"
    if field == "sex":
        try:
            return Sex(value).label_vi
        except ValueError:
            return str(value)
    if field == "birth_date":
        try:
            return dt.date.fromisoformat(str(value)).strftime("%d/%m/%Y")
        except ValueError:
            return str(value)
    return str(value)


def _component_name(components: list[dict[str, Any]], index: Any) -> str | None:
    if isinstance(index, int) and 1 <= index <= len(components):
        return f"Thành phần {index}: {components[index - 1]['name']}"
    return None


def event_details(kind: str, payload: dict[str, Any], components: list[dict[str, Any]]) -> str:
    """What a timeline row says beyond the kind: the new date, the items asked for, the reason, ..."""
    parts: list[str] = []
    part = _component_name(components, payload.get("component"))
    if kind == EventKind.RECEIVED.value:
        parts.append(f"Hẹn trả {_when(payload.get('due_at'))}")
        if payload.get("address_changed_since"):
            parts.append(f"Địa chỉ khác với hồ sơ trước {payload['address_changed_since']}")
    elif kind == EventKind.CORRECTED.value:
        field = str(payload.get("field"))
        parts.append(f"{FIELD_VN.get(field, field)}: {_shown_value(field, payload.get('old'))} → "
                     f"{_shown_value(field, payload.get('new'))}")
    elif kind == EventKind.TRANSFERRED.value:
        parts.append(f"Đến: {payload.get('to')}" + (" (cấp trên)" if payload.get("upper") else ""))
        if part:
            parts.append(part)
    elif kind == EventKind.SUPPLEMENT_REQUESTED.value:
        parts.append("Cần bổ sung: " + "; ".join(payload.get("items", [])))
        if payload.get("reason"):
            parts.append(f"Lý do: {payload['reason']}")
    elif kind == EventKind.RESUBMITTED.value:
        parts.append(f"Hẹn trả mới {_when(payload.get('current_due_at') or payload.get('due_at'))}")
    elif kind == EventKind.RESULT_READY.value:
        parts.append(part or "Toàn bộ hồ sơ")
    elif kind == EventKind.RETURNED.value:
        method = payload.get("method")
        if method in RETURN_METHODS:
            parts.append(RETURN_METHODS[method])
    elif kind == EventKind.RESCHEDULED.value:
        parts.append(f"Hẹn cũ {_when(payload.get('previous_due_at'))} → hẹn mới {_when(payload.get('due_at'))}")
        parts.append(f"Lý do: {payload.get('reason')}")
    elif payload.get("reason"):
        parts.append(f"Lý do: {payload['reason']}")
    return ". ".join(p for p in parts if p)


def _where(event: dict[str, Any], local_desk: int | None, upper_level: str) -> str:
    """Who did it, and where when it was not at this desk (another desk of the commune, the upper level)."""
    if event["desk"] == UPPER_LEVEL_DESK:
        return f"{upper_level} ({event['actor']})" if upper_level not in event["actor"] else event["actor"]
    if local_desk is not None and event["desk"] != local_desk:
        return f"{event['actor']} (bàn {event['desk']})"
    return str(event["actor"])


def _sync_note(event: dict[str, Any], conflicts: dict[str, str]) -> str:
    notes = []
    if event["uuid"] in conflicts:
        notes.append(f"Không áp dụng vì trái với diễn biến của hồ sơ: {conflicts[event['uuid']]}")
    if event.get("sync_state") == SyncState.SET_ASIDE.value:
        notes.append(f"Cấp trên chưa nhận sự kiện này: {event.get('sync_reason') or 'không rõ lý do'}")
    return ". ".join(notes)


def timeline(events: list[dict[str, Any]], components: list[dict[str, Any]], *, local_desk: int | None = None,
             upper_level: str = "Cấp trên", conflicts: dict[str, str] | None = None) -> list[dict[str, str]]:
    """The history in words, in the merged order; events written elsewhere say where, and an event left out of the
    state (a conflict between desks) or refused by the upper level says so."""
    conflicts = conflicts or {}
    return [
        {
            "at": _when(e["at"]),
            "what": EVENT_VN[EventKind(e["kind"])],
            "kind": e["kind"],
            "actor": _where(e, local_desk, upper_level),
            "details": ". ".join(p for p in (event_details(e["kind"], e["payload"], components),
                                             _sync_note(e, conflicts)) if p),
        }
        for e in events
    ]


# -- the detail ---------------------------------------------------------------------------------------------------
def _collect_at(shown: dict[str, Any], commune: str) -> str:
    method = shown["return_method"]
    if method == "desk":
        return f"Bộ phận Tiếp nhận và Trả kết quả {commune}"
    return f"{RETURN_METHODS.get(method, method)}: {shown['return_address'] or ''}".rstrip(": ")


def _fee_text(shown: dict[str, Any]) -> str:
    fee = int(shown["fee_due"] or 0)
    text = "Không thu" if fee == 0 else f"{fee:,}".replace(",", ".") + " đồng"
    exemption = shown.get("fee_exemption")
    if exemption:
        text += f" (miễn: {EXEMPTIONS.get(exemption, exemption)})"
    return text


def _transfer_targets(session: Session, components: list[dict[str, Any]]) -> list[str]:
    """Names to offer when transferring: the resolving bodies of the procedure, then the desk's recent targets."""
    targets: list[str] = [c["resolving_body"] for c in components if c.get("resolving_body")]
    recent = session.scalars(
        select(DossierEvent.payload).where(DossierEvent.kind == EventKind.TRANSFERRED.value)
        .order_by(DossierEvent.id.desc()).limit(200))
    for payload in recent:
        if payload.get("upper"):
            continue
        target = payload.get("to")
        if target and target not in targets:
            targets.append(target)
        if len(targets) >= len(components) + RECENT_TARGETS:
            break
    return list(dict.fromkeys(targets))


def _detail(session: Session, code: str, now: dt.datetime) -> dict[str, Any]:
    shown = show(session, code, now)
    dossier = find_dossier(session, code)
    merged, rows = merged_state_of(session, dossier)
    state = merged.state
    rules = load_rules(session)
    settings = SettingsService(session)
    components = shown["components"] or []
    actions, blocked = allowed_actions(state, {r.kind for r in rows}, components, now, rules.calendar)
    applicant = shown["applicant"]
    return {
        **shown,
        "applicant_vn": {
            "name": applicant["name"],
            "id_number": applicant["id_number"],
            "birth_date": _shown_value("birth_date", applicant["birth_date"]) if applicant["birth_date"] else None,
            "sex": _shown_value("sex", applicant["sex"]) if applicant["sex"] else None,
            "phone": applicant["phone"],
            "email": applicant["email"],
            "address": applicant["address"],
        },
        "has_id_number": bool(dossier.id_number),
        "redacted": bool(redacted_codes(session, [code])),  # personal data cleared under the retention rules
        "timeliness_new_date_vn": TIMELINESS_VN[Timeliness(shown["timeliness_new_date"])]
        if shown.get("timeliness_new_date") else None,
        "is_bundle": len(components) > 1,
        "channel_vn": CHANNELS.get(shown["channel"], shown["channel"]),
        "return_method_vn": RETURN_METHODS.get(shown["return_method"], shown["return_method"]),
        "collect_at": _collect_at(shown, settings.get("commune_name")),
        "fee_text": _fee_text(shown),
        "time_limit_vn": TimeLimit.parse(shown["time_limit"]).describe(),
        "received_at_vn": _when(shown["received_at"]),
        "due_at_vn": _when(shown["due_at"]),
        "original_due_at_vn": _when(shown["original_due_at"]),
        "components_vn": [
            {
                "label": _component_label(i, c),
                "due_at": _when(c.get("due_at")),
                "transferred_to": c.get("transferred_to") or "",
                "ready_at": _when(c.get("ready_at")),
            }
            for i, c in enumerate(components, start=1)
        ] if len(components) > 1 else [],
        "timeline": timeline(shown["events"], components, local_desk=int(settings.get("desk")),
                             upper_level=settings.get("upper_level_name"),
                             conflicts={c.recorded.uuid: c.reason for c in merged.conflicts}),
        "allowed_actions": actions,
        "blocked": blocked,
        "upper_level_name": settings.get("upper_level_name"),
        "transfer_targets": _transfer_targets(session, components),
        "suggested_new_due": rules.calendar.next_working_day(state.due_at.date()),
        "rating_levels": dict(RATING_LEVELS),
    }


def detail(ctx: ServiceContext, code: str) -> dict[str, Any]:
    """The dossier's record (``queries.show``: ID number masked, documents, events, timeliness) with, for the
    screen: the history in words (``timeline``), the actions allowed now (``allowed_actions``: ActionSpec list)
    and why the others are not (``blocked``), and the values the action dialogs offer."""
    with ctx.read() as session:
        return _detail(session, code, ctx.clock.now())


def allowed_keys(ctx: ServiceContext, code: str) -> list[str]:
    return [spec.key for spec in detail(ctx, code)["allowed_actions"]]


def reveal_id(ctx: ServiceContext, code: str) -> str | None:
    """The full ID number of the dossier's applicant, recorded in the audit log (which dossier, never the number)
    in the same transaction; None when the dossier holds no ID number (nothing shown, nothing recorded)."""
    with ctx.write() as (session, now):
        dossier = find_dossier(session, code)
        if not dossier.id_number:
            return None
        record(session, at=now, actor=ctx.actor, action="reveal_id", target=dossier.code)
        return dossier.id_number
