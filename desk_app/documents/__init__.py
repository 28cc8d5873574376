"""Printed documents: plain data (dataclasses) in, PDF bytes out. Preview, print and save all use those bytes."""
