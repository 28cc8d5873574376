"""The upper-level server that commune desks sync to (a district in the older structure, the province since 2025).

Where things live:

- ``cli.py`` / ``__main__.py``: ``district-hub`` and ``python -m district_hub`` (serve, add-commune, add-officer,
  stats, decide, publish-catalog, publish-holidays; ``--db URL`` everywhere);
- ``app.py``: the FastAPI app; ``api.py`` the sync API (desk_app/sync/protocol.py is the contract), ``body.py`` its
  request bodies (gzip, size limit, Vietnamese 422s), ``web.py`` + ``pages.py`` the officers' pages and the public
  lookup;
- ``ingest.py`` (a pushed batch: chain checks, idempotency), ``checks.py`` (what is applied), ``projection.py``
  (dossiers refolded from their events), ``feed.py`` (what a desk pulls), ``decisions.py`` (the upper level's
  decisions), ``publishing.py`` (catalog and holidays), ``overview.py`` and ``stats.py`` (figures);
- ``db.py`` (SQLite or PostgreSQL, migrations on open), ``schema.py`` + ``migrations/`` (the tables), ``registry.py``
  (communes, officers, their tokens), ``chains.py``, ``bulk.py``, ``clock.py``, ``config.py``, ``tokens.py``.

It imports only ``desk_app.domain`` and ``desk_app.sync.protocol`` from the desk: it installs without Qt.
"""
