"""The server's HTML pages (Vietnamese, server-rendered, no script): every value escaped with ``html.escape``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from district_hub.clock import shown, shown_date
from district_hub.overview import CommuneFigures, PublicStatus

CSS = """
body{font-family:system-ui,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#1d2733;background:#f5f7fa}
header{background:#8b1a1a;color:#fff;padding:.7rem 1.2rem}header a{color:#fff;margin-right:1.2rem}
header strong{margin-right:2rem}main{padding:1.2rem;max-width:72rem}
table{border-collapse:collapse;background:#fff;width:100%}th,td{border:1px solid #c9d1db;padding:.35rem .55rem}
th{background:#e8edf3;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:bold;background:#f0f3f7}
form{background:#fff;border:1px solid #c9d1db;padding:1rem;max-width:36rem}
label{display:block;margin:.6rem 0 .2rem}input[type=text],textarea{width:100%;box-sizing:border-box;padding:.35rem}
button{margin-top:.8rem;padding:.4rem 1.2rem}.ok{color:#11632a;background:#e6f4ea;padding:.6rem}
.err{color:#8b1a1a;background:#fbe9e9;padding:.6rem}.late{color:#8b1a1a;font-weight:bold}
dl{background:#fff;border:1px solid #c9d1db;padding:1rem;max-width:36rem}dt{font-weight:bold}dd{margin:0 0 .6rem}
"""


def layout(title: str, body: str, *, officer: bool = False) -> str:
    nav = ('<a href="/">Tổng quan</a><a href="/quyet-dinh">Quyết định của cấp trên</a>' if officer else "")
    return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
            f"<header><strong>Máy chủ cấp trên — Một Cửa</strong>{nav}"
            f'<a href="/tra-cuu">Tra cứu hồ sơ</a></header><main><h1>{escape(title)}</h1>{body}</main></body></html>')


def _cell(value: int, css: str = "n") -> str:
    return f'<td class="{css}">{value}</td>'


def overview_page(rows: Sequence[CommuneFigures], today: dt.date) -> str:
    head = ("<tr><th rowspan=2>Mã cơ quan</th><th rowspan=2>Xã</th><th rowspan=2>Tiếp nhận</th>"
            "<th colspan=3>Đã giải quyết</th><th rowspan=2>Đang giải quyết</th><th rowspan=2>Trong đó quá hạn</th>"
            "<th rowspan=2>Từ chối, rút, dừng</th><th rowspan=2>Đồng bộ lần cuối</th></tr>"
            "<tr><th>Trước hạn</th><th>Đúng hạn</th><th>Quá hạn</th></tr>")
    body = []
    totals = [0] * 7
    for r in rows:
        numbers = [r.received, r.early, r.on_time, r.late, r.pending, r.overdue, r.ended_otherwise]
        totals = [t + n for t, n in zip(totals, numbers, strict=True)]
        cells = "".join(_cell(n, "n late" if i == 5 and n else "n") for i, n in enumerate(numbers))
        body.append(f"<tr><td>{escape(r.code)}</td><td>{escape(r.name)}</td>{cells}"
                    f"<td>{escape(shown(r.last_sync_at)) or 'chưa đồng bộ'}</td></tr>")
    if rows:
        body.append('<tr class="total"><td colspan=2>Tổng cộng</td>' + "".join(_cell(n) for n in totals)
                    + "<td></td></tr>")
    else:
        body.append('<tr><td colspan=10>Chưa có xã nào. Thêm xã bằng lệnh district-hub add-commune.</td></tr>')
    note = (f"<p>Số liệu đến ngày {today:%d/%m/%Y}. Trước hạn, đúng hạn, quá hạn so với thời hạn giải quyết theo "
            "quy định (ngày hẹn trả ban đầu); hồ sơ chờ công dân bổ sung không tính quá hạn.</p>")
    return layout("Tổng quan các xã", f"{note}<table>{head}{''.join(body)}</table>", officer=True)


def decision_page(csrf: str, *, message: str = "", error: str = "", code: str = "", kind: str = "result",
                  items: str = "", reason: str = "") -> str:
    notice = (f'<p class="ok">{escape(message)}</p>' if message else "") + (
        f'<p class="err">{escape(error)}</p>' if error else "")
    checked = {k: " checked" if kind == k else "" for k in ("result", "supplement")}
    form = (
        '<form method="post" action="/quyet-dinh">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        '<label for="ma">Mã hồ sơ</label>'
        f'<input type="text" id="ma" name="ma" value="{escape(code)}" placeholder="000.31.22.H20-260302-0001" '
        'required>'
        "<fieldset><legend>Quyết định</legend>"
        f'<label><input type="radio" name="loai" value="result"{checked["result"]}> Đã có kết quả giải quyết'
        "</label>"
        f'<label><input type="radio" name="loai" value="supplement"{checked["supplement"]}> Yêu cầu bổ sung hồ sơ'
        "</label></fieldset>"
        '<label for="giay_to">Giấy tờ phải bổ sung (mỗi dòng một giấy tờ; chỉ khi yêu cầu bổ sung)</label>'
        f'<textarea id="giay_to" name="giay_to" rows="4">{escape(items)}</textarea>'
        '<label for="ly_do">Lý do yêu cầu bổ sung</label>'
        f'<input type="text" id="ly_do" name="ly_do" value="{escape(reason)}">'
        "<button type=submit>Ghi quyết định</button></form>"
    )
    intro = ("<p>Chỉ ghi được cho hồ sơ xã đã chuyển lên cấp trên. Quyết định được gửi về xã ở lần đồng bộ tới.</p>")
    return layout("Quyết định của cấp trên", notice + intro + form, officer=True)


def lookup_page(*, code: str = "", key: str = "", asked: bool = False, found: PublicStatus | None = None) -> str:
    parts = []
    if asked and found is None:
        parts.append('<p class="err">Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu này. Kiểm tra lại hai mã in '
                     "trên giấy tiếp nhận và hẹn trả kết quả; hồ sơ mới nhận có thể chưa được xã đồng bộ lên.</p>")
    if found is not None:
        parts.append(
            f"<dl><dt>Mã hồ sơ</dt><dd>{escape(found.code)}</dd>"
            f"<dt>Trạng thái</dt><dd>{escape(found.status)}</dd>"
            f"<dt>Ngày tiếp nhận</dt><dd>{escape(shown(found.received_at))}</dd>"
            f"<dt>Ngày hẹn trả kết quả</dt><dd>{escape(shown(found.due_at))}</dd>"
            f"<dt>Ngày có kết quả</dt><dd>{escape(shown_date(found.result_ready_at)) or 'chưa có'}</dd>"
            f"<dt>Ngày trả kết quả</dt><dd>{escape(shown_date(found.returned_at)) or 'chưa trả'}</dd></dl>")
    parts.append(
        '<form method="get" action="/tra-cuu">'
        '<label for="ma">Mã hồ sơ</label>'
        f'<input type="text" id="ma" name="ma" value="{escape(code)}" placeholder="000.31.22.H20-260302-0001">'
        '<label for="khoa">Mã tra cứu (in trên giấy hẹn)</label>'
        f'<input type="text" id="khoa" name="khoa" value="{escape(key)}" autocomplete="off">'
        "<button type=submit>Tra cứu</button></form>")
    return layout("Tra cứu tình trạng hồ sơ", "".join(parts))


def login_required_page() -> str:
    return layout("Cần đăng nhập", "<p>Trang này dành cho cán bộ cấp trên. Khi trình duyệt hỏi, ghi mã bí mật của "
                                   "cán bộ (district-hub add-officer cấp) vào ô mật khẩu. Chỉ mã bí mật được kiểm "
                                   "tra: nó cho biết cán bộ nào đăng nhập; ô tên đăng nhập ghi gì cũng được (nên "
                                   "ghi tên mình).</p>")
