"""The desk's main window, for now an overview: the commune, the database in use, today's counts.

The intake screen, the ledger and the lifecycle actions replace its centre with the GUI issue; the overview's
figures come from the services, never from the database directly.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QMainWindow, QPushButton, QVBoxLayout, QWidget

from desk_app.services.overview import Overview

REFRESH_MS = 60_000


class CountTile(QFrame):
    def __init__(self, title: str, object_name: str) -> None:
        super().__init__()
        self.setObjectName(object_name)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        self.value = QLabel("–")
        self.value.setObjectName(f"{object_name}_value")
        font = QFont()
        font.setPointSize(28)
        font.setBold(True)
        self.value.setFont(font)
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        caption = QLabel(title)
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        caption.setWordWrap(True)
        layout.addWidget(self.value)
        layout.addWidget(caption)

    def set_count(self, count: int, *, alarming: bool = False) -> None:
        self.value.setText(str(count))
        self.value.setStyleSheet("color: #b00020;" if alarming and count else "")


class MainWindow(QMainWindow):
    def __init__(self, load_overview: Callable[[], Overview]) -> None:
        super().__init__()
        self._load = load_overview
        self.setWindowTitle("Một Cửa Desk")
        self.resize(720, 420)
        central = QWidget()
        layout = QVBoxLayout(central)

        self.commune = QLabel()
        self.commune.setObjectName("commune")
        title_font = QFont()
        title_font.setPointSize(18)
        title_font.setBold(True)
        self.commune.setFont(title_font)
        self.details = QLabel()
        self.details.setObjectName("details")
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.today = QLabel()
        self.today.setObjectName("today")

        tiles = QGridLayout()
        self.received = CountTile("Hồ sơ tiếp nhận hôm nay", "received_today")
        self.due = CountTile("Hồ sơ đến hạn trả hôm nay", "due_today")
        self.overdue = CountTile("Hồ sơ đã quá hạn", "overdue")
        for column, tile in enumerate((self.received, self.due, self.overdue)):
            tiles.addWidget(tile, 0, column)

        refresh_action = QAction("Làm mới", self)
        refresh_action.setShortcut(QKeySequence("F5"))
        refresh_action.triggered.connect(self.refresh)
        self.addAction(refresh_action)
        refresh = QPushButton("Làm mới (F5)")
        refresh.setObjectName("refresh")
        refresh.clicked.connect(self.refresh)

        layout.addWidget(self.commune)
        layout.addWidget(self.details)
        layout.addWidget(self.today)
        layout.addLayout(tiles)
        layout.addStretch(1)
        layout.addWidget(refresh, alignment=Qt.AlignmentFlag.AlignRight)
        self.setCentralWidget(central)

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def refresh(self) -> None:
        view = self._load()
        self.commune.setText(view.commune_name)
        self.details.setText(
            f"Mã cơ quan {view.agency_code} · Bàn tiếp nhận số {view.desk} · Cấp trên: {view.upper_level_name}\n"
            f"Cơ sở dữ liệu: {view.database}"
        )
        self.today.setText(f"Hôm nay {view.today}")
        self.received.set_count(view.counts.received_today)
        self.due.set_count(view.counts.due_today)
        self.overdue.set_count(view.counts.overdue, alarming=True)
        self.statusBar().showMessage(f"Số liệu cập nhật lúc {view.updated}")
