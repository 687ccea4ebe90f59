"""Settings keep their secrets: printing or logging the settings never shows them."""

from __future__ import annotations

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


def test_the_simulator_admin_token_is_a_secret_too() -> None:
    token = "simulator-admin-token-0123456789"
    settings = Settings(SIMULATOR_ADMIN_TOKEN=token)
    for text in (repr(settings), str(settings), settings.model_dump_json()):
        assert token not in text
    assert reveal(settings.simulator_admin_token) == token
