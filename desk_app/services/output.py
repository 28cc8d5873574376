"""Where the desk's documents go: the print mode (preview or straight to the printer) and the printer's name."""

from __future__ import annotations

from desk_app.services.context import ServiceContext
from desk_app.services.settings import SettingsService


def output_settings(ctx: ServiceContext) -> tuple[str, str]:
    """The ``print_mode`` ("preview" | "direct") and ``printer_name`` ("" = the system's default printer)."""
    with ctx.read() as session:
        settings = SettingsService(session)
        return settings.get("print_mode"), settings.get("printer_name")


__all__ = ["output_settings"]
