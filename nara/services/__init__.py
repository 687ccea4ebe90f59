"""The service layer: what the API does, as keyword-only functions with standard verbs.

Functions take the caller's `AsyncSession` and never commit: the caller (a route)
decides the transaction, so a failed step leaves nothing half-written. Those that talk
to Temporal take a `temporalio.client.Client`.
"""
