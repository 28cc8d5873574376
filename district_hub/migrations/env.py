"""Alembic environment: :mod:`district_hub.db` passes its open connection in ``config.attributes['connection']``."""

from __future__ import annotations

from alembic import context

from district_hub.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only district_hub.db runs these migrations
    raise RuntimeError("district_hub migrations run through district_hub.db.open_database (district-hub --db URL).")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  version_table=config.get_main_option("version_table") or "hub_schema_version")
with context.begin_transaction():
    context.run_migrations()
