"""The runner that keeps slow work off the GUI thread: results and errors come back on the GUI thread."""

from __future__ import annotations

import threading

import pytest
from pytestqt.qtbot import QtBot

from desk_app.ui.worker import ImmediateRunner, ThreadRunner


def test_work_runs_on_a_pool_thread_and_the_result_comes_back_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = ThreadRunner()
    gui = threading.get_ident()
    got: list[tuple[int, int]] = []
    runner.submit(threading.get_ident, lambda worker: got.append((worker, threading.get_ident())))
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    worker, callback = got[0]
    assert worker != gui and callback == gui


def test_an_error_comes_back_to_the_failure_callback_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = ThreadRunner()
    errors: list[tuple[str, int]] = []

    def work() -> None:
        raise ValueError("hỏng")

    runner.submit(work, lambda _: pytest.fail("no result expected"),
                  lambda error: errors.append((str(error), threading.get_ident())))
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert errors == [("hỏng", threading.get_ident())]
    assert runner.wait(1000)


def test_the_immediate_runner_runs_at_once_and_reports_errors() -> None:
    runner = ImmediateRunner()
    results: list[object] = []
    runner.submit(lambda: 42, results.append)
    runner.submit(lambda: 1 / 0, results.append, results.append)
    assert results[0] == 42 and isinstance(results[1], ZeroDivisionError)
    with pytest.raises(ZeroDivisionError):
        runner.submit(lambda: 1 / 0, results.append)
