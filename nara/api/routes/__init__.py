"""Thin routes, one module per resource: parse, map the body to the service's arguments,
call the service, commit, and map its answer to the response schema."""
