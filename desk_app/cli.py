"""``desk-app``: the GUI by default, and sub-commands for administration, scripting and acceptance checks.

Exit codes: 0 done; 2 refused (invalid input, unknown code, a transition the lifecycle forbids), with a Vietnamese
message on stderr naming the field, nothing written; 1 an internal fault (details in the log, never personal data).
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from desk_app import __version__
from desk_app.config import default_data_dir
from desk_app.domain.errors import DomainError, ValidationError

log = logging.getLogger("desk_app.cli")

EXIT_OK, EXIT_FAULT, EXIT_REFUSED = 0, 1, 2


class CliRefusal(DomainError):
    """A refusal raised by the command line itself (a malformed argument)."""


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def parse_moment(text: str, field: str) -> dt.datetime:
    """``YYYY-MM-DD HH:MM`` (Vietnamese local time)."""
    from desk_app.services.clock import local

    for layout in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            return local(dt.datetime.strptime(text.strip(), layout))
        except ValueError:
            continue
    raise ValidationError(f"Không đọc được thời điểm '{text}'. Viết theo dạng YYYY-MM-DD HH:MM, ví dụ 2026-03-02 "
                          "14:30.", field=field)


def parse_day_or_moment(text: str, field: str) -> dt.date | dt.datetime:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return parse_moment(text, field)


def _fmt(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


# -- the parser ---------------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,
                        help="folder of the desk database (default: $DESK_APP_DATA_DIR or the user's data folder)")
    parser = argparse.ArgumentParser(prog="desk-app", parents=[common],
                                     description="Một Cửa Desk — phần mềm Bộ phận Tiếp nhận và Trả kết quả cấp xã.")
    parser.add_argument("--version", action="version", version=f"desk-app {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], help=help_text, description=help_text)

    gui = add("gui", "open the desk window (the default)")
    gui.add_argument("--exit-after-startup", action="store_true",
                     help="build the main window, process events, print the elapsed milliseconds and exit")

    init = add("init", "create or upgrade the database, load the catalog and holidays (idempotent)")
    for option, key in INIT_OPTIONS.items():
        init.add_argument(option, dest=key, metavar=key.upper())
    init.add_argument("--demo", action="store_true", help="fill settings never set with the demo commune's")
    init.epilog = "--ledger-start N numbers this year's book from N (a desk that starts mid-year); N/YYYY names the year."

    settings = add("settings", "show or change settings")
    settings_sub = settings.add_subparsers(dest="settings_command", metavar="show|set", required=True)
    show_settings = settings_sub.add_parser("show", parents=[common], help="all settings with their values")
    show_settings.add_argument("--json", action="store_true")
    set_setting = settings_sub.add_parser("set", parents=[common], help="change one setting")
    set_setting.add_argument("key")
    set_setting.add_argument("value")

    procedures = add("procedures", "list the procedure catalog")
    procedures.add_argument("--search", default="", help="accent-insensitive words of the name, code or field")
    procedures.add_argument("--json", action="store_true")

    holidays = add("holidays", "the year's days off and make-up working days")
    holidays.add_argument("year", type=int)
    holidays.add_argument("--json", action="store_true")

    imported = add("import-holidays", "enter an official yearly schedule (JSON like database/catalog/holidays.json)")
    imported.add_argument("file", type=Path)

    due = add("due", "the appointment for a procedure (or a rule) received at a moment")
    due.add_argument("args", nargs="+", metavar="PROCEDURE_CODE \"YYYY-MM-DD HH:MM\"")
    due.add_argument("--rule", help="same_day | N working_days | N working_hours | N days | N months")
    due.add_argument("--explain", action="store_true", help="also print how the date was reached")

    receive = add("receive", "record a dossier from JSON; prints its code as the last line")
    receive.add_argument("--json", dest="json_file", required=True, metavar="FILE|-")

    act = add("act", "apply a lifecycle action to a dossier")
    act.add_argument("code")
    act.add_argument("action", choices=sorted(ACTIONS))
    act.add_argument("--at", help="when it happened, YYYY-MM-DD HH:MM (default: now)")
    act.add_argument("--to", help="officer or body receiving the dossier, or 'upper' for the upper level")
    act.add_argument("--reason")
    act.add_argument("--items", help="documents to supplement, separated by ';'")
    act.add_argument("--component", type=int, help="component number of a bundle (1, 2, ...)")
    act.add_argument("--new-due", help="new appointment, YYYY-MM-DD[ HH:MM]")
    act.add_argument("--rating", type=int, choices=[1, 2, 3], help="3 Rất hài lòng, 2 Hài lòng, 1 Không hài lòng")
    act.add_argument("--field", help="field to correct (name, id_number, birth_date, sex, phone, email, address, "
                                     "return_address)")
    act.add_argument("--value", help="corrected value")

    printing = add("print", "a dossier's printed form as PDF")
    printing.add_argument("code")
    printing.add_argument("--form", choices=["slip", "supplement", "refusal", "apology", "stop", "control"],
                          default="slip", help="slip (Mẫu 01), supplement (02), refusal (03), apology (04), "
                                               "stop (2025: 05), control (05; 2025: 06)")
    printing.add_argument("--paper", choices=["A5", "A4", "80mm"], help="default: the paper_size setting")
    printing.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")

    ledger = add("ledger", "the ledger (Sổ theo dõi hồ sơ) of a date range as PDF, A4 landscape")
    ledger.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    ledger.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    ledger.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")

    report = add("report", "the statistics report (Biểu số 06/VPCP/KSTT) for a period, both end dates included")
    report.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    report.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    report.add_argument("--json", action="store_true", help="print the figures as JSON")
    report.add_argument("--against", choices=["original", "rescheduled"],
                        help="judge timeliness against the original due date (default: the report_against setting)")
    report.add_argument("--out", type=Path, metavar="FILE.pdf|FILE.xlsx", help="also write the PDF or the workbook")

    handover = add("handover", "the day's hand-over list to one resolving body as PDF")
    handover.add_argument("--to", dest="receiver", required=True, metavar="BODY")
    handover.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    handover.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")

    show = add("show", "one dossier with its history")
    show.add_argument("code")
    show.add_argument("--json", action="store_true")

    find = add("find", "search by code, ID number, phone or accent-insensitive name/address words")
    find.add_argument("text")
    find.add_argument("--json", action="store_true")

    stats = add("stats", "counts of dossiers and events, events by sync state")
    stats.add_argument("--json", action="store_true")

    add("verify", "check the database, the event hash chains and the projection")
    add("accept-clock", "declare the last recorded time wrong (the PC clock had been set ahead) so work can resume")

    sync = add("sync", "send this desk's events to the upper level and take in its decisions and publications")
    sync.add_argument("--hub", metavar="URL", help="the upper level's server (default: the upper_level_url setting)")
    sync.add_argument("--token", metavar="T", help="the commune's secret token (default: the upper_level_token "
                                                   "setting); never printed")
    sync.epilog = "Exit codes: 0 everything went through; 2 not configured or refused (e.g. a wrong token); 3 the "
    sync.epilog += "server could not be reached (nothing lost); 4 events were set aside (reasons printed)."

    national = add("export-national", "write the period's dossiers as the national one-stop exchange JSON "
                                      "(DOMAIN.md §7), for provinces that take a file")
    national.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    national.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    national.add_argument("--out", type=Path, required=True, metavar="FILE.json")
    national.add_argument("--include-id-numbers", action="store_true",
                          help="also write each applicant's ID number (SoGiayToChuHoSo); a leader's decision, audited")

    citizen = add("citizen-data", "everything the desk holds on one citizen (Decree 13/2023 right of access) as PDF")
    citizen.add_argument("id_number", metavar="ID", help="the citizen's full ID number (CCCD 12 digits, CMND 9)")
    citizen.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")

    demo = add("demo-data", "add realistic synthetic dossiers (local records) across years and procedures")
    demo.add_argument("--dossiers", type=int, required=True)
    demo.add_argument("--seed", type=int, default=1)

    from desk_app.cli_backup import add_parsers as add_backup_parsers

    add_backup_parsers(add)  # backup, restore
    from desk_app.cli_retention import add_parsers as add_retention_parsers

    add_retention_parsers(add)  # retention, archive, verify-archive
    return parser


INIT_OPTIONS = {
    "--commune-name": "commune_name",
    "--agency-code": "agency_code",
    "--hotline": "hotline",
    "--upper-level-name": "upper_level_name",
    "--desk": "desk",
    "--ledger-start": "ledger_start",
}


# -- commands ---------------------------------------------------------------------------------------------------
class Runner:
    """Holds the opened desk for the commands that need one."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._db: Any = None

    @property
    def db(self) -> Any:
        if self._db is None:
            from desk_app.services.desk import open_desk

            self._db = open_desk(self.data_dir)
        return self._db

    def context(self) -> Any:
        from desk_app.services.clock import SystemClock
        from desk_app.services.context import ServiceContext

        return ServiceContext(self.db, SystemClock(), f"cli:{getpass.getuser()}")


