"""The built application's figures (size, start-up time), printed in the test run's summary."""

from __future__ import annotations

import pytest

FIGURES: pytest.StashKey[dict[str, str]] = pytest.StashKey()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    figures = config.stash.get(FIGURES, {})
    if figures:
        terminalreporter.write_sep("-", "built desktop application")
        for key, value in figures.items():
            terminalreporter.write_line(f"{key}: {value}")
