"""Passkeys on real PostgreSQL, made by the software authenticator: enrolment, the
fingerprint over one bid document, and every way an assertion or enrolment is refused."""

from __future__ import annotations

import base64
import stat
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.bid_document import BidDocument
from nara.domain.enums import Role
from nara.domain.errors import CredentialTaken, NotFound, PasskeyRefused
from nara.domain.sealing import KeyPair, key_id, seal_bid
from nara.services.actors import Actor, Authentication
from nara.services.passkeys import assertions, checks, enrolment
from nara.services.passkeys.models import (
    PasskeyAssertion,
    PasskeyView,
    RegistrationCredential,
    RelyingParty,
)
from nara.store import passkeys as store
from nara.store import registry
from nara.wallet.passkeys import SoftwareAuthenticator

RP = RelyingParty(rp_id="localhost", rp_name="Nara", origin="http://localhost:8000")
TENDER_KEY = KeyPair.generate().public_key


def _document(price: int = 98_760_000, client_key: str = "bid-key-0001") -> BidDocument:
    """A sealed bid's document: the price sealed to the tender key, never in clear."""
    notice_no, business_no = "20261234567-00", "220-81-62517"
    return BidDocument.of(
        notice_no=notice_no,
        business_no=business_no,
        client_key=client_key,
        tender_key_id=key_id(TENDER_KEY),
        sealed=seal_bid(
            TENDER_KEY, notice_no=notice_no, business_no=business_no, price=price, picks=[3, 11]
        ),
    )


DOCUMENT = _document()


async def _person(session: AsyncSession) -> Actor:
    person_id = f"agent-{uuid.uuid4().hex[:8]}"
    await registry.insert_person(
        session, person_id=person_id, name="Kim Agent", role=Role.SUPPLIER, agency_code=None
    )
    return Actor(id=person_id, name="Kim Agent", role=Role.SUPPLIER, agency_code=None)


def _credential(answer: dict) -> RegistrationCredential:
    return RegistrationCredential.from_webauthn(answer)


def _assertion(answer: dict) -> PasskeyAssertion:
    return PasskeyAssertion.from_webauthn(answer)


async def _enrol(
    session: AsyncSession,
    actor: Actor,
    device: SoftwareAuthenticator,
    *,
    rp: RelyingParty = RP,
    reuse: str | None = None,
    origin: str = RP.origin,
) -> PasskeyView:
    options = await enrolment.registration_options(session=session, rp=rp, actor=actor)
    answer = device.create(options.public_key, origin=origin, reuse=reuse)
    return await enrolment.enrol(
        session=session,
        rp=rp,
        actor=actor,
        challenge_id=options.challenge_id,
        credential=_credential(answer),
        name="laptop",
    )


async def _confirm(
    session: AsyncSession, actor: Actor, assertion: PasskeyAssertion, document: BidDocument
) -> None:
    confirmation = await assertions.confirm_bid(
        session=session, rp=RP, actor=actor, document=document, assertion=assertion
    )
    await assertions.record_bid_use(session, confirmation)


def _refusal(caught: pytest.ExceptionInfo[PasskeyRefused]) -> tuple[str, str | None]:
    return str(caught.value.extra["reason"]), caught.value.field


async def test_a_passkey_is_enrolled_and_confirms_one_bid(
    db_session: AsyncSession, tmp_path: Path
) -> None:
    actor = await _person(db_session)
    device = SoftwareAuthenticator(tmp_path / "passkeys.json")
    enrolled = await _enrol(db_session, actor, device)
    assert [p.id for p in await enrolment.list_mine(session=db_session, actor=actor)] == [
        enrolled.id
    ]
    assert (enrolled.sign_count, enrolled.credential_id) == (0, device.credentials[0].credential_id)

    # The authenticator's file is the person's alone, and its counter survives a restart.
    assert stat.S_IMODE((tmp_path / "passkeys.json").stat().st_mode) == 0o600
    await _confirm(
        db_session,
        actor,
        _assertion(device.confirm_bid(DOCUMENT, rp_id="localhost", origin=RP.origin)),
        DOCUMENT,
    )
    again = SoftwareAuthenticator(tmp_path / "passkeys.json")
    second = replace(DOCUMENT, client_key="bid-key-0002")
    await _confirm(
        db_session,
        actor,
        _assertion(again.confirm_bid(second, rp_id="localhost", origin=RP.origin)),
        second,
    )
    row = await store.find(db_session, credential_id=enrolled.credential_id)
    assert row is not None and row.sign_count == 2 and row.last_used_at is not None


