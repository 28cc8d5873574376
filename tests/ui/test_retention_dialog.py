"""The administrator's retention dialog: the plan per field, one confirmation, the archive written and checked, the
personal data cleared; a clerk never gets the dialog's data."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QPushButton, QTableWidget

from desk_app.services.accounts import PermissionDenied
from desk_app.services.actions import DossierActions
from desk_app.services.retention import due_for_archive
from desk_app.ui.retention_dialog import RetentionDialog
from desk_app.ui.worker import ImmediateRunner
from tests.services._support import DUC, dossier, execute, receive_one, set_settings


@pytest.fixture
def closed_long_ago(desk, admin_desk, clock):
    """One certification closed, acknowledged by the upper level, two years ago; a civil-status one kept for ever."""
    codes = [receive_one(desk, "XA.CT.01", DUC).code, receive_one(desk, "XA.HT.01", DUC).code]
    for code in codes:
        DossierActions(desk).result_ready(code)
        DossierActions(desk).return_result(code)
    execute(desk.db, "UPDATE dossier_events SET sync_state = 'acknowledged'")
    set_settings(desk.db, personal_data_retention="CT=1")
    clock.advance(days=800)
    return codes


def test_the_administrator_archives_what_is_due_after_one_confirmation(qtbot, admin_desk, closed_long_ago,
                                                                       tmp_path):
    asked: list[str] = []
    dialog = RetentionDialog(admin_desk, ImmediateRunner(), confirm=lambda _w, _t, text: asked.append(text) or True)
    qtbot.addWidget(dialog)
    table = dialog.findChild(QTableWidget, "retentionPlan")
    assert table.rowCount() == 1 and "(CT)" in table.item(0, 0).text() and table.item(0, 3).text() == "1"
    assert "1 hồ sơ đã hết thời hạn" in dialog.findChild(QLabel, "retentionSummary").text()
    target = tmp_path / "luu-tru.zip"
    dialog.path.setText(str(target))
    dialog.findChild(QPushButton, "retentionArchive").click()

    assert len(asked) == 1 and str(target) in asked[0]
    assert target.is_file()
    ct, ht = closed_long_ago
    assert dossier(admin_desk.db, ct)["id_number"] is None and dossier(admin_desk.db, ct)["phone"] is None
    assert dossier(admin_desk.db, ht)["id_number"] == DUC["id_number"]  # hộ tịch: kept for ever
    assert str(target) in dialog.message.text()
    assert not dialog.findChild(QPushButton, "retentionArchive").isEnabled()  # nothing more is due
    dialog.path.setText(str(target))
    dialog.findChild(QPushButton, "retentionCheck").click()
    assert dialog.message.text().startswith("Tệp lưu trữ đúng: 1 hồ sơ")


def test_saying_no_archives_nothing(qtbot, admin_desk, closed_long_ago, tmp_path):
    dialog = RetentionDialog(admin_desk, ImmediateRunner(), confirm=lambda *_: False)
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "a.zip"))
    dialog.findChild(QPushButton, "retentionArchive").click()
    assert not (tmp_path / "a.zip").exists()
    assert dossier(admin_desk.db, closed_long_ago[0])["id_number"] == DUC["id_number"]
    assert due_for_archive(admin_desk).due == 1


def test_a_clerk_is_refused_by_the_service_and_the_dialog_says_so(qtbot, desk, closed_long_ago):
    with pytest.raises(PermissionDenied):
        due_for_archive(desk)
    dialog = RetentionDialog(desk, ImmediateRunner(), confirm=lambda *_: True)
    qtbot.addWidget(dialog)
    assert not dialog.findChild(QPushButton, "retentionArchive").isEnabled()
    assert "Quản trị viên" in dialog.message.text() or "quản trị" in dialog.message.text().lower()
