"""Render every main screen of the desk to PNG, to look at them as a clerk would (layout, clipping, fonts).

    .venv/bin/python scripts/screenshots.py [OUT_DIR]      # default: ./screenshots (not kept in git)

Runs offscreen on a throw-away demo database (a few hundred sample dossiers plus some made here), at 1280×800.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from desk_app.services.accounts import SignedIn, context_for  # noqa: E402
from desk_app.services.actions import DossierActions  # noqa: E402
from desk_app.services.clock import FixedClock  # noqa: E402
from desk_app.services.demo import generate  # noqa: E402
from desk_app.services.desk import DEMO_SETTINGS, create_demo_accounts, initialise, open_desk  # noqa: E402
from desk_app.services.intake import ReceiveRequest, receive  # noqa: E402
from desk_app.services.print_jobs import dossier_form  # noqa: E402
from desk_app.store.models import VN_TZ  # noqa: E402
from desk_app.ui.worker import ImmediateRunner  # noqa: E402

SIZE = (1280, 800)


def settle(app: QApplication, rounds: int = 5) -> None:
    for _ in range(rounds):
        app.processEvents()


def save(widget: QWidget, out: Path, name: str, app: QApplication) -> None:
    settle(app)
    path = out / f"{name}.png"
    widget.grab().save(str(path))
    print(path)


def main() -> int:
    import datetime as dt

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    folder = Path(tempfile.mkdtemp(prefix="desk-shots-"))
    db = open_desk(folder)
    initialise(db, dict(DEMO_SETTINGS))
    clock = FixedClock(dt.datetime(2026, 3, 2, 15, 20, tzinfo=VN_TZ))

    from desk_app.ui.login import FirstRunDialog, LoginDialog

    first = FirstRunDialog(db, clock)
    first.show()
    save(first, out, "01-first-run", app)
    first.close()
    create_demo_accounts(db)
    login = LoginDialog(db, clock, DEMO_SETTINGS["commune_name"])
    login.show()
    save(login, out, "02-login", app)
    login.close()

    generate(db, 400, seed=3, clock=clock, actor="demo-data")
    clerk = context_for(db, clock, SignedIn("canbo", "Lê Thị Lan", "clerk"))
    bundle = receive(clerk, ReceiveRequest("XA.HT.16", {"name": "Huỳnh Văn Sáu", "id_number": "087084000999",
                                                        "birth_date": "06/05/1984", "sex": "Nam",
                                                        "phone": "0912345678",
                                                        "address": "Ấp Mỹ Thới, xã Mỹ Phong, tỉnh Đồng Tháp"})).code
    actions = DossierActions(clerk)
    actions.transfer(bundle, "Công chức Tư pháp - Hộ tịch", component=1)
    actions.result_ready(bundle, component=1)

    from desk_app.ui.main_window import MainWindow
    from desk_app.ui.printing import PdfPreviewDialog

    class Collect:
        def __init__(self) -> None:
            self.jobs: list[object] = []

        def deliver(self, job: object) -> None:
            self.jobs.append(job)

    output = Collect()
    window = MainWindow(clerk, ImmediateRunner(), output, full_name="Lê Thị Lan", confirm=lambda *_: True)
    window.resize(*SIZE)
    window.show()
    window.intake.picker.field.setText("chung thuc")
    save(window, out, "03-intake-picker", app)
    window.intake.picker.field.clear()
    window.intake.choose_procedure("XA.HT.16")
    for key, value in (("name", "Nguyễn Thị Hồng Nhung"), ("id_number", "0870840"), ("phone", "0912 345 678"),
                       ("address", "Số 12, ấp Mỹ Thới, xã Mỹ Phong, tỉnh Đồng Tháp")):
        window.intake.inputs[key].setText(value)  # type: ignore[union-attr]
    window.intake._check_fields(final=True)
    save(window, out, "04-intake-bundle", app)
    window.intake.clear()
    window.intake.choose_procedure("XA.CT.01")
    window.intake.inputs["name"].setText("Trần Văn Bảy")  # type: ignore[union-attr]
    window.intake.save_and_print()
    save(window, out, "05-intake-saved", app)

    window.show_tab(window.ledger)
    save(window, out, "06-ledger", app)
    window.ledger.apply_preset("overdue")
    save(window, out, "07-ledger-overdue", app)
    window.show_tab(window.overview_panel)
    save(window, out, "08-overview", app)

    window.open_dossier(bundle)
    detail = window.open_details[-1]
    detail.resize(*SIZE)
    save(detail, out, "09-detail-bundle", app)
    detail.close()

    preview = PdfPreviewDialog(dossier_form(clerk, bundle, "slip"), ImmediateRunner())
    preview.resize(*SIZE)
    preview.show()
    save(preview, out, "10-slip-preview", app)
    preview.close()
    window.show_fee_list()
    fee_dialog = window.findChild(QWidget, "feeListDialog")
    if fee_dialog is not None:
        save(fee_dialog, out, "11-fee-list", app)
        fee_dialog.close()
    window.show_sync()  # no upper-level server set on the demo commune: the dialog says what to set
    if window.sync_dialog is not None:
        save(window.sync_dialog, out, "12-sync-not-configured", app)
        window.sync_dialog.close()
    window.close()

    admin = context_for(db, clock, SignedIn("quantri", "Nguyễn Văn Quản", "admin"))
    admin_window = MainWindow(admin, ImmediateRunner(), output, full_name="Nguyễn Văn Quản", confirm=lambda *_: True)
    admin_window.resize(*SIZE)
    admin_window.show()
    admin_window.show_tab(admin_window.settings_screen)
    save(admin_window, out, "13-settings", app)
    admin_window.show_tab(admin_window.users_panel)
    save(admin_window, out, "14-users", app)
    admin_window.close()
    db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
