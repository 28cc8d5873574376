"""The schema's head and a database's revision, read without alembic, agree with alembic's own answers."""

from __future__ import annotations

from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from desk_app.store.db import DB_FILENAME, Database, alembic_config, current_revision, head_revision, make_engine


def test_head_read_from_the_files_is_alembics_head() -> None:
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_current_revision_of_a_new_file_and_of_a_migrated_one(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / DB_FILENAME)
    try:
        assert current_revision(engine) is None
    finally:
        engine.dispose()
    db = Database(tmp_path)
    try:
        with db.engine.connect() as conn:
            assert current_revision(db.engine) == MigrationContext.configure(conn).get_current_revision()
        assert current_revision(db.engine) == head_revision()
    finally:
        db.close()
