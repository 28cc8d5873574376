"""Sổ theo dõi hồ sơ as the clerk uses it: the list and its count, typing a search without marks, the quick
filters and the combos, a header click that re-queries, scrolling that fetches the next page, Enter that opens a
dossier, the colours of early / late / overdue / due today, and errors at the field.

The week of dossiers is the service tests' (received through the real intake, moved through the real actions);
"now" is Friday 06/03/2026 10:00.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QTableView
from pytestqt.qtbot import QtBot

from desk_app.services.context import ServiceContext
from desk_app.ui.dossier_list import COL_NAME, COL_PROCEDURE, COL_PROGRESS, TONES, DossierListView
from desk_app.ui.worker import ImmediateRunner
from tests.conftest import vn
from tests.services._support import receive_one, rows
from tests.services.test_dossier_list import MAI, TAM, TU, build_week
from tests.ui.conftest import nfd, type_text


class DeferredRunner:
    """Holds submitted work until the test lets it run: a slow database, one task at a time."""

    def __init__(self) -> None:
        self.pending: list[tuple[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None] | None]] = []

    def submit(self, work: Callable[[], Any], done: Callable[[Any], None],
               failed: Callable[[BaseException], None] | None = None) -> None:
        self.pending.append((work, done, failed))

    def run_next(self) -> None:
        work, done, failed = self.pending.pop(0)
        try:
            result = work()
        except Exception as error:  # noqa: BLE001 - handed on as the real runner does
            assert failed is not None
            failed(error)
            return
        done(result)

    def run_all(self) -> None:
        while self.pending:
            self.run_next()


@pytest.fixture
def week(desk: ServiceContext) -> dict[str, str]:
    return build_week(desk)


def make_view(qtbot: QtBot, desk: ServiceContext, runner: Any = None, **options: Any) -> DossierListView:
    view = DossierListView(desk, runner or ImmediateRunner(), **options)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    return view


def shown_codes(view: DossierListView) -> list[str]:
    model = view.model
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def cell(view: DossierListView, code: str, column: int, role: Qt.ItemDataRole = Qt.ItemDataRole.DisplayRole) -> Any:
    model = view.model
    for r in range(model.rowCount()):
        if model.index(r, 0).data() == code:
            return model.index(r, column).data(role)
    raise AssertionError(f"{code} is not shown")


def press(widget: Any, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    QtBot.keyClick(widget, key, modifier)


# -- the list ----------------------------------------------------------------------------------------------------------
def test_the_list_shows_every_dossier_newest_first_with_its_count(qtbot, desk, db, week):
    view = make_view(qtbot, desk)
    assert view.objectName() == "dossierList"
    assert view.findChild(QTableView, "dossierTable") is view.table
    assert view.findChild(QLineEdit, "dossierSearch").placeholderText() == (
        "Tìm mã hồ sơ, CCCD, điện thoại, họ tên, địa chỉ… (không cần dấu)")
    expected = [r["code"] for r in rows(db, "SELECT code FROM dossiers ORDER BY received_at DESC, id DESC")]
    assert shown_codes(view) == expected
    assert view.count_label.text() == "10 hồ sơ"
    headers = [view.model.headerData(c, Qt.Orientation.Horizontal) for c in range(view.model.columnCount())]
    assert headers == ["Mã hồ sơ", "Người nộp", "Thủ tục", "Ngày nhận", "Hẹn trả", "Trạng thái", "Tiến độ"]
    code = week["due_today"]
    assert [cell(view, code, c) for c in range(7)] == [
        code, "Nguyễn Văn Đức", "Cấp Giấy xác nhận tình trạng hôn nhân", "03/03/2026 09:00", "06/03/2026 09:00",
        "Đã tiếp nhận", "Đến hạn hôm nay"]
    assert cell(view, week["waiting"], 5) == "Chờ bổ sung hồ sơ"


def test_the_id_number_is_never_shown(qtbot, desk, week):
    view = make_view(qtbot, desk)
    model = view.model
    texts = {str(model.index(r, c).data(role)) for r in range(model.rowCount()) for c in range(model.columnCount())
             for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)}
    assert not any("087084001234" in t for t in texts)


def test_status_colours(qtbot, desk, week):
    view = make_view(qtbot, desk)
    background = Qt.ItemDataRole.BackgroundRole
    foreground = Qt.ItemDataRole.ForegroundRole

    def colours(name: str) -> tuple[str | None, str | None]:
        bg, fg = cell(view, week[name], COL_PROGRESS, background), cell(view, week[name], COL_PROGRESS, foreground)
        return (bg.color().name() if bg else None, fg.color().name() if fg else None)

    assert colours("late") == TONES["late"]  # returned after its due date: red
    assert cell(view, week["late"], COL_PROGRESS) == "Quá hạn"
    assert colours("overdue") == TONES["late"]  # still open past its due date: red
    assert colours("ready") == TONES["early"]  # result ready before the due date: green
    assert cell(view, week["ready"], COL_PROGRESS) == "Trước hạn"
    assert colours("due_today") == TONES["due_today"]  # amber
    assert colours("due_monday") == (None, None)  # within its time: plain
    assert cell(view, week["due_monday"], COL_PROGRESS) == "Trong hạn"
    # The whole row takes the tone, so it shows whatever column the clerk looks at.
    assert cell(view, week["late"], COL_NAME, background).color().name() == TONES["late"][0]


def test_on_time_is_blue(qtbot, desk, db, clock):
    from desk_app.services.actions import DossierActions

    clock.moment = vn("2026-03-02 09:00")
    code = receive_one(desk, "XA.CT.04", MAI).code  # 2 working days: due Wed 04 09:00
    clock.moment = vn("2026-03-04 16:00")
    DossierActions(desk).result_ready(code)  # the due date itself: on time
    view = make_view(qtbot, desk)
    assert cell(view, code, COL_PROGRESS) == "Đúng hạn"
    assert cell(view, code, COL_PROGRESS, Qt.ItemDataRole.BackgroundRole).color().name() == TONES["on_time"][0]


# -- search --------------------------------------------------------------------------------------------------------
def test_typing_a_name_without_marks_filters_after_a_pause(qtbot, desk, week):
    view = make_view(qtbot, desk)
    type_text(view.search, "nguyen van")
    assert len(shown_codes(view)) == 10  # not yet: the search waits for the clerk to pause
    qtbot.waitUntil(lambda: set(shown_codes(view)) == {week["due_today"], week["online"], week["due_monday"]},
                    timeout=3000)
    qtbot.waitUntil(lambda: view.count_label.text() == "3 hồ sơ", timeout=1000)


def test_enter_in_the_search_applies_at_once(qtbot, desk, week):
    view = make_view(qtbot, desk)
    type_text(view.search, "dong thap")
    press(view.search, Qt.Key.Key_Return)
    assert set(shown_codes(view)) == {week[n] for n in ("overdue", "late", "due_today", "online", "due_monday",
                                                        "due_tuesday", "today_same_day")}
    assert view.count_label.text() == "7 hồ sơ"


def test_decomposed_vietnamese_and_a_phone_number_find_their_dossiers(qtbot, desk, week):
    view = make_view(qtbot, desk)
    type_text(view.search, nfd("Nguyễn Văn Tư"))
    press(view.search, Qt.Key.Key_Return)
    assert set(shown_codes(view)) == {week["online"], week["due_monday"]}
    view.search.clear()
    type_text(view.search, "0912 345 678")
    press(view.search, Qt.Key.Key_Return)
    assert shown_codes(view) == [week["due_today"]]
    view.search.clear()
    type_text(view.search, week["ready"].lower())  # a code typed in lower case
    press(view.search, Qt.Key.Key_Return)
    assert shown_codes(view) == [week["ready"]]


def test_a_malformed_search_shows_a_message_at_the_field(qtbot, desk, week):
    view = make_view(qtbot, desk)
    show_active(qtbot, view)
    view.table.setFocus()
    type_text(view.search, "!!!")
    press(view.search, Qt.Key.Key_Return)
    message = view.findChild(QLabel, "dossierListMessage")
    assert message.isVisible()
    assert "Nhập mã hồ sơ, số CCCD, số điện thoại, họ tên" in message.text()
    assert "Traceback" not in message.text()
    assert shown_codes(view) == []
    assert view.search.hasFocus()
    view.search.clear()
    type_text(view.search, "pham thi hoa")
    press(view.search, Qt.Key.Key_Return)
    assert not message.isVisible()
    assert set(shown_codes(view)) == {week["waiting"], week["late"], week["due_tuesday"]}


def test_search_for_hands_over_a_search(qtbot, desk, week):
    view = make_view(qtbot, desk)
    view.search_for("tu my thoi")
    assert view.search.text() == "tu my thoi"
    assert set(shown_codes(view)) == {week["online"], week["due_monday"]}


# -- quick filters and combos ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("preset", "expected"), [
    ("due_today", {"due_today", "today_same_day"}),
    ("due_soon", {"due_monday", "due_tuesday"}),
    ("overdue", {"overdue", "online"}),
    ("waiting_supplement", {"waiting"}),
    ("ready_not_collected", {"ready"}),
])
def test_apply_preset(qtbot, desk, week, preset, expected):
    view = make_view(qtbot, desk)
    view.apply_preset(preset)
    assert set(shown_codes(view)) == {week[n] for n in expected}
    assert view.count_label.text() == f"{len(expected)} hồ sơ"
    assert view.preset_buttons[preset].isChecked()
    view.apply_preset("all")
    assert len(shown_codes(view)) == 10


def test_clicking_a_preset_button(qtbot, desk, week):
    view = make_view(qtbot, desk)
    view.show()
    qtbot.mouseClick(view.preset_buttons["overdue"], Qt.MouseButton.LeftButton)
    assert set(shown_codes(view)) == {week["overdue"], week["online"]}
    assert view.preset_buttons["overdue"].text() == "Quá hạn"
    qtbot.mouseClick(view.preset_buttons["all"], Qt.MouseButton.LeftButton)
    assert len(shown_codes(view)) == 10


def test_filter_combos_and_dates(qtbot, desk, week):
    view = make_view(qtbot, desk)

    def choose(combo: Any, data: str) -> None:
        index = combo.findData(data)
        assert index > 0, data
        combo.setCurrentIndex(index)

    assert view.procedure_combo.findText("XA.HT.01 – Cấp Giấy xác nhận tình trạng hôn nhân") > 0
    assert view.field_combo.findText("Hộ tịch") > 0
    assert view.status_combo.findText("Chờ bổ sung hồ sơ") > 0
    assert view.channel_combo.findText("Trực tuyến") > 0
    choose(view.procedure_combo, "XA.HT.01")
    assert set(shown_codes(view)) == {week[n] for n in ("waiting", "due_today", "due_monday", "due_tuesday")}
    choose(view.status_combo, "received")
    assert set(shown_codes(view)) == {week[n] for n in ("due_today", "due_monday", "due_tuesday")}
    view.clear_filters()
    assert len(shown_codes(view)) == 10
    choose(view.field_combo, "CT")
    assert set(shown_codes(view)) == {week[n] for n in ("ready", "online", "today_same_day")}
    choose(view.channel_combo, "online")
    assert shown_codes(view) == [week["online"]]
    view.clear_filters()

    assert view.date_from.text() == "Mọi ngày"
    view.date_from.setDate(QDate(2026, 3, 3))
    view.date_to.setDate(QDate(2026, 3, 5))
    qtbot.waitUntil(lambda: len(shown_codes(view)) == 5, timeout=3000)  # both ends included
    assert set(shown_codes(view)) == {week[n] for n in ("due_today", "online", "due_monday", "due_wednesday",
                                                        "due_tuesday")}
    view.date_from.setDate(QDate(2026, 3, 6))  # after the end date: refused at the start date
    message = view.findChild(QLabel, "dossierListMessage")
    qtbot.waitUntil(lambda: not message.isHidden(), timeout=3000)
    assert message.text() == "Ngày bắt đầu (06/03/2026) sau ngày kết thúc (05/03/2026)."
    assert shown_codes(view) == []
    view.clear_filters()
    assert len(shown_codes(view)) == 10 and message.isHidden()


# -- sorting -------------------------------------------------------------------------------------------------------
def click_header(qtbot: QtBot, view: DossierListView, column: int) -> None:
    header = view.table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def test_a_header_click_asks_the_service_for_that_order(qtbot, desk, db, week):
    view = make_view(qtbot, desk)
    view.show()
    qtbot.waitExposed(view)
    before = view.model.fetches
    click_header(qtbot, view, COL_NAME)
    assert (view.model.sort_key, view.model.descending) == ("applicant_name", False)
    assert view.model.fetches == before + 1  # a new query, not a sort of the rows in memory
    expected = [r["code"] for r in rows(db, "SELECT code FROM dossiers ORDER BY applicant_name, id")]
    assert shown_codes(view) == expected
    click_header(qtbot, view, COL_NAME)  # again: the other way
    assert view.model.descending
    assert shown_codes(view) == [r["code"] for r in rows(
        db, "SELECT code FROM dossiers ORDER BY applicant_name DESC, id DESC")]
    click_header(qtbot, view, 4)  # Hẹn trả: the soonest due first
    assert (view.model.sort_key, view.model.descending) == ("due_at", False)
    assert shown_codes(view) == [r["code"] for r in rows(db, "SELECT code FROM dossiers ORDER BY due_at, id")]
    click_header(qtbot, view, 3)  # Ngày nhận: newest first again
    assert (view.model.sort_key, view.model.descending) == ("received_at", True)


def test_a_column_without_an_order_keeps_the_current_one(qtbot, desk, week):
    view = make_view(qtbot, desk)
    view.show()
    qtbot.waitExposed(view)
    shown = shown_codes(view)
    before = view.model.fetches
    click_header(qtbot, view, COL_PROCEDURE)
    qtbot.wait(20)
    assert view.model.fetches == before and shown_codes(view) == shown
    header = view.table.horizontalHeader()
    assert header.sortIndicatorSection() == 3 and header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder


# -- lazy fetching -------------------------------------------------------------------------------------------------
def test_scrolling_down_fetches_the_next_pages(qtbot, desk, week):
    view = make_view(qtbot, desk, page_size=3)
    view.resize(900, 260)  # a few rows visible: the first page fills the view
    view.show()
    qtbot.waitExposed(view)
    qtbot.wait(20)
    fetched = view.model.rowCount()
    assert fetched < 10 and fetched % 3 == 0
    bar = view.table.verticalScrollBar()
    for _ in range(10):
        if view.model.rowCount() == 10:
            break
        bar.setValue(bar.maximum())  # the clerk scrolls to the bottom
        qtbot.wait(10)
    assert view.model.rowCount() == 10
    assert sorted(shown_codes(view)) == sorted(week.values())  # every dossier exactly once
    assert view.model.fetches == 4  # 3 + 3 + 3 + 1: the last page says there is no more
    assert not view.model.canFetchMore()


def test_one_page_in_flight_at_a_time_and_stale_pages_are_dropped(qtbot, desk, week):
    runner = DeferredRunner()
    view = make_view(qtbot, desk, runner, page_size=3)
    assert view.model.rowCount() == 0 and view.count_label.text() == "Đang đếm…"  # nothing on the GUI thread
    runner.run_all()  # options, first page, count
    assert view.count_label.text() == "10 hồ sơ"
    model = view.model
    assert model.rowCount() == 3
    model.fetchMore()
    model.fetchMore()  # while the first is in flight: no second query
    assert not model.canFetchMore()
    assert len(runner.pending) == 1
    runner.run_all()
    assert model.rowCount() == 6

    type_text(view.search, "pham thi hoa")
    press(view.search, Qt.Key.Key_Return)  # its page and count wait in the runner...
    view.search.clear()
    type_text(view.search, "nguyen van")
    press(view.search, Qt.Key.Key_Return)  # ...when the clerk searches for something else
    assert len(runner.pending) == 4
    runner.run_all()  # the first search's page and count come back first: dropped
    assert set(shown_codes(view)) == {week["due_today"], week["online"], week["due_monday"]}
    assert view.count_label.text() == "3 hồ sơ"


# -- keyboard ------------------------------------------------------------------------------------------------------
def show_active(qtbot: QtBot, view: DossierListView) -> None:
    view.show()
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    qtbot.wait(20)


def test_enter_on_a_row_opens_it(qtbot, desk, week):
    view = make_view(qtbot, desk)
    show_active(qtbot, view)
    view.table.setFocus()
    view.table.setCurrentIndex(view.model.index(2, 0))
    with qtbot.waitSignal(view.open_requested) as opened:
        press(view.table, Qt.Key.Key_Return)
    assert opened.args == [shown_codes(view)[2]]
    assert view.selected_code() == shown_codes(view)[2]


def test_double_click_opens_the_row(qtbot, desk, week):
    view = make_view(qtbot, desk)
    show_active(qtbot, view)
    rect = view.table.visualRect(view.model.index(1, 1))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # as a real double click
    with qtbot.waitSignal(view.open_requested) as opened:
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [shown_codes(view)[1]]


def test_ctrl_f_then_type_then_down_then_enter(qtbot, desk, week):
    view = make_view(qtbot, desk)
    show_active(qtbot, view)
    view.table.setFocus()
    press(view.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert view.search.hasFocus()
    type_text(view.search, "pham thi hoa")
    press(view.search, Qt.Key.Key_Return)
    press(view.search, Qt.Key.Key_Down)
    assert view.table.hasFocus()
    assert view.table.currentIndex().row() == 0
    with qtbot.waitSignal(view.open_requested) as opened:
        press(view.table, Qt.Key.Key_Return)
    assert opened.args == [shown_codes(view)[0]] and opened.args[0] in {week["waiting"], week["late"],
                                                                          week["due_tuesday"]}


# -- the screen ----------------------------------------------------------------------------------------------------
def test_the_screen_at_1280_by_800(qtbot, desk, clock, tmp_path: Path):
    people = [TU, MAI, TAM]
    for i in range(36):
        clock.moment = vn("2026-03-02 07:30") + dt.timedelta(minutes=15 * i)
        receive_one(desk, ("XA.CT.01", "XA.HT.01", "XA.CTRU.02")[i % 3], people[i % 3])
    view = make_view(qtbot, desk)
    view.show()
    qtbot.waitExposed(view)
    QApplication.processEvents()
    image = view.grab()
    path = tmp_path / "dossier_list.png"
    assert image.save(str(path))
    assert (image.width(), image.height()) == (1280, 800)
    assert view.minimumSizeHint().width() <= 1280
    table = view.table
    visible = table.rowAt(table.viewport().height() - 1) - table.rowAt(0) + 1
    assert visible >= 25  # about thirty rows at a glance


def test_escape_clears_the_search(qtbot, desk, week):
    view = make_view(qtbot, desk)
    type_text(view.search, "pham thi hoa")
    press(view.search, Qt.Key.Key_Return)
    assert len(shown_codes(view)) == 3
    press(view.search, Qt.Key.Key_Escape)
    assert view.search.text() == ""
    assert len(shown_codes(view)) == 10


def test_tab_follows_the_filter_bar_as_it_reads(qtbot, desk, week):
    view = make_view(qtbot, desk)
    show_active(qtbot, view)
    view.search.setFocus()
    seen = []
    for _ in range(10):
        press(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget().objectName())
    # The quick filters are one stop, like radio buttons: the arrows move among them, Space picks one.
    assert seen == ["preset_all", "dateFrom", "dateTo", "clearFilters", "statusFilter", "procedureFilter",
                    "fieldFilter", "channelFilter", "dossierTable", "dossierSearch"]
    view.preset_buttons["all"].setFocus()
    press(view.preset_buttons["all"], Qt.Key.Key_Right)
    press(view.preset_buttons["due_today"], Qt.Key.Key_Right)
    assert QApplication.focusWidget() is view.preset_buttons["due_soon"]
    press(view.preset_buttons["due_soon"], Qt.Key.Key_Space)
    assert set(shown_codes(view)) == {week["due_monday"], week["due_tuesday"]}


@pytest.mark.parametrize("typed", ["05032026", "05/03/2026", "5/3/2026", "05.03.2026"])
def test_a_date_is_typed_and_tab_leaves_it(qtbot, desk, week, typed):
    view = make_view(qtbot, desk)
    show_active(qtbot, view)
    view.date_from.setFocus()
    type_text(view.date_from, typed)
    press(view.date_from, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is view.date_to
    assert view.date_from.text() == "05/03/2026"
    qtbot.waitUntil(lambda: set(shown_codes(view)) == {week["due_tuesday"], week["today_same_day"]}, timeout=3000)
    view.date_from.setFocus()
    press(view.date_from, Qt.Key.Key_Delete)  # back to any date
    assert view.date_from.text() == "Mọi ngày"
    qtbot.waitUntil(lambda: len(shown_codes(view)) == 10, timeout=3000)


def test_the_dates_start_from_today_not_from_2000(qtbot, desk, week):
    view = make_view(qtbot, desk)
    show_active(qtbot, view)
    edit = view.date_from
    calendar = edit.calendarWidget()
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton, pos=QPoint(edit.width() - 6, edit.height() // 2))
    qtbot.waitUntil(calendar.isVisible, timeout=2000)
    assert (calendar.yearShown(), calendar.monthShown()) == (2026, 3)  # the desk's today, not "Mọi ngày" (2000)
    assert edit.text() == "Mọi ngày"
    calendar.window().hide()
    edit.setFocus()
    press(edit, Qt.Key.Key_Up)
    assert edit.text() == "06/03/2026"
    qtbot.waitUntil(lambda: set(shown_codes(view)) == {week["today_same_day"]}, timeout=3000)
