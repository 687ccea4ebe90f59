"""Nara back office: national e-procurement back office on Temporal and PostgreSQL."""

__version__ = "0.1.0"
