"""Sync with the upper level: the protocol shared with district_hub, the outbox, the client, the inbox."""
