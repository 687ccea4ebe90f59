"""Thin routes, one module per resource: parse, call a service, commit, answer."""
