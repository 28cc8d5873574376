"""The sync API against its own OpenAPI schema (schemathesis, in process over ASGI, with a valid commune token):
no 500, every status answered is documented for its operation, every answer has the documented content type,
headers and body. Deterministic (derandomized) and bounded (at most 30 examples an operation)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from district_hub.app import create_app
from district_hub.db import open_database
from district_hub.registry import add_commune
from tests.hub.support import AGENCY, FixedClock

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


# schemathesis builds one test per operation when the module is collected: the server it tests exists by then, over a
# database in a folder of its own, closed and removed when the module's tests are done.
_FOLDER = Path(tempfile.mkdtemp(prefix="hub-schemathesis-"))
_DATABASE = open_database(f"sqlite:///{_FOLDER / 'hub.db'}")
_TOKEN = add_commune(_DATABASE, AGENCY, "UBND xã Mỹ Phong")[1]
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(database=_DATABASE, clock=FixedClock()))
schema.config.generation.update(max_examples=30, deterministic=True)


@pytest.fixture(scope="module", autouse=True)
def _cleanup() -> Iterator[None]:
    yield
    _DATABASE.close()
    shutil.rmtree(_FOLDER, ignore_errors=True)


@schema.parametrize()
def test_the_api_keeps_its_schema(case: Any) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {_TOKEN}"}, checks=CHECKS)
