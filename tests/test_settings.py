"""Settings keep their secrets: printing or logging the settings never shows them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from nara.settings import Settings, reveal

PASSWORD = "s3cret-db-password"
API_KEY = "temporal-cloud-key-123"


def _settings() -> Settings:
    return Settings(
        DATABASE_URL=f"postgresql://nara:{PASSWORD}@db.internal:5432/nara",
        TEMPORAL_API_KEY=API_KEY,
    )


def test_secrets_do_not_print() -> None:
    settings = _settings()
    for text in (repr(settings), str(settings), settings.model_dump_json(), f"{settings!r}"):
        assert PASSWORD not in text and API_KEY not in text


def test_the_connecting_call_gets_the_value() -> None:
    settings = _settings()
    assert PASSWORD in (reveal(settings.database_url) or "")
    assert reveal(settings.temporal_api_key) == API_KEY
    assert reveal(Settings().temporal_api_key) is None


def test_passkeys_are_scoped_to_the_origin_they_are_used_on() -> None:
    ok = Settings(WEBAUTHN_RP_ID="nara.example", WEBAUTHN_ORIGIN="https://bid.nara.example")
    assert ok.webauthn_rp_id == "nara.example"
    with pytest.raises(ValidationError, match="must be the host of WEBAUTHN_ORIGIN"):
        Settings(WEBAUTHN_RP_ID="other.example", WEBAUTHN_ORIGIN="https://bid.nara.example")
    with pytest.raises(ValidationError, match="must be the host of WEBAUTHN_ORIGIN"):
        Settings(WEBAUTHN_RP_ID="ara.example", WEBAUTHN_ORIGIN="https://nara.example")
    production = {
        "NARA_ENV": "production",
        "DATABASE_URL": "postgresql://db/nara",
        "TEMPORAL_ADDRESS": "temporal:7233",
        "TRUSTED_CA_CERTS": "/etc/nara/ca.pem",
    }
    assert Settings(**production).webauthn_origin == "http://localhost:8000"
    with pytest.raises(ValidationError, match="WEBAUTHN_ORIGIN on https"):
        Settings(
            **production,
            WEBAUTHN_RP_ID="nara.example",
            WEBAUTHN_ORIGIN="http://nara.example",
        )


def test_the_simulator_admin_token_is_a_secret_too() -> None:
    token = "simulator-admin-token-0123456789"
    settings = Settings(SIMULATOR_ADMIN_TOKEN=token)
    for text in (repr(settings), str(settings), settings.model_dump_json()):
        assert token not in text
    assert reveal(settings.simulator_admin_token) == token
