"""Servers for the test suite and the benchmarks, started through the project's own code.

Not used by the application: `tests/` (the fixtures of tests/conftest.py and
tests/integration) and `bench/` (scripts run as `python bench/<name>.py`, which can import
`nara` but not `tests`) share these so that a benchmark measures the stack the tests run.

- `servers`: PostgreSQL (a fresh migrated database), Temporal (time-skipping or dev
  server, search attributes registered), the partner simulators and their clients;
- `stack`: those plus a worker and the API on loopback, on a task queue of their own;
- `polling`: `eventually`, the one loop that waits for something asynchronous to show
  (tests import it from tests/support.py).

Nothing here mocks PostgreSQL or Temporal.
"""
