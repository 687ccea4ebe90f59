"""Passkey assertions: the fingerprint that confirms one bid, and the passkey login.

A bid's assertion answers no server challenge: its challenge is the SHA-256 of the bid
document (`nara.domain.bid_document`), which the server rebuilds from the bid it
received. It passes only if it was made with a passkey enrolled for the acting person,
on this origin and relying party, with the user verified (the fingerprint), and with a
signature counter above the last one seen. `confirm_bid` checks all but the counter
without writing; `record` judges the counter and moves it forward in one statement,
inside the transaction that stores the bid (after its locks), so a refused bid leaves
the counter where it was and of two assertions with one counter one wins.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from webauthn.helpers import bytes_to_base64url

from nara.domain.bid_document import BidDocument, bid_challenge
from nara.domain.errors import NaraError, PasskeyRefused
from nara.domain.passkeys import ASSERTION_FIELD, ONE_PASSKEY_ONE_PERSON, PasskeyProblem
from nara.services.actors import Actor
from nara.services.passkeys import checks
from nara.services.passkeys.models import Confirmation, PasskeyAssertion, RelyingParty
from nara.store import passkeys as store
from nara.store.passkey_tables import Passkey

_BID_FIXES = {
    PasskeyProblem.MISSING: "confirm the bid with your passkey: get an assertion whose "
    "challenge is the SHA-256 of the bid document (nara.domain.bid_document) and send it "
    f"as {ASSERTION_FIELD}",
    PasskeyProblem.WRONG_DOCUMENT: "confirm exactly this bid: any change to the notice, "
    "business, price, reserve picks, guarantee certificate or client_key needs a new "
    "fingerprint over the new bid document",
    PasskeyProblem.UNKNOWN_CREDENTIAL: "enrol the passkey first (POST /passkeys/registration)",
    PasskeyProblem.NOT_YOURS: "confirm your bids with a passkey of your own",
    PasskeyProblem.REPLAYED: "touch the sensor again for a fresh assertion; if this keeps "
    "happening the passkey may have been copied: remove it and enrol a new one",
    PasskeyProblem.NOT_USER_VERIFIED: "use an authenticator that verifies you (fingerprint, "
    "PIN or face) and allow it to",
}


def _credential_id(assertion: PasskeyAssertion) -> str:
    """The assertion's credential id, normalised (base64url without padding)."""
    raw = checks.decode(assertion.raw_id, "rawId")
    if checks.decode(assertion.id, "id") != raw:
        raise checks.Check(PasskeyProblem.MALFORMED, "id and rawId name different credentials")
    return bytes_to_base64url(raw)


async def _passkey(session: AsyncSession, credential_id: str, actor_id: str | None) -> Passkey:
    found = await store.find(session, credential_id=credential_id)
    if found is None or found.removed_at is not None:
        raise checks.Check(
            PasskeyProblem.UNKNOWN_CREDENTIAL,
            "no passkey in use has this credential id"
            + (" (it was removed)" if found is not None else ""),
        )
    if actor_id is not None and found.person_id != actor_id:
        raise checks.Check(
            PasskeyProblem.NOT_YOURS,
            f"this passkey is enrolled for another person than {actor_id}; a passkey "
            f"belongs to one person and is never lent (rule {ONE_PASSKEY_ONE_PERSON})",
        )
    return found


async def verify(
    *,
    session: AsyncSession,
    rp: RelyingParty,
    assertion: PasskeyAssertion,
    challenge: bytes,
    person_id: str | None,
) -> Confirmation:
    """Check an assertion for `challenge` made by `person_id`'s passkey (anybody's when
    None); raises `checks.Check`. Writes nothing."""
    passkey = await _passkey(session, _credential_id(assertion), person_id)
    handle = assertion.response.user_handle
    if handle and checks.decode(handle, "userHandle") != passkey.user_handle:
        raise checks.Check(PasskeyProblem.NOT_YOURS, "the user handle is not the passkey's")
    count = checks.assertion(
        assertion.as_webauthn(),
        challenge=challenge,
        rp=rp,
        public_key=passkey.public_key,
    )
    return Confirmation(
        passkey_id=passkey.id,
        credential_id=passkey.credential_id,
        person_id=passkey.person_id,
        sign_count=count,
        certificate_fingerprint=passkey.certificate_fingerprint,
    )


async def record(session: AsyncSession, confirmation: Confirmation) -> None:
    """Move the passkey's counter to the presented one, in one statement, if that is above
    the last one seen (the rule of `domain.passkeys`); `checks.Check` (replayed)
    otherwise: a replayed assertion, a copied authenticator, or the twin of a request that
    got there first. The only place a counter is judged."""
    if not await store.advance_sign_count(
        session, passkey_id=confirmation.passkey_id, to=confirmation.sign_count
    ):
        raise checks.Check(
            PasskeyProblem.REPLAYED,
            f"the passkey's signature counter {confirmation.sign_count} is not above the "
            "last one seen: a replayed assertion or a copied authenticator",
        )


def bid_refusal(failed: checks.Check) -> NaraError:
    """A failed check of a bid's assertion, as the error the bidder reads."""
    return PasskeyRefused(
        f"the passkey assertion does not confirm this bid: {failed.detail}",
        field=ASSERTION_FIELD,
        fix=_BID_FIXES.get(failed.problem, "confirm the bid again with your passkey"),
        reason=failed.problem.value,
    )


async def confirm_bid(
    *,
    session: AsyncSession,
    rp: RelyingParty,
    actor: Actor,
    document: BidDocument,
    assertion: PasskeyAssertion | None,
) -> Confirmation:
    """Check that `assertion` is the actor's fingerprint over exactly `document`.

    Raises:
        PasskeyRefused: 403 naming `passkey_assertion`; `reason` says which check failed
            (missing, malformed, wrong-document, wrong-origin, wrong-relying-party,
            not-user-verified, unknown-credential, not-yours, replayed-sign-count, invalid).
    """
    if assertion is None:
        raise bid_refusal(
            checks.Check(PasskeyProblem.MISSING, "a bid needs the bidder's passkey assertion")
        )
    try:
        return await verify(
            session=session,
            rp=rp,
            assertion=assertion,
            challenge=bid_challenge(document),
            person_id=actor.id,
        )
    except checks.Check as failed:
        raise bid_refusal(failed) from None


async def record_bid_use(session: AsyncSession, confirmation: Confirmation) -> None:
    """`record`, refusing the bid (PasskeyRefused, replayed) if the counter was taken."""
    try:
        await record(session, confirmation)
    except checks.Check as failed:
        raise bid_refusal(failed) from None