async def test_an_assertion_for_another_bid_document_is_refused(db_session: AsyncSession) -> None:
    actor = await _person(db_session)
    device = SoftwareAuthenticator()
    await _enrol(db_session, actor, device)
    signed = device.confirm_bid(DOCUMENT, rp_id="localhost", origin=RP.origin)
    cheaper = _document(price=98_760_000 - 1)  # another sealed price, the same client key
    with pytest.raises(PasskeyRefused) as caught:
        await _confirm(db_session, actor, _assertion(signed), cheaper)
    assert _refusal(caught) == ("wrong-document", "passkey_assertion")
    assert "client_key" in str(caught.value.fix)


async def test_an_assertion_made_on_another_origin_is_refused(db_session: AsyncSession) -> None:
    actor = await _person(db_session)
    device = SoftwareAuthenticator()
    await _enrol(db_session, actor, device)
    phished = device.confirm_bid(DOCUMENT, rp_id="localhost", origin="https://nara.example")
    with pytest.raises(PasskeyRefused) as caught:
        await _confirm(db_session, actor, _assertion(phished), DOCUMENT)
    assert _refusal(caught) == ("wrong-origin", "passkey_assertion")
    assert "https://nara.example" in caught.value.detail


async def test_an_assertion_for_another_relying_party_is_refused(
    db_session: AsyncSession,
) -> None:
    actor = await _person(db_session)
    device = SoftwareAuthenticator()
    await _enrol(db_session, actor, device)
    device.adopt(replace(device.credentials[0], rp_id="nara.example"))
    elsewhere = device.confirm_bid(DOCUMENT, rp_id="nara.example", origin=RP.origin)
    with pytest.raises(PasskeyRefused) as caught:
        await _confirm(db_session, actor, _assertion(elsewhere), DOCUMENT)
    assert _refusal(caught)[0] == "wrong-relying-party"


async def test_a_replayed_or_cloned_assertion_is_refused(db_session: AsyncSession) -> None:
    actor = await _person(db_session)
    device = SoftwareAuthenticator()
    await _enrol(db_session, actor, device)
    signed = _assertion(device.confirm_bid(DOCUMENT, rp_id="localhost", origin=RP.origin))
    await _confirm(db_session, actor, signed, DOCUMENT)
    with pytest.raises(PasskeyRefused) as caught:
        await _confirm(db_session, actor, signed, DOCUMENT)
    assert _refusal(caught) == ("replayed-sign-count", "passkey_assertion")

    # A copy of the authenticator signs with a counter the server has seen already.
    copy = SoftwareAuthenticator()
    copy.adopt(replace(device.credentials[0], sign_count=0))
    with pytest.raises(PasskeyRefused) as caught:
        await _confirm(
            db_session,
            actor,
            _assertion(copy.confirm_bid(DOCUMENT, rp_id="localhost", origin=RP.origin)),
            DOCUMENT,
        )
    assert _refusal(caught)[0] == "replayed-sign-count"


async def test_of_two_assertions_with_one_counter_only_the_first_is_recorded(
    db_session: AsyncSession,
) -> None:
    actor = await _person(db_session)
    device = SoftwareAuthenticator()
    await _enrol(db_session, actor, device)
    copy = SoftwareAuthenticator()
    copy.adopt(device.credentials[0])
    other = replace(DOCUMENT, client_key="bid-key-0002")
    first, second = [
        await assertions.confirm_bid(
            session=db_session,
            rp=RP,
            actor=actor,
            document=doc,
            assertion=_assertion(dev.confirm_bid(doc, rp_id="localhost", origin=RP.origin)),
        )
        for dev, doc in ((device, DOCUMENT), (copy, other))
    ]
    assert first.sign_count == second.sign_count == 1  # both checked before either is used
    await assertions.record_bid_use(db_session, first)
    with pytest.raises(PasskeyRefused) as caught:
        await assertions.record_bid_use(db_session, second)
    assert _refusal(caught)[0] == "replayed-sign-count"


