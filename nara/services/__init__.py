"""The service layer: the use cases, as keyword-only functions with standard verbs.

Services take and return their own models (drafts, views and pages on `base.ServiceModel`,
`Created[T]` for idempotent creates), never HTTP schemas or table rows, so the API, the
CLI, a worker or a test call them alike; the API's routes map them to HTTP and back.
They reach PostgreSQL only through the `nara.store` repositories, and running workflows
only through `processes` (Updates, signals and queries named by workflow method).

Functions take the caller's `AsyncSession` and never commit: the caller (a route)
decides the transaction, so a failed step leaves nothing half-written. Those that talk
to Temporal take a `temporalio.client.Client`.
"""
