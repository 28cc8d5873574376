"""Qt's own words (a text field's right-click menu, the standard dialog buttons) read in Vietnamese."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QPlainTextEdit

from desk_app.ui.qt_vietnamese import TRANSLATIONS, VietnameseQt, install_vietnamese


@pytest.fixture
def vietnamese(qapp: QApplication) -> Iterator[VietnameseQt]:
    translator = install_vietnamese(qapp)
    yield translator
    qapp.removeTranslator(translator)


def menu_texts(widget: QLineEdit | QPlainTextEdit) -> list[str]:
    menu = widget.createStandardContextMenu()
    texts = [action.text().split("\t")[0] for action in menu.actions() if not action.isSeparator()]
    menu.deleteLater()
    return texts


def test_a_text_fields_right_click_menu_is_vietnamese(vietnamese: VietnameseQt) -> None:
    expected = ["&Hoàn tác", "&Làm lại", "&Cắt", "&Sao chép", "&Dán", "Xóa", "Chọn tất cả"]
    assert menu_texts(QLineEdit()) == expected
    assert menu_texts(QPlainTextEdit()) == expected


def test_a_spin_boxs_menu_is_vietnamese(vietnamese: VietnameseQt, qapp: QApplication) -> None:
    assert qapp.translate("QAbstractSpinBox", "&Step up") == "&Tăng"
    assert qapp.translate("QAbstractSpinBox", "Step &down") == "&Giảm"


@pytest.mark.parametrize(("button", "text"), [
    (QMessageBox.StandardButton.Yes, "&Có"),
    (QMessageBox.StandardButton.No, "&Không"),
    (QMessageBox.StandardButton.Cancel, "Hủy"),
    (QMessageBox.StandardButton.Close, "Đóng"),
    (QMessageBox.StandardButton.Save, "Lưu"),
])
def test_standard_buttons_read_in_vietnamese(vietnamese: VietnameseQt, button: QMessageBox.StandardButton,
                                             text: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Question, "Câu hỏi", "Tiếp tục?", button)
    shown = box.button(button)
    assert shown is not None and shown.text() == text
    box.deleteLater()


def test_without_it_qt_speaks_english(qapp: QApplication) -> None:
    assert menu_texts(QLineEdit())[0].replace("&", "") == "Undo"  # what the table is there for


def test_every_translation_is_nfc_and_keeps_one_mnemonic_at_most() -> None:
    for (context, source), text in TRANSLATIONS.items():
        assert unicodedata.normalize("NFC", text) == text, (context, source)
        assert text.count("&") == source.count("&"), (context, source)