async def test_another_persons_passkey_confirms_nothing_and_cannot_be_enrolled_again(
    db_session: AsyncSession,
) -> None:
    owner, broker = await _person(db_session), await _person(db_session)
    device = SoftwareAuthenticator()
    await _enrol(db_session, owner, device)
    credential_id = device.credentials[0].credential_id

    lent = _assertion(device.confirm_bid(DOCUMENT, rp_id="localhost", origin=RP.origin))
    with pytest.raises(PasskeyRefused) as caught:
        await _confirm(db_session, broker, lent, DOCUMENT)
    assert _refusal(caught) == ("not-yours", "passkey_assertion")

    with pytest.raises(CredentialTaken) as taken:
        await _enrol(db_session, broker, device, reuse=credential_id)
    assert (taken.value.extra["rule"], taken.value.field) == (
        "one-passkey-one-person",
        "credential",
    )
    assert await enrolment.list_mine(session=db_session, actor=broker) == []

    with pytest.raises(PasskeyRefused) as caught:
        await _enrol(db_session, owner, device, reuse=credential_id)
    assert _refusal(caught)[0] == "already-enrolled"


async def test_a_bid_without_an_assertion_is_refused_naming_the_field(
    db_session: AsyncSession,
) -> None:
    actor = await _person(db_session)
    with pytest.raises(PasskeyRefused) as caught:
        await assertions.confirm_bid(
            session=db_session, rp=RP, actor=actor, document=DOCUMENT, assertion=None
        )
    assert _refusal(caught) == ("missing", "passkey_assertion")
    assert "SHA-256 of the bid document" in str(caught.value.fix)


async def test_an_assertion_without_user_verification_is_refused(
    db_session: AsyncSession,
) -> None:
    actor = await _person(db_session)
    device = SoftwareAuthenticator()
    await _enrol(db_session, actor, device)
    from nara.domain.bid_document import b64url, bid_challenge

    unverified = device.get(
        {"rpId": "localhost", "challenge": b64url(bid_challenge(DOCUMENT))},
        origin=RP.origin,
        user_verified=False,
    )
    with pytest.raises(PasskeyRefused) as caught:
        await _confirm(db_session, actor, _assertion(unverified), DOCUMENT)
    assert _refusal(caught)[0] == "not-user-verified"


async def test_a_removed_passkey_confirms_nothing(db_session: AsyncSession) -> None:
    actor = await _person(db_session)
    device = SoftwareAuthenticator()
    enrolled = await _enrol(db_session, actor, device)
    await enrolment.remove(session=db_session, actor=actor, passkey_id=enrolled.id)
    assert await enrolment.list_mine(session=db_session, actor=actor) == []
    with pytest.raises(NotFound):
        await enrolment.remove(session=db_session, actor=actor, passkey_id=enrolled.id)
    signed = device.confirm_bid(DOCUMENT, rp_id="localhost", origin=RP.origin)
    with pytest.raises(PasskeyRefused) as caught:
        await _confirm(db_session, actor, _assertion(signed), DOCUMENT)
    assert _refusal(caught)[0] == "unknown-credential"


async def test_a_registration_challenge_is_single_use_and_expires(
    db_session: AsyncSession,
) -> None:
    actor = await _person(db_session)
    device = SoftwareAuthenticator()
    options = await enrolment.registration_options(session=db_session, rp=RP, actor=actor)
    answer = _credential(device.create(options.public_key, origin=RP.origin))
    await enrolment.enrol(
        session=db_session,
        rp=RP,
        actor=actor,
        challenge_id=options.challenge_id,
        credential=answer,
        name="laptop",
    )
    with pytest.raises(PasskeyRefused) as caught:
        await enrolment.enrol(
            session=db_session,
            rp=RP,
            actor=actor,
            challenge_id=options.challenge_id,
            credential=answer,
            name="laptop",
        )
    assert _refusal(caught)[0] == "challenge-used"

    brief = replace(RP, challenge_ttl=timedelta(milliseconds=1))
    with pytest.raises(PasskeyRefused) as caught:
        await _enrol(db_session, actor, SoftwareAuthenticator(), rp=brief)
    assert _refusal(caught)[0] == "challenge-expired"

    other = await _person(db_session)
    theirs = await enrolment.registration_options(session=db_session, rp=RP, actor=other)
    with pytest.raises(PasskeyRefused) as caught:
        await enrolment.enrol(
            session=db_session,
            rp=RP,
            actor=actor,
            challenge_id=theirs.challenge_id,
            credential=_credential(device.create(theirs.public_key, origin=RP.origin)),
            name="laptop",
        )
    assert _refusal(caught)[0] == "challenge-unknown"


