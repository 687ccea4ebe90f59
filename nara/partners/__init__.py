"""Typed async clients of the external partners: guarantee agencies and banks.

The models here are the partners' wire contract; the simulators in `nara.simulators`
implement the same contract. Clients never retry: a Temporal activity calls a client
once per attempt, and the activity's retry policy (capped exponential backoff) decides
when to try again. Money-moving calls take an idempotency key derived from the business
key, so every retry of the same business step is the same request to the partner.
"""