def cmd_gui(args: argparse.Namespace, runner: Runner) -> int:
    started = time.perf_counter()
    from desk_app.store.desk_lock import DeskLock
    from desk_app.ui.app import run_gui

    with DeskLock(runner.data_dir, "gui"):  # one window per data folder; a restore waits for it to close
        return run_gui(runner.db, exit_after_startup=args.exit_after_startup, started=started)


def cmd_init(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.services.desk import initialise

    overrides = {key: getattr(args, key) for key in INIT_OPTIONS.values() if getattr(args, key) is not None}
    if overrides.get("ledger_start", "").strip().isdigit():  # a book opened now: the start is for this year
        from desk_app.services.clock import SystemClock

        overrides["ledger_start"] = f"{overrides['ledger_start'].strip()}/{SystemClock().now().year}"
    report = initialise(runner.db, overrides, demo=args.demo)
    print(f"Cơ sở dữ liệu: {report.database}")
    if report.migration_backup:
        print(f"Đã sao lưu trước khi nâng cấp: {report.migration_backup}")
    print(f"Danh mục thủ tục: {report.procedures} thủ tục; lịch nghỉ chính thức: {report.holiday_years} năm")
    print(f"Đơn vị: {report.settings['commune_name']} ({report.settings['agency_code']}), bàn số "
          f"{report.settings['desk']}; cấp trên: {report.settings['upper_level_name']}")
    if args.demo:
        from desk_app.services.desk import create_demo_accounts

        created = create_demo_accounts(runner.db)
        if created:
            print("Tài khoản dùng thử (chỉ cho bản demo; đổi hoặc khóa trước khi dùng thật):")
            for username, role, password in created:
                print(f"  {username:8} mật khẩu {password:14} ({role})")
    return EXIT_OK


def cmd_settings(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.services.settings import SPECS, SettingsService, shown

    if args.settings_command == "set":
        from desk_app.services.settings_admin import save_settings

        save_settings(runner.context(), {args.key: args.value})  # validated, audited
        with runner.db.session() as session:
            value = SettingsService(session).get(args.key)
        print(f"{args.key} = {shown(args.key, value)}")
        return EXIT_OK
    with runner.db.session() as session:
        values = {key: shown(key, value) for key, value in SettingsService(session).all().items()}
    if args.json:
        _print_json(values)
    else:
        for spec in SPECS:
            print(f"{spec.key:24} {values[spec.key]!s:32} # {spec.label}")
    return EXIT_OK


def cmd_procedures(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.services.catalog import procedure_as_dict, search_procedures

    with runner.db.session() as session:
        items = [procedure_as_dict(p) for p in search_procedures(session, args.search)]
    if args.json:
        _print_json(items)
    else:
        for item in items:
            fee = f"{item['fee']:,} đ".replace(",", ".") if item["fee"] else "miễn phí"
            print(f"{item['code']:12} {item['name']} — {item['field']}; {item['time_limit']}; {fee}")
        print(f"({len(items)} thủ tục)", file=sys.stderr)
    return EXIT_OK


def cmd_holidays(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.services.rules import load_rules

    if not 1901 <= args.year <= 2100:
        raise ValidationError("Năm phải từ 1901 đến 2100 (khoảng lịch âm được tính).", field="year")
    with runner.db.session() as session:
        calendar = load_rules(session).calendar
    days = calendar.non_working_days(args.year) + calendar.makeup_days(args.year)
    days.sort(key=lambda d: d.date)
    if args.json:
        _print_json([{"date": d.date.isoformat(), "name": d.name, "kind": d.kind.value} for d in days])
    else:
        weekday = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]
        for d in days:
            print(f"{d.date:%d/%m/%Y} {weekday[d.date.weekday()]:9} {d.kind.value:15} {d.name}")
    return EXIT_OK


def cmd_import_holidays(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.services.catalog import import_holidays

    with runner.db.write_session() as session, session.begin():
        years = import_holidays(session, args.file)
    print(f"Đã nhập lịch nghỉ chính thức năm {', '.join(map(str, years))}; "
          "cập nhật danh mục sau này không ghi đè các năm này.")
    return EXIT_OK


def cmd_due(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.domain.deadlines import TimeLimit
    from desk_app.services.catalog import get_procedure, time_limit_of
    from desk_app.services.rules import load_rules

    expected = 1 if args.rule else 2
    if len(args.args) != expected:
        raise CliRefusal("Cách dùng: desk-app due MÃ_THỦ_TỤC \"YYYY-MM-DD HH:MM\" hoặc desk-app due --rule "
                         "\"5 working_days\" \"YYYY-MM-DD HH:MM\".", field="args")
    moment = parse_moment(args.args[-1], "received_at")
    with runner.db.session() as session:
        limit = TimeLimit.parse(args.rule) if args.rule else time_limit_of(get_procedure(session, args.args[0]))
        result = load_rules(session).appointment(limit, moment)
    print(_fmt(result.due_at))
    if args.explain:
        print(result.explanation)
    return EXIT_OK


def _read_json(source: str) -> Any:
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
        raw = data.decode("utf-8-sig")  # Notepad's byte-order mark is welcome
    except OSError as error:
        raise CliRefusal(f"Không đọc được tệp '{source}': {error.strerror}.", field="json") from None
    except UnicodeDecodeError:
        raise CliRefusal("Tệp JSON phải lưu ở bảng mã UTF-8 (trong Notepad: Save As → Encoding: UTF-8).",
                         field="json") from None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise CliRefusal(f"Tệp JSON sai cú pháp ở dòng {error.lineno}, cột {error.colno}: {error.msg}.",
                         field="json") from None


RECEIVE_KEYS = {"procedure", "applicant", "received_at", "channel", "copies", "documents", "return_method",
                "return_address", "fee_exemption", "variant", "quantity"}


def cmd_receive(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.services.intake import ReceiveRequest, receive

    data = _read_json(args.json_file)
    if not isinstance(data, dict):
        raise CliRefusal("JSON phải là một đối tượng {\"procedure\": ..., \"applicant\": {...}}.", field="json")
    unknown = set(data) - RECEIVE_KEYS
    if unknown:
        raise CliRefusal(f"Trường không được hỗ trợ: {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])
    if not data.get("procedure"):
        raise CliRefusal("Thiếu mã thủ tục ('procedure').", field="procedure")
    if not isinstance(data.get("applicant"), dict):
        raise CliRefusal("Thiếu thông tin người nộp ('applicant': {\"name\": ...}).", field="applicant")
    if data.get("received_at") is not None and not isinstance(data["received_at"], str):
        raise CliRefusal("Thời điểm nhận ('received_at') viết dạng \"YYYY-MM-DD HH:MM\".", field="received_at")
    copies = data.get("copies", 1)
    if not isinstance(copies, int) or isinstance(copies, bool):
        raise CliRefusal("Số lượng hồ sơ ('copies') phải là số nguyên.", field="copies")
    request = ReceiveRequest(
        procedure=str(data["procedure"]),
        applicant=data["applicant"],
        received_at=parse_moment(data["received_at"], "received_at") if data.get("received_at") else None,
        channel=data.get("channel", "direct"),
        copies=copies,
        documents=data.get("documents"),
        return_method=data.get("return_method", "desk"),
        return_address=data.get("return_address"),
        fee_exemption=data.get("fee_exemption"),
        variant=data.get("variant"),
        quantity=data.get("quantity", 1),
    )
    receipt = receive(runner.context(), request)
    for warning in receipt.warnings:
        print(f"Lưu ý: {warning}", file=sys.stderr)
    print(f"Hẹn trả: {_fmt(receipt.due_at)} ({receipt.explanation})")
    fee = f"{receipt.fee_due:,}".replace(",", ".")
    print(f"Sổ theo dõi: quyển {receipt.ledger_book}, số {receipt.ledger_number}; mã tra cứu {receipt.lookup_key}; "
          f"lệ phí {fee} đ")
    print(receipt.code)
    return EXIT_OK


def _act_transfer(a: Any, args: argparse.Namespace, at: Any) -> Any:
    upper = (args.to or "").strip().lower() == "upper"
    return a.transfer(args.code, None if upper else args.to, upper=upper, component=args.component, at=at)


ACTIONS: dict[str, Callable[[Any, argparse.Namespace, Any], Any]] = {
    "transfer": _act_transfer,
    "supplement": lambda a, args, at: a.request_supplement(
        args.code, [i for i in (args.items or "").split(";")], args.reason, at=at),
    "resubmit": lambda a, args, at: a.resubmit(args.code, at=at),
    "result": lambda a, args, at: a.result_ready(args.code, component=args.component, at=at),
    "return": lambda a, args, at: a.return_result(args.code, rating=args.rating, at=at),
    "refuse": lambda a, args, at: a.refuse(args.code, args.reason, at=at),
    "withdraw": lambda a, args, at: a.withdraw(args.code, args.reason, at=at),
    "stop": lambda a, args, at: a.stop(args.code, args.reason, at=at),
    "reschedule": lambda a, args, at: a.reschedule(args.code, _new_due(args), args.reason, at=at),
    "correct": lambda a, args, at: a.correct(args.code, _required(args.field, "field"),
                                             _required(args.value, "value"), at=at),
    "void": lambda a, args, at: a.void(args.code, args.reason, at=at),
}


def _required(value: str | None, field: str) -> str:
    if value is None:
        raise CliRefusal(f"Thiếu --{field}.", field=field)
    return value


def _new_due(args: argparse.Namespace) -> dt.date | dt.datetime:
    return parse_day_or_moment(_required(args.new_due, "new_due"), "new_due")


def cmd_act(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.services.actions import DossierActions

    at = parse_moment(args.at, "at") if args.at else None
    result = ACTIONS[args.action](DossierActions(runner.context()), args, at)
    from desk_app.domain.lifecycle import STATUS_VN, Status

    print(f"{result.message} {result.code}: {STATUS_VN[Status(result.status)]}; hẹn trả {_fmt(result.due_at)}")
    return EXIT_OK


def _write_pdf(out: Path, pdf: bytes, what: str) -> int:
    from desk_app.fileio import write_atomically

    try:
        write_atomically(out, pdf)
    except OSError as error:
        raise CliRefusal(f"Không ghi được tệp '{out}': {error.strerror}.", field="out") from None
    size = f"{len(pdf):,}".replace(",", ".")
    print(f"Đã in {what} ra {out} ({size} byte).")
    return EXIT_OK


def _day(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(f"Không đọc được ngày '{text}'. Viết theo dạng YYYY-MM-DD.", field=field) from None


def cmd_print(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.services.print_jobs import dossier_form

    pdf = dossier_form(runner.context(), args.code, args.form, args.paper).pdf  # audited
    return _write_pdf(args.out, pdf, f"biểu mẫu '{args.form}' của hồ sơ {args.code.strip()}")


def cmd_ledger(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.services.print_jobs import ledger_job

    pdf = ledger_job(runner.context(), _day(args.date_from, "from"), _day(args.date_to, "to")).pdf  # audited
    return _write_pdf(args.out, pdf, "sổ theo dõi hồ sơ")


def cmd_report(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.services.report import build_report
    from desk_app.services.report_model import COLUMN_VN, COLUMNS

    workbook = args.out is not None and args.out.suffix.lower() == ".xlsx"
    report = build_report(runner.context(), _day(args.date_from, "from"), _day(args.date_to, "to"),
                          against=args.against, with_late_items=workbook)
    if args.out is not None:
        from desk_app.services.report_output import save_report

        written = save_report(runner.context(), report, args.out)  # audited
        print(f"Đã ghi {written}", file=sys.stderr)
    if args.json:
        _print_json(report.as_json())
        return EXIT_OK
    print(f"{report.unit_name} — Biểu số 06/VPCP/KSTT, từ ngày {report.date_from:%d/%m/%Y} đến ngày "
          f"{report.date_to:%d/%m/%Y}")
    width = max((len(r.field_name) for r in report.rows), default=9)
    heads = [f"({i})" for i in range(3, 14)] + ["TừChối", "Rút"]  # the official columns (3)–(13), then apart
    print(f"{'Lĩnh vực':{width}} " + " ".join(f"{h:>6}" for h in heads))
    for name, figures in [*((r.field_name, r.figures) for r in report.rows), ("Tổng cộng", report.total)]:
        values = figures.as_dict()
        print(f"{name:{width}} " + " ".join(f"{values[key]:>6}" for key in COLUMNS))
    print("Cột: " + "; ".join(f"{h} {COLUMN_VN[key]}" for h, key in zip(heads, COLUMNS, strict=True)))
    sat = report.satisfaction
    percent = sat.percentages()
    print(f"Mức độ hài lòng: Rất hài lòng {sat.very_satisfied} ({percent['very_satisfied']} %), Hài lòng "
          f"{sat.satisfied} ({percent['satisfied']} %), Không hài lòng {sat.unsatisfied} ({percent['unsatisfied']} %)")
    return EXIT_OK


def cmd_handover(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.services.print_jobs import handover_job

    if not args.receiver.strip():
        raise ValidationError("Cần ghi nơi nhận hồ sơ.", field="to")
    pdf = handover_job(runner.context(), args.receiver.strip(), _day(args.date, "date")).pdf  # audited
    return _write_pdf(args.out, pdf, "danh sách bàn giao")


def cmd_show(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.services.clock import SystemClock
    from desk_app.services.queries import show

    with runner.db.session() as session:
        detail = show(session, args.code, SystemClock().now())
    if args.json:
        _print_json(detail)
        return EXIT_OK
    a = detail["applicant"]
    judged = f" — {detail['timeliness_vn']}" if detail.get("timeliness_vn") else ""
    print(f"{detail['code']}  {detail['status_vn']}{judged}")
    print(f"  Thủ tục:   {detail['procedure']} ({detail['procedure_code']})")
    print(f"  Người nộp: {a['name']}; CCCD {a['id_number'] or '—'}; ĐT {a['phone'] or '—'}")
    print(f"  Địa chỉ:   {a['address'] or '—'}")
    print(f"  Nhận:      {detail['received_at']}   Hẹn trả: {detail['due_at']}   (gốc {detail['original_due_at']})")
    print(f"  Sổ:        quyển {detail['ledger']['book']}, số {detail['ledger']['number']}; "
          f"mã tra cứu {detail['lookup_key']}")
    for event in detail["events"]:
        print(f"  - {event['at']}  {event['kind']:22} {event['actor']}")
    return EXIT_OK


def cmd_find(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.services.queries import find

    with runner.db.session() as session:
        rows = find(session, args.text)
    if args.json:
        _print_json(rows)
    else:
        for row in rows:
            print(f"{row['code']}  {row['name']:28} {row['procedure'][:40]:40} {row['status_vn']:16} "
                  f"hẹn {row['due_at'][:16]}")
        print(f"({len(rows)} hồ sơ)", file=sys.stderr)
    return EXIT_OK


def cmd_stats(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.services.queries import stats

    with runner.db.session() as session:
        figures = stats(session)
    if args.json:
        _print_json(figures)
    else:
        print(f"Hồ sơ: {figures['dossiers']}; sự kiện: {figures['events']}")
        for state, count in figures["events_by_sync_state"].items():
            print(f"  {state:14} {count}")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.services.integrity import verify

    with runner.db.session() as session:
        report = verify(session)
    for problem in report.problems[:50]:
        print(problem, file=sys.stderr)
    if len(report.problems) > 50:
        print(f"... và {len(report.problems) - 50} lỗi khác.", file=sys.stderr)
    for note in report.notes:
        print(f"Lưu ý: {note}", file=sys.stderr)
    if not report.ok:
        more = "+" if len(report.problems) > 200 else ""
        print(f"KIỂM TRA THẤT BẠI: {len(report.problems)}{more} lỗi.", file=sys.stderr)
        return EXIT_FAULT
    print(f"Toàn vẹn: tốt. {report.dossiers} hồ sơ, {report.events} sự kiện, chuỗi băm của "
          f"{len(report.desks)} bàn khớp.")
    return EXIT_OK


def cmd_accept_clock(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.services.clock import SystemClock
    from desk_app.services.context import acknowledge_clock

    now = SystemClock().now()
    with runner.db.write_session() as session, session.begin():
        wrong = acknowledge_clock(session, now)
    if wrong is None:
        print(f"Đồng hồ máy ({now:%H:%M %d/%m/%Y}) không chậm hơn dữ liệu đã ghi: không cần xác nhận gì.")
        return EXIT_OK
    log.warning("clock acknowledged: last recorded time %s declared wrong at %s by %s", wrong.isoformat(),
                now.isoformat(), getpass.getuser())
    print(f"Đã ghi nhận: thời điểm {wrong:%H:%M %d/%m/%Y} của sự kiện gần nhất là sai. Bàn tiếp tục ghi theo giờ "
          f"hiện tại ({now:%H:%M %d/%m/%Y}).")
    return EXIT_OK


def _sync_progress(progress: Any) -> None:
    if progress.phase in ("push", "pull"):
        print(progress.message, file=sys.stderr)


def cmd_sync(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.domain.lifecycle import EVENT_VN, EventKind
    from desk_app.sync.engine import run_sync
    from desk_app.sync.protocol import looks_like_token

    if args.token is not None and not looks_like_token(args.token.strip()):
        raise CliRefusal("Mã bí mật (--token) không đúng dạng: mã do cấp trên cấp gồm ít nhất 20 chữ cái, chữ số, "
                         "dấu '-' hoặc '_', không có khoảng trắng.", field="token")
    outcome = run_sync(runner.context(), hub_url=args.hub, token=args.token, progress=_sync_progress)
    print(f"Đã gửi: {outcome.sent} sự kiện")
    print(f"Đã nhận: {outcome.received} sự kiện")
    print(f"Để riêng: {len(outcome.set_aside)} sự kiện")
    for event in outcome.set_aside:
        kind = EVENT_VN[EventKind(event.kind)]  # this desk's own events: kinds the lifecycle wrote
        print(f"  - hồ sơ {event.code}, '{kind}' (sự kiện số {event.seq}, {event.at:%H:%M %d/%m/%Y}): {event.reason}")
    for conflict in outcome.conflicts:
        print(f"Cần xem lại: {conflict}", file=sys.stderr)
    print(outcome.message, file=sys.stdout if outcome.status == "ok" else sys.stderr)
    log.info("sync from the command line: %s", outcome.status)
    return outcome.exit_code


def cmd_export_national(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.services.national_export import write_national

    count = write_national(runner.context(), _day(args.date_from, "from"), _day(args.date_to, "to"), args.out,
                           include_id_numbers=args.include_id_numbers)
    print(f"Đã ghi {count} hồ sơ vào {args.out}" + (" (có số CCCD)" if args.include_id_numbers else ""))
    return EXIT_OK


def cmd_citizen_data(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.services.citizen_data import citizen_data_job

    job = citizen_data_job(runner.context(), args.id_number)  # audited
    return _write_pdf(args.out, job.pdf, "bản dữ liệu cá nhân của công dân")


def cmd_backup(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.cli_backup import backup_command

    return backup_command(args, runner)


def cmd_restore(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.cli_backup import restore_command

    return restore_command(args, runner)  # never opens the database through runner.db (no migration first)


def cmd_accept_restore(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.cli_backup import accept_restore_command

    return accept_restore_command(args, runner)


def cmd_demo_data(args: argparse.Namespace, runner: Runner) -> int:
    from desk_app.services.clock import SystemClock
    from desk_app.services.demo import generate

    if not 1 <= args.dossiers <= 5_000_000:
        raise ValidationError("Số hồ sơ mẫu phải từ 1 đến 5.000.000.", field="dossiers")
    started = time.perf_counter()
    added = generate(runner.db, args.dossiers, seed=args.seed, clock=SystemClock(), actor="demo-data")
    print(f"Đã thêm {added.dossiers} hồ sơ mẫu, {added.events} sự kiện trong "
          f"{time.perf_counter() - started:.1f} giây.")
    return EXIT_OK


from desk_app.cli_retention import COMMANDS as RETENTION_COMMANDS  # its services load lazily

COMMANDS: dict[str, Callable[[argparse.Namespace, Runner], int]] = {
    "gui": cmd_gui,
    "init": cmd_init,
    "settings": cmd_settings,
    "procedures": cmd_procedures,
    "holidays": cmd_holidays,
    "import-holidays": cmd_import_holidays,
    "due": cmd_due,
    "receive": cmd_receive,
    "act": cmd_act,
    "print": cmd_print,
    "ledger": cmd_ledger,
    "handover": cmd_handover,
    "report": cmd_report,
    "show": cmd_show,
    "find": cmd_find,
    "stats": cmd_stats,
    "verify": cmd_verify,
    "accept-clock": cmd_accept_clock,
    "accept-restore": cmd_accept_restore,
    "sync": cmd_sync,
    "export-national": cmd_export_national,
    "citizen-data": cmd_citizen_data,
    "demo-data": cmd_demo_data,
    "backup": cmd_backup,
    "restore": cmd_restore,
    **RETENTION_COMMANDS,  # retention, archive, verify-archive
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "gui"
    if command == "gui" and not hasattr(args, "exit_after_startup"):
        args.exit_after_startup = False
    data_dir = getattr(args, "data_dir", None) or default_data_dir()
    from desk_app.logging_setup import configure_logging

    configure_logging(data_dir)
    runner = Runner(data_dir)
    try:
        return COMMANDS[command](args, runner)
    except DomainError as error:
        where = f" (trường {error.field})" if error.field else ""
        print(f"Từ chối{where}: {error.message}", file=sys.stderr)
        log.info("command %s refused: field=%s", command, error.field)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head`: nothing is wrong
        sys.stderr.close()
        return EXIT_OK
    except Exception as error:
        from desk_app.logging_setup import fault_summary

        log.error("command %s failed: %s", command, fault_summary(error))
        print(f"Lỗi nội bộ khi chạy '{command}'. Chi tiết trong nhật ký: {data_dir / 'logs'}", file=sys.stderr)
        return EXIT_FAULT
    finally:
        if runner._db is not None:
            runner._db.close()


if __name__ == "__main__":
    sys.exit(main())
