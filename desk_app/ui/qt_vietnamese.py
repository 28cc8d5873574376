"""Qt's own words in Vietnamese: the right-click menu of every text field, the spin boxes' menu, the standard dialog
buttons, "Xem chi tiết…" of a message box.

Qt ships no Vietnamese translation (PySide6 carries qtbase_*.qm for some thirty languages, not vi), and the desk's
own texts are all Vietnamese already; so the few Qt strings a clerk can meet are translated here, by a translator
that looks them up in a table (no .qm file to build or ship). The keys are Qt's (context, source text), as in
Qt's own translation files; a string not in the table stays as Qt wrote it.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTranslator

_EDITING = {
    "&Undo": "&Hoàn tác",
    "&Redo": "&Làm lại",
    "Cu&t": "&Cắt",
    "&Copy": "&Sao chép",
    "&Paste": "&Dán",
    "Delete": "Xóa",
    "Select All": "Chọn tất cả",
}

TRANSLATIONS: dict[tuple[str, str], str] = {
    **{("QLineEdit", source): text for source, text in _EDITING.items()},
    **{("QWidgetTextControl", source): text for source, text in _EDITING.items()},
    ("QWidgetTextControl", "Copy &Link Location"): "Sao chép địa chỉ &liên kết",
    ("QAbstractSpinBox", "&Select All"): "Chọn &tất cả",
    ("QAbstractSpinBox", "&Step up"): "&Tăng",
    ("QAbstractSpinBox", "Step &down"): "&Giảm",
    ("QPlatformTheme", "OK"): "Đồng ý",
    ("QPlatformTheme", "Cancel"): "Hủy",
    ("QPlatformTheme", "&Yes"): "&Có",
    ("QPlatformTheme", "&No"): "&Không",
    ("QPlatformTheme", "Yes to &All"): "Có với &tất cả",
    ("QPlatformTheme", "N&o to All"): "Không với tấ&t cả",
    ("QPlatformTheme", "Close"): "Đóng",
    ("QPlatformTheme", "Save"): "Lưu",
    ("QPlatformTheme", "Save All"): "Lưu tất cả",
    ("QPlatformTheme", "Open"): "Mở",
    ("QPlatformTheme", "Apply"): "Áp dụng",
    ("QPlatformTheme", "Reset"): "Đặt lại",
    ("QPlatformTheme", "Restore Defaults"): "Khôi phục mặc định",
    ("QPlatformTheme", "Help"): "Trợ giúp",
    ("QPlatformTheme", "Discard"): "Không lưu",
    ("QPlatformTheme", "Abort"): "Hủy bỏ",
    ("QPlatformTheme", "Retry"): "Thử lại",
    ("QPlatformTheme", "Ignore"): "Bỏ qua",
    ("QDialogButtonBox", "OK"): "Đồng ý",
    ("QMessageBox", "Show Details..."): "Xem chi tiết…",
    ("QMessageBox", "Hide Details..."): "Ẩn chi tiết…",
}


class VietnameseQt(QTranslator):
    def translate(self, context: str, source_text: str, disambiguation: str | None = None,  # type: ignore[override]
                  n: int = -1) -> str:
        return TRANSLATIONS.get((context, source_text), "")  # "": none here, Qt keeps its own text

    def isEmpty(self) -> bool:
        return False

    def language(self) -> str:
        return "vi"


def install_vietnamese(app: QCoreApplication) -> VietnameseQt:
    """Installed once at start-up; the translator is the application's child, so it lives as long as it does."""
    translator = VietnameseQt(app)
    app.installTranslator(translator)
    return translator
