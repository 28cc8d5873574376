"""The dashboard's two charts, painted with QPainter (QtCharts is not in PySide6-Essentials).

* :class:`ReceivedChart`: dossiers received per month, one bar a month stacked by channel (trực tiếp, trực tuyến,
  qua bưu chính), with a legend and each month's total above its bar.
* :class:`OnTimeChart`: the share of each month's results that were early or on time, 0–100 %, as a line; a month
  without any result has no point (the line breaks there) rather than a made-up 0 %.

Both take :class:`desk_app.services.dashboard.MonthPoint` lists and judge nothing themselves. Months are labelled as
Vietnamese write them short ("T3/26"); numbers use the Vietnamese separators (1.234; 97,5%). A tooltip gives a
month's figures, and the accessible description the whole series as text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QHelpEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from desk_app.services.dashboard import CHANNEL_KEYS, MonthPoint
from desk_app.services.intake import CHANNELS

CHANNEL_COLOURS: dict[str, str] = {"direct": "#1f4e8c", "online": "#2e8b57", "postal": "#e08a00"}
LINE_COLOUR = "#1f4e8c"
GRID_COLOUR = "#dde2e8"
AXIS_COLOUR = "#6b7785"
TEXT_COLOUR = "#2b3440"
MUTED_COLOUR = "#8a94a0"


def thousands(n: int) -> str:
    """1234567 → "1.234.567" (the Vietnamese thousands separator)."""
    return f"{n:,}".replace(",", ".")


def percent(value: float) -> str:
    """97.53 → "97,5%"; 100.0 → "100%" (the Vietnamese decimal comma)."""
    rounded = round(value, 1)
    if rounded == int(rounded):
        return f"{int(rounded)}%"
    return f"{rounded:.1f}".replace(".", ",") + "%"


def nice_scale(largest: float, ticks: int = 5) -> tuple[float, float]:
    """The top of the axis and the step between grid lines: a round step (1, 2 or 5 × 10^k) giving about ``ticks``
    intervals, the top a multiple of it at or above ``largest``. Nothing to show (0) still gives an axis."""
    if largest <= 0 or not math.isfinite(largest):
        return float(ticks), 1.0
    raw = largest / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(step, 1.0)  # counts are whole numbers: no grid line at 0.5 dossier
    return step * math.ceil(largest / step), step


class _Chart(QWidget):
    """What both charts share: the points, the plot area inside the axes' labels, the month labels, tooltips."""

    EMPTY_TEXT = ""

    def __init__(self, object_name: str, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName(accessible_name)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._points: list[MonthPoint] = []

    @property
    def points(self) -> list[MonthPoint]:
        return list(self._points)

    def set_points(self, points: Sequence[MonthPoint]) -> None:
        self._points = list(points)
        self.setAccessibleDescription(self.summary())
        self.update()

    def summary(self) -> str:  # overridden
        return ""

    def month_tip(self, point: MonthPoint) -> str:  # overridden
        return point.label

    def minimumSizeHint(self) -> QSize:
        return QSize(320, 200)

    def sizeHint(self) -> QSize:
        return QSize(600, 340)

    # -- geometry ------------------------------------------------------------------------------------------------
    def _small_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        return font

    def _plot_rect(self, top_reserved: float, axis_label_width: float) -> QRectF:
        metrics = QFontMetricsF(self._small_font())
        left = axis_label_width + 10
        bottom = metrics.height() + 10
        return QRectF(left, top_reserved, max(0.0, self.width() - left - 12),
                      max(0.0, self.height() - top_reserved - bottom))

    def _slot(self, plot: QRectF) -> float:
        return plot.width() / len(self._points) if self._points else 0.0

    def _month_at(self, x: float, plot: QRectF) -> MonthPoint | None:
        slot = self._slot(plot)
        if slot <= 0 or not plot.left() <= x < plot.right():
            return None
        index = int((x - plot.left()) // slot)
        return self._points[index] if 0 <= index < len(self._points) else None

    def plot_area(self) -> QRectF:
        """The rectangle inside the axes, as last painted (empty before the first paint)."""
        return QRectF()

    def event(self, event: object) -> bool:
        if isinstance(event, QHelpEvent) and event.type() == QHelpEvent.Type.ToolTip:
            point = self._month_at(event.pos().x(), self.plot_area())
            if point is not None:
                QToolTip.showText(event.globalPos(), self.month_tip(point), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    # -- drawing helpers -------------------------------------------------------------------------------------------
    def _begin(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.fillRect(self.rect(), QColor("white"))

    def _grid(self, painter: QPainter, plot: QRectF, top: float, step: float,
              label: Callable[[float], str]) -> None:
        painter.setFont(self._small_font())
        metrics = QFontMetricsF(painter.font())
        value = 0.0
        while value <= top + 1e-9:
            y = plot.bottom() - plot.height() * value / top
            painter.setPen(QPen(QColor(GRID_COLOUR if value else AXIS_COLOUR), 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(QColor(MUTED_COLOUR))
            text = label(value)
            painter.drawText(QRectF(0, y - metrics.height() / 2, plot.left() - 6, metrics.height()),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), text)
            value += step

    def _month_labels(self, painter: QPainter, plot: QRectF) -> None:
        painter.setFont(self._small_font())
        metrics = QFontMetricsF(painter.font())
        slot = self._slot(plot)
        # Every month when they fit, else every other one (a narrow window), the last always.
        widest = max((metrics.horizontalAdvance(p.label) for p in self._points), default=0.0)
        every = 1 if widest + 4 <= slot else 2
        painter.setPen(QColor(TEXT_COLOUR))
        last = len(self._points) - 1
        for i, point in enumerate(self._points):
            if (last - i) % every:
                continue
            x = plot.left() + slot * i
            painter.drawText(QRectF(x - 10, plot.bottom() + 4, slot + 20, metrics.height()),
                             int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop), point.label)

    def _empty(self, painter: QPainter, plot: QRectF) -> None:
        painter.setPen(QColor(MUTED_COLOUR))
        painter.setFont(self.font())
        painter.drawText(plot, int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), self.EMPTY_TEXT)


class ReceivedChart(_Chart):
    """Hồ sơ tiếp nhận theo tháng: stacked bars by channel, a legend, the month's total above each bar."""

    EMPTY_TEXT = "Chưa có hồ sơ nào được tiếp nhận trong các tháng này."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("receivedChart", "Biểu đồ hồ sơ tiếp nhận theo tháng, theo kênh nộp", parent)
        self._plot = QRectF()

    def summary(self) -> str:
        return "; ".join(f"{p.label}: {thousands(p.received)} hồ sơ" for p in self._points)

    def month_tip(self, point: MonthPoint) -> str:
        parts = ", ".join(f"{CHANNELS[k]} {thousands(getattr(point, k))}" for k in CHANNEL_KEYS)
        return f"Tháng {point.month}/{point.year}: {thousands(point.received)} hồ sơ tiếp nhận ({parts})"

    def plot_area(self) -> QRectF:
        return self._plot

    def _legend(self, painter: QPainter) -> float:
        """The legend across the top, right-aligned; returns its height."""
        painter.setFont(self._small_font())
        metrics = QFontMetricsF(painter.font())
        box = metrics.height() * 0.7
        items = [(CHANNELS[k], QColor(CHANNEL_COLOURS[k])) for k in CHANNEL_KEYS]
        width = sum(box + 5 + metrics.horizontalAdvance(name) + 14 for name, _ in items)
        x = max(4.0, self.width() - width - 4)
        y = 4.0
        for name, colour in items:
            painter.fillRect(QRectF(x, y + (metrics.height() - box) / 2, box, box), colour)
            x += box + 5
            painter.setPen(QColor(TEXT_COLOUR))
            painter.drawText(QPointF(x, y + metrics.ascent()), name)
            x += metrics.horizontalAdvance(name) + 14
        return y + metrics.height() + 6

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self._begin(painter)
            legend_height = self._legend(painter)
            largest = max((p.received for p in self._points), default=0)
            top, step = nice_scale(largest)
            metrics = QFontMetricsF(self._small_font())
            axis_width = metrics.horizontalAdvance(thousands(int(top)))
            # Room above the tallest bar for its total.
            plot = self._plot_rect(legend_height + metrics.height() + 2, axis_width)
            self._plot = plot
            if plot.width() < 20 or plot.height() < 20 or not self._points:
                return
            self._grid(painter, plot, top, step, lambda v: thousands(round(v)))
            self._month_labels(painter, plot)
            if largest == 0:
                self._empty(painter, plot)
                return
            slot = self._slot(plot)
            bar = max(2.0, min(slot * 0.62, 56.0))
            painter.setFont(self._small_font())
            for i, point in enumerate(self._points):
                x = plot.left() + slot * i + (slot - bar) / 2
                base = plot.bottom()
                for key in CHANNEL_KEYS:
                    value = getattr(point, key)
                    if not value:
                        continue
                    height = plot.height() * value / top
                    painter.fillRect(QRectF(x, base - height, bar, height), QColor(CHANNEL_COLOURS[key]))
                    base -= height
                painter.setPen(QColor(TEXT_COLOUR if point.received else MUTED_COLOUR))
                painter.drawText(QRectF(x - slot / 2, base - metrics.height() - 2, bar + slot, metrics.height()),
                                 int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom),
                                 thousands(point.received))
        finally:
            painter.end()


class OnTimeChart(_Chart):
    """Tỷ lệ giải quyết đúng hạn theo tháng: a 0–100 % line, a labelled point per month with results."""

    EMPTY_TEXT = "Chưa có hồ sơ nào có kết quả trong các tháng này."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("onTimeChart", "Biểu đồ tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn theo tháng", parent)
        self._plot = QRectF()

    def summary(self) -> str:
        return "; ".join(f"{p.label}: {percent(p.on_time_rate)}" if p.on_time_rate is not None
                         else f"{p.label}: chưa có kết quả" for p in self._points)

    def month_tip(self, point: MonthPoint) -> str:
        if point.on_time_rate is None:
            return f"Tháng {point.month}/{point.year}: chưa có hồ sơ nào có kết quả"
        return (f"Tháng {point.month}/{point.year}: {percent(point.on_time_rate)} — {thousands(point.in_time)} trên "
                f"{thousands(point.resolved)} hồ sơ có kết quả trước hạn hoặc đúng hạn")

    def plot_area(self) -> QRectF:
        return self._plot

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self._begin(painter)
            metrics = QFontMetricsF(self._small_font())
            plot = self._plot_rect(metrics.height() + 10, metrics.horizontalAdvance("100%"))
            self._plot = plot
            if plot.width() < 20 or plot.height() < 20 or not self._points:
                return
            self._grid(painter, plot, 100.0, 20.0, lambda v: f"{int(v)}%")
            self._month_labels(painter, plot)
            slot = self._slot(plot)
            places: list[QPointF | None] = []
            for i, point in enumerate(self._points):
                rate = point.on_time_rate
                places.append(None if rate is None else QPointF(plot.left() + slot * (i + 0.5),
                                                                plot.bottom() - plot.height() * rate / 100.0))
            if all(p is None for p in places):
                self._empty(painter, plot)
                return
            path = QPainterPath()
            pen_down = False
            for place in places:
                if place is None:
                    pen_down = False  # no result that month: the line breaks
                elif pen_down:
                    path.lineTo(place)
                else:
                    path.moveTo(place)
                    pen_down = True
            painter.setPen(QPen(QColor(LINE_COLOUR), 2.2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
            painter.setFont(self._small_font())
            # Labels wider than a month's slot (a narrow window) alternate above and below the line.
            crowded = metrics.horizontalAdvance("99,9%") + 4 > slot
            for i, (point, place) in enumerate(zip(self._points, places, strict=True)):
                if place is None or point.on_time_rate is None:
                    painter.setPen(QColor(MUTED_COLOUR))
                    x = plot.left() + slot * i
                    painter.drawText(QRectF(x, plot.bottom() - metrics.height() - 4, slot, metrics.height()),
                                     int(Qt.AlignmentFlag.AlignHCenter), "–")
                    continue
                painter.setPen(QPen(QColor(LINE_COLOUR), 1.5))
                painter.setBrush(QColor("white"))
                painter.drawEllipse(place, 3.5, 3.5)
                painter.setPen(QColor(TEXT_COLOUR))
                # The value above the point (below it every other month when crowded, or near the top edge).
                above = (not crowded or (len(self._points) - 1 - i) % 2 == 0) and (
                    place.y() - metrics.height() - 5 >= plot.top() - metrics.height())
                y = place.y() - metrics.height() - 5 if above else place.y() + 6
                painter.drawText(QRectF(place.x() - slot / 2 - 6, y, slot + 12, metrics.height()),
                                 int(Qt.AlignmentFlag.AlignHCenter), percent(point.on_time_rate))
        finally:
            painter.end()


__all__ = ["CHANNEL_COLOURS", "OnTimeChart", "ReceivedChart", "nice_scale", "percent", "thousands"]