async def test_a_registration_made_on_another_origin_is_refused(
    db_session: AsyncSession,
) -> None:
    actor = await _person(db_session)
    with pytest.raises(PasskeyRefused) as caught:
        await _enrol(db_session, actor, SoftwareAuthenticator(), origin="https://nara.example")
    assert _refusal(caught) == ("wrong-origin", "credential")
    assert await enrolment.list_mine(session=db_session, actor=actor) == []


async def test_a_passkey_login_cannot_enrol_passkeys(db_session: AsyncSession) -> None:
    person = await _person(db_session)
    by_passkey = replace(
        person,
        auth=Authentication(
            session_id=uuid.uuid4(),
            method="passkey",
            certificate_fingerprint="0" * 64,
            certificate_serial="01",
            business_no=None,
            client_address="127.0.0.1",
        ),
    )
    with pytest.raises(PasskeyRefused) as caught:
        await _enrol(db_session, by_passkey, SoftwareAuthenticator())
    assert _refusal(caught)[0] == "needs-certificate-login"
    assert "certificate" in str(caught.value.fix)


_piece = st.one_of(
    st.binary(max_size=80).map(lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")),
    st.text(max_size=20),
    st.sampled_from(["", "A", "AA", "e30", "W10", "bnVsbA", "eyJ0eXBlIjo1fQ"]),
)


@settings(max_examples=300, deadline=None)
@given(client_data=_piece, authenticator_data=_piece, signature=_piece, attestation=_piece)
def test_hostile_bytes_are_a_refusal_never_a_crash(
    client_data: str, authenticator_data: str, signature: str, attestation: str
) -> None:
    """Whatever the bytes (bad base64, UTF-8, JSON, CBOR, fields of the wrong type), the
    checks answer a `Check` (a 403 or 401 naming the reason), never another exception."""
    assertion = {
        "id": "AAAA",
        "rawId": "AAAA",
        "type": "public-key",
        "response": {
            "clientDataJSON": client_data,
            "authenticatorData": authenticator_data,
            "signature": signature,
        },
    }
    with pytest.raises(checks.Check):
        checks.assertion(assertion, challenge=b"x" * 32, rp=RP, public_key=b"\xa0")
    registration = {
        "id": "AAAA",
        "rawId": "AAAA",
        "type": "public-key",
        "response": {"clientDataJSON": client_data, "attestationObject": attestation},
    }
    with pytest.raises(checks.Check):
        checks.registration(registration, challenge=b"x" * 32, rp=RP)


async def test_an_authenticator_without_a_counter_confirms_every_bid_but_a_clone_is_caught(
    db_session: AsyncSession,
) -> None:
    """Platform passkeys that keep no counter say 0 every time: each bid is still confirmed
    (its challenge is the bid itself). A passkey that once counted may not go back to 0."""
    actor = await _person(db_session)
    device = SoftwareAuthenticator(keeps_counter=False)
    await _enrol(db_session, actor, device)
    for key in ("bid-key-0101", "bid-key-0102"):
        doc = replace(DOCUMENT, client_key=key)
        answer = device.confirm_bid(doc, rp_id="localhost", origin=RP.origin)
        assert _assertion(answer).response.authenticator_data  # says counter 0
        await _confirm(db_session, actor, _assertion(answer), doc)  # recorded, not refused

    other = await _person(db_session)
    counting = SoftwareAuthenticator()
    await _enrol(db_session, other, counting)
    first = _assertion(counting.confirm_bid(DOCUMENT, rp_id="localhost", origin=RP.origin))
    await _confirm(db_session, other, first, DOCUMENT)
    clone = SoftwareAuthenticator(keeps_counter=False)
    clone.adopt(replace(counting.credentials[0], sign_count=0))
    copied = _assertion(clone.confirm_bid(DOCUMENT, rp_id="localhost", origin=RP.origin))
    with pytest.raises(PasskeyRefused) as caught:
        await _confirm(db_session, other, copied, DOCUMENT)
    assert _refusal(caught)[0] == "replayed-sign-count"
