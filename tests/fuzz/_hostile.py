"""Hostile text for the fuzz tests: what a paste, a scanner, a broken keyboard driver or an attacker can deliver.

``hostile()`` mixes hand-picked nasties (very long text, control characters, right-to-left overrides, zero-width
characters, SQL, FTS5 and HTML fragments, decomposed Vietnamese, lone surrogates, blanks) with hypothesis' own text,
alone or wrapped around an ordinary Vietnamese word. ``check_refusal`` is the property every refusal must have.
"""

from __future__ import annotations

import unicodedata

from hypothesis import strategies as st

from desk_app.domain.errors import DomainError
from tests.services._support import assert_vietnamese

LONG = "Nguyễn " * 15_000  # 105 000 characters
NASTIES: tuple[str, ...] = (
    LONG,
    "x" * 100_000,
    "\x00",
    "a\x00b",
    "\x1b[31mđỏ\x1b[0m",
    "dòng một\rdòng hai",
    "dòng một\u2028dòng hai",
    "\u202eabc",  # RIGHT-TO-LEFT OVERRIDE
    "Nguy\u200bễn",  # ZERO WIDTH SPACE
    "\ufeffBOM",
    "'; DROP TABLE dossiers;--",
    "%",
    "_",
    "%_%",
    '"',
    'NEAR(a b)',
    "*",
    "-",
    ":",
    "a OR b",
    "code:123",
    "<script>alert(1)</script>",
    unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết"),
    "\ud800",
    "a\udfffb",
    "",
    " ",
    "\t\n ",
    "0",
    "-1",
    "1e9999",
    "{code}",
    "%s%n",
)
WORD = "Đồng Tháp"


def hostile() -> st.SearchStrategy[str]:
    plain = st.text(max_size=40)
    surrogates = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3)
    pieces = st.sampled_from(NASTIES) | plain | surrogates
    wrapped = st.tuples(pieces, pieces).map(lambda p: f"{p[0]}{WORD}{p[1]}")
    return st.sampled_from(NASTIES) | plain | wrapped


def check_refusal(error: DomainError) -> None:
    """A refusal a person can act on: a Vietnamese message and the field at fault."""
    assert error.field, f"refusal without a field: {error.message!r}"
    assert_vietnamese(error.message)


def expected_text(value: str) -> str:
    """The documented normalisation of free text: NFC, whitespace runs one space, trimmed."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def has_hidden(value: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in expected_text(value))
