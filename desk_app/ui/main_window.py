"""The desk's main window: the intake screen first, the dossier ledger, today's overview, and for the
administrator the settings and the accounts; a scan field that is always there; the end-of-day sync (F12); the status
bar with the database, the sync's state and today's due and overdue counts; the automatic sync in the background.

A dossier code scanned anywhere (or typed into the scan field, F3) opens that dossier. Everything shown comes from
the services; the window holds no rule of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QStyle,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.cccd_qr import looks_like_cccd_qr
from desk_app.domain.codes import CODE_RE
from desk_app.domain.errors import DomainError, NotFoundError
from desk_app.services.context import ServiceContext
from desk_app.services.overview import desk_setting, overview
from desk_app.services.queries import find_codes
from desk_app.ui.auto_sync import AUTO, PROBE_INTERVAL_MS, AutoSync, SyncBackend, SyncCoordinator, default_sync_backend
from desk_app.ui.branding import window_title
from desk_app.ui.dashboard import Dashboard
from desk_app.ui.dossier_list import DossierListView
from desk_app.ui.intake import IntakeScreen, Output, ask_yes_no
from desk_app.ui.report_screen import ReportScreen
from desk_app.ui.scanner import ScanDetector
from desk_app.ui.sync_status import SyncStatusBar
from desk_app.ui.worker import Runner

if TYPE_CHECKING:
    from desk_app.ui.sync_dialog import SetAsideDialog, SyncDialog

# The dialogs opened on demand (a dossier's detail, the fee list, the sync, the audit log, retention) are imported
# where they open: their modules are not on the start-up path (tests/ui/test_startup_imports.py).
REFRESH_MS = 60_000
ROLE_VN = {"admin": "Quản trị viên", "leader": "Lãnh đạo", "clerk": "Cán bộ tiếp nhận", "system": "Hệ thống"}


class MainWindow(QMainWindow):
    def __init__(self, ctx: ServiceContext, runner: Runner, output: Output, *, full_name: str = "",
                 detail_factory: Callable[[str], QWidget] | None = None,
                 confirm: Callable[[QWidget, str, str], bool] | None = None,
                 sync_backend: SyncBackend | None = None, sync_runner: Runner | None = None,
                 auto_sync_ms: int | None = PROBE_INTERVAL_MS, auto_backup_ms: int | None = None) -> None:
        """``sync_backend``: the engine's functions (fakes in tests); ``sync_runner``: where syncs and probes run
        (the application gives them their own thread, so a long sync never queues a print); ``auto_sync_ms``: the
        automatic sync's look interval (None: no automatic sync, e.g. in tests that drive it by hand)."""
        super().__init__()
        self._confirm = confirm or ask_yes_no
        self.lock: Any = None
        self._lock_minutes: int | None = None
        self.ctx = ctx
        self.runner = runner
        self.output = output
        self._detail_factory = detail_factory or self._default_detail
        self.open_details: list[QWidget] = []
        self.setWindowTitle("Một Cửa Desk")
        self.resize(1280, 800)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.intake = IntakeScreen(ctx, runner, output, confirm=self._confirm)
        self.ledger = DossierListView(ctx, runner)
        self.dashboard = Dashboard(ctx, runner)
        self.overview_panel = self.dashboard  # the "Tổng quan" tab
        self.tabs.addTab(self.intake, "Tiếp nhận (Ctrl+1)")
        self.tabs.addTab(self.ledger, "Sổ theo dõi (Ctrl+2)")
        self.tabs.addTab(self.dashboard, "Tổng quan (Ctrl+3)")
        self.report_screen = ReportScreen(ctx, runner, output)
        self.tabs.addTab(self.report_screen, "Báo cáo (Ctrl+4)")
        self.settings_screen: QWidget | None = None
        self.users_panel: QWidget | None = None
        if ctx.role in ("admin", "system"):
            from desk_app.ui.settings_screen import SettingsScreen
            from desk_app.ui.users_panel import UsersPanel

            self.settings_screen = SettingsScreen(ctx, runner)
            self.users_panel = UsersPanel(ctx)
            self.tabs.addTab(self.settings_screen, "Thiết lập (Ctrl+5)")
            self.tabs.addTab(self.users_panel, "Tài khoản (Ctrl+6)")
        self.urgent_label = QLabel()
        self.urgent_label.setObjectName("urgentNotice")
        self.urgent_label.setWordWrap(True)
        self.urgent_label.setStyleSheet("background: #fff4e0; color: #8a4b00; font-weight: bold; padding: 4px 8px; "
                                        "border: 1px solid #f0c36d; border-radius: 4px;")
        self.urgent_label.hide()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(4, 4, 4, 0)
        column.addWidget(self.urgent_label)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self.sync_backend = sync_backend or default_sync_backend()
        self.sync = SyncCoordinator(ctx, sync_runner or runner, self.sync_backend, self)
        self.auto_sync = AutoSync(ctx, sync_runner or runner, self.sync, interval_ms=auto_sync_ms or PROBE_INTERVAL_MS,
                                  parent=self)
        self.sync_dialog: SyncDialog | None = None
        self.set_aside_dialog: SetAsideDialog | None = None

        self._build_toolbar(full_name)
        self._build_status_bar()
        self._build_actions()
        from desk_app.ui.auto_backup import install as install_backup

        # The backup's status label and menu; the automatic daily backup only when asked (the application does).
        self.auto_backup = install_backup(self, ctx, look_ms=auto_backup_ms)

        self.intake.saved.connect(lambda _code: self._dossiers_changed())
        self.dashboard.open_preset.connect(self.open_preset)
        self.dashboard.urgent.connect(self.show_urgent)
        self.tray: Any = None
        self.tabs.currentChanged.connect(self._tab_changed)
        self.ledger.open_requested.connect(self.open_dossier)
        self.scanner = ScanDetector(self)
        self.scanner.scanned.connect(self.open_dossier)
        self.scanner.card_scanned.connect(self.card_scanned)
        self.scanner.install()

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(lambda: self.refresh(charts=False))  # the charts change slowly and cost more
        self._timer.start()
        self._connect_sync()
        self.refresh()
        if auto_sync_ms is not None:
            self.auto_sync.start()
        if ctx.role == "leader":
            self.tabs.setCurrentWidget(self.dashboard)  # the first thing a leader sees

    # -- building -------------------------------------------------------------------------------------------------
    def _build_toolbar(self, full_name: str) -> None:
        bar = QToolBar("Tra cứu")
        bar.setObjectName("scanBar")
        bar.setMovable(False)
        caption = QLabel(" Quét mã / tra cứu (F3): ")
        self.scan_field = QLineEdit()
        self.scan_field.setObjectName("scanField")
        self.scan_field.setPlaceholderText("quét mã vạch trên giấy hẹn, hoặc gõ mã hồ sơ, số CCCD, điện thoại, họ tên")
        self.scan_field.setClearButtonEnabled(True)
        self.scan_field.setMinimumWidth(480)
        self.scan_field.returnPressed.connect(self.lookup)
        self.scan_message = QLabel()
        self.scan_message.setObjectName("scanMessage")
        self.scan_message.setStyleSheet("color: #b00020;")
        bar.addWidget(caption)
        bar.addWidget(self.scan_field)
        bar.addWidget(self.scan_message)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.sync_action = QAction("Đồng bộ cuối ngày", self)
        self.sync_action.setObjectName("syncNow")
        self.sync_action.setIconText("Đồng bộ cuối ngày (F12)")
        self.sync_action.setToolTip("Gửi các sự kiện chờ gửi lên cấp trên và nhận thông tin từ cấp trên (F12)")
        self.sync_action.setShortcut(QKeySequence("F12"))
        self.sync_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.sync_action.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
        self.sync_action.triggered.connect(self.show_sync)
        self.addAction(self.sync_action)
        bar.addAction(self.sync_action)
        sync_button = bar.widgetForAction(self.sync_action)
        if isinstance(sync_button, QToolButton):
            sync_button.setObjectName("syncButton")
            sync_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.commune_label = QLabel()
        self.commune_label.setObjectName("commune")
        bar.addWidget(self.commune_label)
        self.user_label = QLabel(f"· {full_name or self.ctx.actor} · {ROLE_VN.get(self.ctx.role, self.ctx.role)} ")
        self.user_label.setObjectName("userLabel")
        bar.addWidget(self.user_label)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_db = QLabel()
        self.status_db.setObjectName("statusDatabase")
        self.status_due = QLabel()
        self.status_due.setObjectName("statusDueToday")
        self.status_overdue = QLabel()
        self.status_overdue.setObjectName("statusOverdue")
        self.status_updated = QLabel()
        self.status_updated.setObjectName("statusUpdated")
        self.status_db.setMinimumWidth(80)  # a long path gives way to the figures (whole in its tooltip)
        self.sync_bar = SyncStatusBar(self.ctx, self.sync_backend, self.runner)
        bar.addWidget(self.status_db, 1)
        bar.addPermanentWidget(self.sync_bar)
        for label in (self.status_due, self.status_overdue, self.status_updated):
            bar.addPermanentWidget(label)

    def _build_actions(self) -> None:
        def action(text: str, keys: str, slot: Callable[[], object], name: str) -> QAction:
            item = QAction(text, self)
            item.setObjectName(name)
            item.setShortcut(QKeySequence(keys))
            item.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            item.triggered.connect(slot)
            self.addAction(item)
            return item

        action("Tiếp nhận", "Ctrl+1", lambda: self.show_tab(self.intake), "goIntake")
        action("Sổ theo dõi", "Ctrl+2", lambda: self.show_tab(self.ledger), "goLedger")
        action("Tổng quan", "Ctrl+3", lambda: self.show_tab(self.overview_panel), "goOverview")
        if self.settings_screen is not None:
            action("Thiết lập", "Ctrl+5", lambda: self.show_tab(self.settings_screen), "goSettings")
        if self.users_panel is not None:
            action("Tài khoản", "Ctrl+6", lambda: self.show_tab(self.users_panel), "goUsers")
        action("Báo cáo", "Ctrl+4", lambda: self.show_tab(self.report_screen), "goReport")
        action("Tra cứu", "F3", self.focus_scan, "focusScan")
        action("Làm mới", "F5", self._dossiers_changed, "refresh")
        action("Bảng kê phí", "Ctrl+Shift+P", self.show_fee_list, "feeList")
        action("Dữ liệu cá nhân của công dân", "Ctrl+Shift+D", self._open_citizen_data,
               "citizenData")
        if self.settings_screen is not None:  # the administrator (the service refuses anyone else too)
            action("Nhật ký kiểm tra", "Ctrl+Shift+L", self._open_audit_log, "auditLog")
            action("Lưu trữ hồ sơ hết thời hạn lưu…", "", self._open_retention, "retention")
        set_aside = QAction("Sự kiện bị cấp trên từ chối", self)
        set_aside.setObjectName("showSetAside")
        set_aside.triggered.connect(self.show_set_aside)
        menu = self.menuBar().addMenu("&Hồ sơ")
        for name in ("goIntake", "goLedger", "goOverview", "goReport", "focusScan", "feeList", "citizenData",
                     "refresh"):
            found = self.findChild(QAction, name)
            if found is not None:
                menu.addAction(found)
        sync_menu = self.menuBar().addMenu("Đồng &bộ")
        sync_menu.addAction(self.sync_action)
        sync_menu.addAction(set_aside)
        if self.settings_screen is not None:
            admin = self.menuBar().addMenu("&Quản trị")
            for name in ("goSettings", "goUsers", "auditLog", "retention"):
                found = self.findChild(QAction, name)
                if found is not None:
                    admin.addAction(found)

    # -- navigation -----------------------------------------------------------------------------------------------
    def show_tab(self, widget: QWidget | None) -> None:
        if widget is None:
            return
        if self.tabs.currentWidget() is widget:
            self._tab_changed(self.tabs.currentIndex())  # the tab already shown: its shortcut refreshes it
        else:
            self.tabs.setCurrentWidget(widget)  # _tab_changed follows
        if widget is self.intake:
            self.intake.focus_picker() if self.intake.procedure is None else self.intake.inputs["name"].setFocus()

    def _tab_changed(self, _index: int) -> None:
        # However the ledger comes to the front (its shortcut, the mouse on its tab, a search handed over), it shows
        # the dossiers as they are now, not as they were when it was last looked at.
        if self.tabs.currentWidget() is self.ledger:
            self.ledger.refresh()

    def _dossiers_changed(self) -> None:
        """A dossier was received or acted on (or F5): the figures, and the ledger when it is the tab on screen."""
        self.refresh()
        if self.tabs.currentWidget() is self.ledger:
            self.ledger.refresh()

    def focus_scan(self) -> None:
        self.scan_field.setFocus()
        self.scan_field.selectAll()

    def lookup(self) -> None:
        """The scan field: a dossier code opens it; anything else searches the ledger."""
        text = self.scan_field.text().strip()
        self.scan_message.clear()
        if not text:
            return
        if looks_like_cccd_qr(text):  # a card's QR pasted, or from a scanner too slow to be taken for one
            self.scan_field.clear()
            self.card_scanned(text)
            return
        compact = "".join(text.split()).upper()
        if CODE_RE.match(compact):
            self.scan_field.clear()
            self.open_dossier(compact)
            return
        try:
            codes = find_codes(self.ctx, text, limit=2)
        except DomainError as error:
            self.scan_message.setText(error.message)
            return
        if len(codes) == 1:
            self.scan_field.clear()
            self.open_dossier(codes[0])
            return
        if not codes:
            self.scan_message.setText("Không tìm thấy hồ sơ nào.")
            return
        self.ledger.search_for(text)
        self.show_tab(self.ledger)

    def card_scanned(self, text: str) -> None:
        """A citizen's ID card scanned anywhere in the window: the intake screen, filled from it; a card that cannot
        be used is said at the scan field as well as on the intake screen."""
        if not self.isActiveWindow():  # scanned while a dossier's window had the focus: the form comes to the front
            self.raise_()
            self.activateWindow()
        if self.tabs.currentWidget() is not self.intake:
            self.show_tab(self.intake)
        problem = self.intake.take_card_scan(text)
        self.scan_message.setText("Mã QR CCCD lỗi: xem lý do bên dưới." if problem else "")
        self.scan_message.setToolTip(problem or "")

    def open_dossier(self, code: str) -> None:
        wanted = "".join(code.split()).upper()
        for shown in self.open_details:
            if str(getattr(shown, "code", "")).upper() == wanted and shown.isVisible():  # closed: being deleted
                # Already open (scanned twice, or opened from the ledger again): that window, brought up to date,
                # rather than a second one whose buttons would offer what the first has already done.
                reload = getattr(shown, "reload", None)
                if callable(reload):
                    reload()
                shown.show()
                shown.raise_()
                shown.activateWindow()
                self.scan_message.clear()
                return
        try:
            detail = self._detail_factory(code)
        except DomainError as error:
            self.scan_message.setText(error.message)
            self.statusBar().showMessage(error.message, 10_000)
            return
        self.scan_message.clear()
        self.open_details.append(detail)
        detail.destroyed.connect(lambda *_: self._forget(detail))
        detail.show()
        detail.raise_()
        detail.activateWindow()

    def _forget(self, detail: QWidget) -> None:
        if detail in self.open_details:
            self.open_details.remove(detail)

    def _open_audit_log(self) -> None:
        from desk_app.ui.audit_screen import open_audit_log

        open_audit_log(self, self.ctx)

    def _open_retention(self) -> None:
        from desk_app.ui.retention_dialog import open_retention

        open_retention(self, self.ctx, self.runner, self._confirm)

    def _default_detail(self, code: str) -> QWidget:
        from desk_app.ui.dossier_detail import DossierDetail

        if not find_codes(self.ctx, code, limit=1):
            raise NotFoundError(f"Không tìm thấy hồ sơ mã {code}.", field="code")
        detail = DossierDetail(self.ctx, self.runner, self.output, code, self)
        detail.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        detail.changed.connect(lambda _code: self._dossiers_changed())
        return detail

    def show_problem(self, message: str) -> None:
        """A problem outside any field (the printer, say): told plainly, never lost in the status bar alone."""
        self.statusBar().showMessage(message, 15_000)
        QMessageBox.warning(self, "Một Cửa Desk", message)

    def show_fee_list(self) -> None:
        from desk_app.ui.fee_list import FeeListDialog

        dialog = FeeListDialog(self.ctx, self.output, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    # -- sync with the upper level ---------------------------------------------------------------------------------
    def _connect_sync(self) -> None:
        self.sync.started.connect(lambda _origin: self.sync_bar.sync_started())
        self.sync.progressed.connect(self.sync_bar.sync_progress)
        self.sync.finished.connect(self._sync_finished)
        self.sync.faulted.connect(self._sync_faulted)
        self.auto_sync.reachability.connect(self.sync_bar.set_reachable)
        self.auto_sync.notice.connect(self.show_sync_notice)
        self.sync_bar.set_aside_clicked.connect(self.show_set_aside)

    def show_sync(self) -> None:
        """F12: the end-of-day sync dialog (not modal: the clerk keeps working); it starts a sync, or follows the
        automatic one under way, or says what to set when sync is not configured."""
        from desk_app.ui.sync_dialog import SyncDialog

        if self.sync_dialog is None:
            self.sync_dialog = SyncDialog(self.ctx, self.sync, self)
            self.sync_dialog.open_requested.connect(self.open_dossier)
            self.sync_dialog.settings_requested.connect(self.show_sync_settings)
        dialog = self.sync_dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        if not dialog.following:
            dialog.begin()

    def show_set_aside(self) -> None:
        """The events the upper level set aside, with its reasons (the status bar's red count, or the menu)."""
        from desk_app.ui.sync_dialog import SetAsideDialog

        events = self.sync_backend.set_aside_events(self.ctx)
        if self.set_aside_dialog is not None and self.set_aside_dialog.isVisible():
            self.set_aside_dialog.show_events(events)
        else:
            self.set_aside_dialog = SetAsideDialog(self.ctx, events, self)
            self.set_aside_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.set_aside_dialog.destroyed.connect(lambda *_: setattr(self, "set_aside_dialog", None))
            self.set_aside_dialog.open_requested.connect(self.open_dossier)
        self.set_aside_dialog.show()
        self.set_aside_dialog.raise_()
        self.set_aside_dialog.activateWindow()

    def show_sync_settings(self) -> None:
        """The administrator's way from "not configured" to the settings that fix it."""
        screen = self.settings_screen
        if screen is None:
            return
        self.show_tab(screen)
        tabs = getattr(screen, "tabs", None)
        if tabs is not None:
            for index in range(tabs.count()):
                if tabs.tabText(index) == "Đồng bộ cấp trên":
                    tabs.setCurrentIndex(index)

    def _sync_finished(self, outcome: Any, _origin: str) -> None:
        self.sync_bar.sync_ended()
        if outcome.received:
            self._dossiers_changed()  # other desks' events and the upper level's decisions changed dossiers
        if self.set_aside_dialog is not None and self.set_aside_dialog.isVisible():
            self.set_aside_dialog.show_events(self.sync_backend.set_aside_events(self.ctx))

    def _sync_faulted(self, message: str, origin: str) -> None:
        self.sync_bar.sync_ended()
        if origin == AUTO:
            self.show_sync_notice(message)

    def show_sync_notice(self, text: str) -> None:
        """An automatic sync that needs the clerk's eye (events set aside, a refusal): said in the window, and as a
        tray message where there is a tray."""
        self.statusBar().showMessage(text, 60_000)
        self.urgent_label.setText(text)
        self.urgent_label.show()
        self._tray_message("Một Cửa Desk — đồng bộ cấp trên", text)

    # -- figures --------------------------------------------------------------------------------------------------
    def attach_lock(self, lock: Any, minutes: int) -> None:
        """The inactivity lock, kept in step with the lock_minutes setting as the figures refresh."""
        self.lock = lock
        self._lock_minutes = minutes

    def _follow_lock_setting(self) -> None:
        if self.lock is None:
            return
        minutes = int(desk_setting(self.ctx, "lock_minutes"))
        if minutes != self._lock_minutes:  # changed in Thiết lập: applied without a restart
            self._lock_minutes = minutes
            self.lock.set_minutes(minutes)

    def open_preset(self, preset: str) -> None:
        """A dashboard count opens its list, with nothing else filtered, so the list shows what the count says."""
        self.ledger.clear_filters()
        self.ledger.apply_preset(preset)
        self.show_tab(self.ledger)

    def show_urgent(self, text: str) -> None:
        """Something became urgent: said in the window, and as a system tray message where there is a tray."""
        self.statusBar().showMessage(text, 60_000)
        self.urgent_label.setText(f"{text}  (Ctrl+3: xem bảng theo dõi)")
        self.urgent_label.show()
        self._tray_message("Một Cửa Desk — hồ sơ cần xử lý", text)

    def _tray_message(self, title: str, text: str) -> None:
        from PySide6.QtWidgets import QSystemTrayIcon

        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        if self.tray is None:
            self.tray = QSystemTrayIcon(self.windowIcon(), self)
            self.tray.setToolTip("Một Cửa Desk")
            self.tray.messageClicked.connect(lambda: self.show_tab(self.dashboard))
            self.tray.show()
        self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Warning, 15_000)

    def refresh(self, charts: bool = True) -> None:
        self._follow_lock_setting()
        view = overview(self.ctx)
        self.dashboard.refresh(charts=charts)
        self.commune_label.setText(f"{view.commune_name} · bàn {view.desk} ")
        self.setWindowTitle(window_title(view.commune_name))
        self.status_db.setText(f"CSDL: {view.database}")
        self.status_db.setToolTip(f"CSDL: {view.database}")
        self.status_due.setText(f"Đến hạn hôm nay: {view.counts.due_today}")
        self.status_overdue.setText(f"Quá hạn: {view.counts.overdue}")
        self.status_overdue.setStyleSheet("color: #b00020; font-weight: bold;" if view.counts.overdue else "")
        self.status_updated.setText(f"Cập nhật {view.updated}")
        self.sync_bar.refresh()
        self.auto_backup.refresh_status()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # A notice given while the window was being built: showing the window showed the database label again
        # under it. Given again once the window is up, the label steps aside as it does for any notice.
        QTimer.singleShot(0, self, self._notice_again)

    def _notice_again(self) -> None:
        bar = self.statusBar()
        message = bar.currentMessage()
        if message and self.status_db.isVisible():
            bar.clearMessage()  # the same text again would be ignored
            bar.showMessage(message, 60_000)

    def _open_citizen_data(self) -> None:
        from desk_app.ui.citizen_data_dialog import open_citizen_data  # reportlab: loaded when asked, not at start-up

        open_citizen_data(self, self.ctx, self.output)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.intake.has_input() and not self._confirm(
                self, "Thoát Một Cửa Desk", "Màn hình tiếp nhận còn thông tin chưa lưu. Thoát và bỏ thông tin đó?"):
            event.ignore()
            return
        changes = getattr(self.settings_screen, "changes", None)
        if callable(changes) and changes():
            self.tabs.setCurrentWidget(self.settings_screen)
            if not self._confirm(self, "Thoát Một Cửa Desk",
                                 "Thiết lập đã sửa nhưng chưa lưu (Ctrl+S để lưu). Thoát và bỏ các thay đổi đó?"):
                event.ignore()
                return
        self.scanner.uninstall()
        self.auto_sync.stop()
        self.auto_backup.at_close()  # no good backup today: one now (waited for), before the program ends
        self.sync.cancel()  # a sync under way stops at its next safe point: nothing lost, nothing doubled
        for runner in {id(r): r for r in (self.runner, self.sync.runner)}.values():
            wait = getattr(runner, "wait", None)
            if callable(wait):
                wait(10_000)  # let a save, a print or the sync's last step finish before the process ends
        event.accept()
