"""Một Cửa Desk: the commune one-stop reception desk."""

__version__ = "0.1.0"
