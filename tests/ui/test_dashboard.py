"""The deadlines dashboard as a leader uses it: the counts it shows are the service's, each tile (clicked, or Enter /
Space on it) opens the matching list and that list holds as many dossiers as the tile says, the urgent tiles are
coloured, the urgent notice fires at start-up and on a new overdue and not again for nothing new, the charts paint
empty and full data, and the whole screen at 1280x800 over the demo data.

The week of dossiers is the service tests' (received through the real intake, moved through the real actions);
"now" is Friday 06/03/2026 10:00 unless a test moves it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QColor, QImage, QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desk_app.services.context import ServiceContext
from desk_app.services.dashboard import COUNT_PRESETS, MonthPoint, dashboard_counts, monthly_series
from desk_app.services.demo import generate
from desk_app.ui import dashboard as dashboard_module
from desk_app.ui.charts import CHANNEL_COLOURS, LINE_COLOUR, OnTimeChart, ReceivedChart, nice_scale, percent, thousands
from desk_app.ui.dashboard import APOLOGY_NOTE, LOAD_FAILED, TILES, Dashboard
from desk_app.ui.dossier_list import DossierListView, count_text
from tests.conftest import vn
from tests.services._support import receive_one
from tests.services.test_dossier_list import TAM, TU, build_week
from tests.ui.test_dossier_list import DeferredRunner


@pytest.fixture
def week(desk: ServiceContext) -> dict[str, str]:
    return build_week(desk)


def make_dashboard(qtbot: QtBot, desk: ServiceContext, runner: Any, *, refresh: bool = True) -> Dashboard:
    view = Dashboard(desk, runner)
    qtbot.addWidget(view)
    view.resize(1280, 760)
    if refresh:
        view.refresh()
    return view


def press(widget: QWidget, key: Qt.Key, text: str = "") -> None:
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text))


def pixels_of(image: QImage, colour: str, top: int = 0) -> int:
    """How many pixels below ``top`` have exactly this colour (every other pixel: enough to tell drawn from not)."""
    wanted = QColor(colour).rgb()
    return sum(1 for x in range(0, image.width(), 2) for y in range(top, image.height(), 2)
               if image.pixel(x, y) == wanted)


def show_active(qtbot: QtBot, view: QWidget) -> None:
    view.show()
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    qtbot.wait(20)


def twelve(**figures: Any) -> list[MonthPoint]:
    months = [(2025, m) for m in range(4, 13)] + [(2026, m) for m in range(1, 4)]
    return [MonthPoint(y, m, **figures) for y, m in months]


# -- the counts --------------------------------------------------------------------------------------------------------
def test_the_counts_shown_are_the_services(qtbot, desk, runner, week):
    view = make_dashboard(qtbot, desk, runner)
    counts = dashboard_counts(desk)
    assert [key for key, *_ in TILES] == ["overdue", "apology_needed", "due_today", "due_soon", "waiting_supplement",
                                         "ready_not_collected", "received_today"]
    for key, tile in view.tiles.items():
        assert tile.objectName() == f"tile_{key}"
        assert tile.value.text() == str(counts.of(key)), key
    assert {k: t.value.text() for k, t in view.tiles.items()} == {
        "overdue": "2", "apology_needed": "1", "due_today": "2", "due_soon": "2", "waiting_supplement": "1",
        "ready_not_collected": "1", "received_today": "1"}
    assert view.tiles["apology_needed"].caption.text() == "Cần xin lỗi"
    assert view.tiles["overdue"].caption.text() == "Quá hạn"
    assert view.tiles["received_today"].caption.text() == "Tiếp nhận hôm nay"
    assert view.tiles["overdue"].accessibleName() == "Quá hạn: 2 hồ sơ"
    assert view.updated.text() == "Số liệu lúc 10:00 ngày 06/03/2026"
    assert view.counts == counts


def test_urgent_tiles_are_coloured_only_while_they_hold_dossiers(qtbot, desk, runner, week):
    view = make_dashboard(qtbot, desk, runner)
    assert {k for k, t in view.tiles.items() if t.alarmed} == {"overdue", "apology_needed", "due_today"}
    assert "#b00020" in view.tiles["overdue"].value.styleSheet()  # red
    assert "#7a4f00" in view.tiles["apology_needed"].value.styleSheet()  # amber
    assert "#7a4f00" in view.tiles["due_today"].value.styleSheet()
    assert "#2b3440" in view.tiles["due_soon"].value.styleSheet()  # plain
    view.show()
    qtbot.waitExposed(view)
    image = view.grab().toImage()
    tile = view.tiles["overdue"]
    inside = tile.mapTo(view, QPoint(12, tile.height() - 12))
    assert QColor(image.pixel(inside)).name() == "#fde4e6"  # the red tile's background, as the leader sees it
    # A desk with nothing urgent: nothing coloured.
    desk.clock.moment = vn("2026-01-05 09:00")  # type: ignore[attr-defined]
    view.refresh()
    assert not any(t.alarmed for t in view.tiles.values())


def test_the_apology_note_explains_the_tile(qtbot, desk, runner):
    view = make_dashboard(qtbot, desk, runner)
    assert view.note.objectName() == "apologyNote"
    assert view.note.text() == APOLOGY_NOTE
    for words in ("Cần xin lỗi", "ngày làm việc tiếp theo", "chậm nhất trước ngày hẹn một ngày", "một lần",
                  "Hồ sơ đến hạn hôm nay không còn hẹn lại được"):
        assert words in APOLOGY_NOTE


# -- opening the lists -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("key", "preset"), [(key, preset) for key, preset, *_ in TILES])
def test_clicking_a_tile_opens_its_list(qtbot, desk, runner, week, key, preset):
    view = make_dashboard(qtbot, desk, runner)
    view.show()
    with qtbot.waitSignal(view.open_preset, timeout=1000) as opened:
        qtbot.mouseClick(view.tiles[key], Qt.MouseButton.LeftButton)
    assert opened.args == [preset]
    if key != "received_today":
        assert key == preset and key in COUNT_PRESETS


@pytest.mark.parametrize("key", [key for key, *_ in TILES])
def test_the_list_opened_holds_as_many_dossiers_as_the_tile_says(qtbot, desk, runner, week, key):
    view = make_dashboard(qtbot, desk, runner)
    ledger = DossierListView(desk, runner)
    qtbot.addWidget(ledger)
    view.open_preset.connect(ledger.apply_preset)  # as the main window wires them
    view.show()
    qtbot.mouseClick(view.tiles[key], Qt.MouseButton.LeftButton)
    if key == "received_today":  # the whole ledger, newest first: today's receipt at its top
        assert ledger.preset_buttons["all"].isChecked()
        assert ledger.model.row_at(0).code == week["today_same_day"]
        assert ledger.model.row_at(0).received_at.date() == desk.clock.now().date()
        assert ledger.model.row_at(1).received_at.date() < desk.clock.now().date()
        return
    assert ledger.preset_buttons[key].isChecked()
    shown = view.tiles[key].value.text()
    assert ledger.count_label.text() == count_text(int(shown))
    assert ledger.model.rowCount() == int(shown)


def test_enter_and_space_on_a_focused_tile_open_its_list(qtbot, desk, runner, week):
    view = make_dashboard(qtbot, desk, runner)
    show_active(qtbot, view)
    opened: list[str] = []
    view.open_preset.connect(opened.append)
    tile = view.tiles["apology_needed"]
    tile.setFocus()
    assert tile.hasFocus() and tile.focusPolicy() == Qt.FocusPolicy.StrongFocus
    press(tile, Qt.Key.Key_Return, "\r")
    press(tile, Qt.Key.Key_Space, " ")
    qtbot.waitUntil(lambda: len(opened) == 2, timeout=1000)
    assert opened == ["apology_needed", "apology_needed"]


def test_tab_walks_the_tiles_in_reading_order(qtbot, desk, runner, week):
    view = make_dashboard(qtbot, desk, runner)
    show_active(qtbot, view)
    view.focus_first_tile()
    seen = [QApplication.focusWidget().objectName()]
    for _ in range(7):
        press(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget().objectName())
    assert seen == [f"tile_{key}" for key, *_ in TILES] + ["dashboardRefresh"]


# -- the urgent notice -------------------------------------------------------------------------------------------------
def test_the_urgent_signal_fires_at_start_and_on_a_new_overdue(qtbot, desk, runner):
    due_tuesday = receive_one(desk, "XA.CTRU.03", TAM).code  # Mon 02/03 09:00, 1 working day: due Tue 03 09:00
    view = make_dashboard(qtbot, desk, runner, refresh=False)
    with qtbot.waitSignal(view.urgent, timeout=1000) as first:
        view.refresh()  # start-up: due tomorrow, not resolved, not rescheduled
    assert "1 hồ sơ hẹn trả vào ngày làm việc tiếp theo chưa có kết quả" in first.args[0]
    assert "quá hạn" not in first.args[0]
    with qtbot.assertNotEmitted(view.urgent):
        view.refresh()  # nothing new
    desk.clock.moment = vn("2026-03-04 08:00")  # type: ignore[attr-defined]  # Wednesday: it is overdue
    with qtbot.waitSignal(view.urgent, timeout=1000) as overdue:
        view.refresh()
    assert overdue.args[0] == "Cần chú ý: 1 hồ sơ đã quá hạn."
    assert view.last_notice == overdue.args[0]
    assert view.tiles["overdue"].value.text() == "1" and view.tiles["overdue"].alarmed
    with qtbot.assertNotEmitted(view.urgent):
        view.refresh()
    # Later that day another dossier becomes due on the next working day: told as a rise.
    desk.clock.moment = vn("2026-03-04 09:00")  # type: ignore[attr-defined]
    receive_one(desk, "XA.CTRU.03", TU)
    with qtbot.waitSignal(view.urgent, timeout=1000) as rise:
        view.refresh(charts=False)
    assert rise.args[0].startswith("Cần chú ý: thêm 1 hồ sơ (tổng 1) hẹn trả vào ngày làm việc tiếp theo")
    assert due_tuesday


def test_a_quiet_desk_sends_no_notice(qtbot, desk, runner):
    view = make_dashboard(qtbot, desk, runner, refresh=False)
    with qtbot.assertNotEmitted(view.urgent):
        view.refresh()
    assert view.last_notice is None
    assert all(t.value.text() == "0" for t in view.tiles.values())


# -- refreshing --------------------------------------------------------------------------------------------------------
def test_refresh_runs_through_the_runner_and_drops_a_stale_answer(qtbot, desk, week):
    deferred = DeferredRunner()
    view = make_dashboard(qtbot, desk, deferred)
    assert view.tiles["overdue"].value.text() == "–"  # nothing on the GUI thread until the runner answers
    assert len(deferred.pending) == 1
    work, done, _ = deferred.pending.pop(0)
    older = work()  # the first refresh reads: one dossier received today...
    receive_one(desk, "XA.CT.01", TU)  # ...then another is received, and the clerk refreshes again
    view.refresh()
    deferred.run_all()
    assert view.tiles["received_today"].value.text() == "2"
    done(older)  # the older answer arrives last: dropped, not shown over the newer one
    assert view.tiles["received_today"].value.text() == "2"


def test_the_charts_follow_the_series_and_the_minute_refresh_skips_them(qtbot, desk, runner, week):
    view = make_dashboard(qtbot, desk, runner)
    series = monthly_series(desk)
    assert view.received_chart.points == series == view.on_time_chart.points
    assert series[-1].received == 10
    assert view.received_box.title() == ("Hồ sơ tiếp nhận theo tháng, theo kênh nộp (12 tháng gần nhất; T3/26 tính "
                                         "đến ngày 06/03)")
    receive_one(desk, "XA.CT.01", TU)
    view.refresh(charts=False)
    assert view.tiles["received_today"].value.text() == "2"
    assert view.received_chart.points[-1].received == 10  # not reloaded
    view.refresh()
    assert view.received_chart.points[-1].received == 11


def test_a_failed_refresh_says_so_in_vietnamese(qtbot, desk, runner, monkeypatch):
    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("disk I/O error")

    monkeypatch.setattr(dashboard_module, "dashboard_data", broken)
    view = make_dashboard(qtbot, desk, runner)
    assert not view.message.isHidden()
    assert view.message.text() == LOAD_FAILED
    monkeypatch.undo()
    view.refresh()
    assert view.message.isHidden()


# -- the charts --------------------------------------------------------------------------------------------------------
def test_scale_and_number_formats():
    assert nice_scale(0) == (5.0, 1.0)
    assert nice_scale(3) == (3.0, 1.0)
    assert nice_scale(613) == (800.0, 200.0)
    assert nice_scale(1_234_567)[0] >= 1_234_567
    assert thousands(1234567) == "1.234.567"
    assert percent(97.53) == "97,5%" and percent(100.0) == "100%" and percent(0.0) == "0%"
    assert MonthPoint(2026, 3).label == "T3/26" and MonthPoint(2025, 12).label == "T12/25"


@pytest.mark.parametrize("points", [[], twelve(), twelve(direct=0, resolved=0)], ids=["none", "zeros", "no-results"])
def test_the_charts_paint_empty_data(qtbot, tmp_path: Path, points):
    for chart, colours in ((ReceivedChart(), list(CHANNEL_COLOURS.values())), (OnTimeChart(), [LINE_COLOUR])):
        qtbot.addWidget(chart)
        chart.resize(600, 340)
        chart.set_points(points)
        image = chart.grab().toImage()
        assert image.save(str(tmp_path / f"{chart.objectName()}.png"))
        plot_top = int(chart.plot_area().top())  # the legend above it shows the colours, always
        assert points == [] or plot_top > 0
        assert all(pixels_of(image, colour, plot_top) == 0 for colour in colours)  # no bar, no line
    assert OnTimeChart.EMPTY_TEXT and ReceivedChart.EMPTY_TEXT


def test_the_charts_paint_full_data(qtbot, tmp_path: Path):
    points = [MonthPoint(p.year, p.month, direct=500 + 10 * i, online=40 + i, postal=5 + (i % 3),
                         resolved=520 + 10 * i, in_time=500 + 9 * i) for i, p in enumerate(twelve())]
    points[5] = MonthPoint(points[5].year, points[5].month)  # a month with nothing at all: a gap in the line
    for chart in (ReceivedChart(), OnTimeChart()):
        qtbot.addWidget(chart)
        chart.resize(620, 360)
        chart.set_points(points)
        image = chart.grab().toImage()
        assert image.save(str(tmp_path / f"{chart.objectName()}-full.png"))
        if isinstance(chart, ReceivedChart):
            assert all(pixels_of(image, colour) > 0 for colour in CHANNEL_COLOURS.values())
            assert "T4/25: 545 hồ sơ" in chart.accessibleDescription()
        else:
            assert pixels_of(image, LINE_COLOUR) > 50
            assert "T9/25: chưa có kết quả" in chart.accessibleDescription()
            assert "T4/25: 96,2%" in chart.accessibleDescription()
        for size in ((40, 30), (1, 1), (2000, 900)):  # tiny and huge: no division by zero, no crash
            chart.resize(*size)
            assert not chart.grab().isNull()


def test_a_chart_month_tip_gives_its_figures():
    point = MonthPoint(2026, 3, direct=1200, online=30, postal=4, resolved=1000, in_time=975)
    assert ReceivedChart().month_tip(point) == (
        "Tháng 3/2026: 1.234 hồ sơ tiếp nhận (Trực tiếp 1.200, Trực tuyến 30, Qua bưu chính 4)")
    assert OnTimeChart().month_tip(point) == (
        "Tháng 3/2026: 97,5% — 975 trên 1.000 hồ sơ có kết quả trước hạn hoặc đúng hạn")
    assert OnTimeChart().month_tip(MonthPoint(2026, 2)) == "Tháng 2/2026: chưa có hồ sơ nào có kết quả"


# -- the screen --------------------------------------------------------------------------------------------------------
def test_the_screen_at_1280_by_800_over_demo_data(qtbot, desk, runner, db, tmp_path: Path):
    desk.clock.moment = vn("2026-03-06 10:00")  # type: ignore[attr-defined]
    generate(db, 6000, seed=3, clock=desk.clock, actor="demo")
    view = make_dashboard(qtbot, desk, runner, refresh=False)
    view.resize(1280, 800)
    view.refresh()
    view.show()
    qtbot.waitExposed(view)
    QApplication.processEvents()
    image = view.grab()
    assert image.save(str(tmp_path / "dashboard.png"))
    assert (image.width(), image.height()) == (1280, 800)
    assert view.minimumSizeHint().width() <= 1280
    counts = dashboard_counts(desk)
    assert all(view.tiles[k].value.text() == thousands(counts.of(k)) for k in view.tiles)
    assert counts.ready_not_collected > 0 and sum(p.received for p in view.received_chart.points) > 1000
    for tile in view.tiles.values():  # captions whole, figures whole
        assert tile.caption.height() >= tile.caption.heightForWidth(tile.caption.width())
        assert tile.value.width() >= tile.value.sizeHint().width()
    for chart in (view.received_chart, view.on_time_chart):
        assert chart.width() >= 500 and chart.height() >= 300
    assert view.note.height() >= view.note.heightForWidth(view.note.width())
