"""All configuration in one place; every field is documented in the README table."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Process settings, read from the environment (and `.env` if present).

    Secrets (`DATABASE_URL` carries a password, `TEMPORAL_API_KEY`,
    `SIMULATOR_ADMIN_TOKEN`) are `SecretStr`:
    printed or logged, they read `**********`; `reveal` gives the value to the one call
    that connects.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    env: Literal["development", "production"] = Field(
        "development", alias="NARA_ENV", description="development or production"
    )
    var_dir: Path = Field(
        Path("var"), alias="NARA_VAR_DIR", description="state of the embedded stack"
    )
    keys_dir: Path | None = Field(
        None,
        alias="NARA_KEY_DIR",
        description="the local key service's master and receipt keys (0600 files, made on "
        "first use); unset: NARA_VAR_DIR/keys. Every API process and worker must share it "
        "(or, in production, a KMS behind nara.keys.Wrapper)",
    )
    database_url: SecretStr | None = Field(
        None,
        alias="DATABASE_URL",
        description="PostgreSQL URL; unset means the embedded server under var/",
    )
    temporal_address: str | None = Field(
        None,
        alias="TEMPORAL_ADDRESS",
        description="host:port of Temporal; unset means the embedded dev server",
    )
    temporal_namespace: str = Field("default", alias="TEMPORAL_NAMESPACE")
    temporal_task_queue: str = Field("nara-tenders", alias="TEMPORAL_TASK_QUEUE")
    temporal_api_key: SecretStr | None = Field(None, alias="TEMPORAL_API_KEY")
    temporal_tls: bool = Field(False, alias="TEMPORAL_TLS")
    temporal_tls_cert: Path | None = Field(None, alias="TEMPORAL_TLS_CERT")
    temporal_tls_key: Path | None = Field(None, alias="TEMPORAL_TLS_KEY")
    temporal_dev_port: int = Field(7233, alias="TEMPORAL_DEV_PORT")
    temporal_ui_port: int = Field(8233, alias="TEMPORAL_UI_PORT")
    temporal_ui_url: str | None = Field(
        None,
        alias="TEMPORAL_UI_URL",
        description="the Temporal Web UI operators open (links of `nara ops stuck`); unset: "
        "http://localhost:TEMPORAL_UI_PORT (the embedded dev server's)",
    )
    api_host: str = Field("127.0.0.1", alias="NARA_API_HOST")
    api_port: int = Field(8000, alias="NARA_API_PORT")
    guarantee_agency_url: str = Field("http://127.0.0.1:8101", alias="GUARANTEE_AGENCY_URL")
    bank_url: str = Field("http://127.0.0.1:8102", alias="BANK_URL")
    simulator_admin_token: SecretStr | None = Field(
        None,
        alias="SIMULATOR_ADMIN_TOKEN",
        description="bearer token of the partner simulators' admin routes (/_faults, "
        "/_ledger, bank POST /accounts); unset: `nara dev` and `nara simulators` keep one "
        "in NARA_VAR_DIR/simulators/admin-token",
    )
    trusted_proxies: str | None = Field(
        None,
        alias="TRUSTED_PROXIES",
        description="comma-separated addresses or networks of the reverse proxies in front "
        "of the API, or `*`; only a request from one of them may name its client with "
        "X-Forwarded-For. Unset: no header is believed, the client is the connection's peer",
    )
    partner_timeout_s: float = Field(5.0, alias="PARTNER_TIMEOUT_S")
    db_pool_size: int = Field(10, alias="DB_POOL_SIZE")
    search_database_url: SecretStr | None = Field(
        None,
        alias="SEARCH_DATABASE_URL",
        description="PostgreSQL URL search reads from (a read replica); unset: DATABASE_URL, "
        "on a pool of its own either way",
    )
    search_statement_timeout_ms: int = Field(
        1000,
        ge=10,
        le=60_000,
        alias="SEARCH_STATEMENT_TIMEOUT_MS",
        description="a search statement running longer is cancelled (503 with Retry-After)",
    )
    search_max_concurrency: int = Field(
        2,
        ge=1,
        le=64,
        alias="SEARCH_MAX_CONCURRENCY",
        description="searches running at once per API process; also the search pool's size",
    )
    search_queue_wait_ms: int = Field(
        20,
        ge=0,
        le=1000,
        alias="SEARCH_QUEUE_WAIT_MS",
        description="how long a search waits for a free slot before answering 503",
    )
    late_interest_rate_bp: int = Field(
        1200,
        ge=0,
        le=10_000,
        alias="LATE_INTEREST_RATE_BP",
        description="annual late interest, basis points",
    )
    ca_url: str = Field(
        "http://127.0.0.1:8103",
        alias="CA_URL",
        description="the certificate authority whose CRL is checked at login and per request",
    )
    trusted_ca_certs: str | None = Field(
        None,
        alias="TRUSTED_CA_CERTS",
        description="PEM file(s) of the trusted root CAs, separated by the path separator; "
        "unset: NARA_VAR_DIR/ca/root.pem (the CA simulator's root)",
    )
    crl_max_age_s: float = Field(30.0, gt=0, alias="CRL_MAX_AGE_S")
    login_challenge_ttl_s: int = Field(60, ge=1, alias="LOGIN_CHALLENGE_TTL_S")
    session_ttl_s: int = Field(8 * 3600, ge=1, alias="SESSION_TTL_S")
    session_idle_s: int = Field(30 * 60, ge=1, alias="SESSION_IDLE_S")
    time_scale: int = Field(
        1,
        ge=1,
        alias="NARA_TIME_SCALE",
        description="demo only: notice periods are checked, and the payment deadlines of "
        "tenders announced meanwhile pass, this many times faster than real time (the demo "
        "uses 20000: 7 days is 30 s); must be 1 in production",
    )
    webauthn_rp_id: str = Field(
        "localhost",
        alias="WEBAUTHN_RP_ID",
        description="relying party id of passkeys: the origin's host or a parent domain of it",
    )
    webauthn_rp_name: str = Field(
        "Nara back office", alias="WEBAUTHN_RP_NAME", description="shown by authenticators"
    )
    webauthn_origin: str = Field(
        "http://localhost:8000",
        alias="WEBAUTHN_ORIGIN",
        description="the web origin passkeys are used on (https in production)",
    )
    passkey_challenge_ttl_s: int = Field(
        120, ge=5, alias="PASSKEY_CHALLENGE_TTL_S", description="passkey challenges expire"
    )
    metrics_token: SecretStr | None = Field(
        None,
        min_length=16,
        alias="METRICS_TOKEN",
        description="bearer token (16 characters or more) a Prometheus scraper sends to the "
        "API's /metrics; unset: only loopback peers may scrape, and only in development "
        "without TRUSTED_PROXIES",
    )
    worker_max_cached_workflows: int = Field(
        2000,
        alias="WORKER_MAX_CACHED_WORKFLOWS",
        ge=10,
        le=100_000,
        description="workflows a worker keeps in memory between their tasks (the sticky "
        "cache); one not cached is replayed from its history at its next task or query",
    )
    worker_metrics_address: str | None = Field(
        None,
        alias="WORKER_METRICS_ADDRESS",
        pattern=r"^[^\s:]*:\d{1,5}$",
        description="host:port where the worker serves Prometheus metrics (Temporal SDK and "
        "partner calls); unset: none (`nara dev` uses 127.0.0.1:9234)",
    )
    temporal_metrics_port: int = Field(
        9233,
        ge=1,
        le=65535,
        alias="TEMPORAL_METRICS_PORT",
        description="port of the embedded Temporal dev server's Prometheus /metrics",
    )
    ocds_ocid_prefix: str = Field(
        "ocds-xxxxxx",
        pattern=r"^ocds-[a-z0-9]{6}$",
        alias="OCDS_OCID_PREFIX",
        description="the open-data feed's ocid prefix (`ocds-` and six letters or digits): "
        "register one with the Open Contracting Partnership before publishing; every "
        "tender's ocid is `<prefix>-<notice no>` and must never change once published",
    )
    ocds_publisher_name: str = Field(
        "Nara back office",
        alias="OCDS_PUBLISHER_NAME",
        description="`publisher.name` of OCDS packages",
    )
    ocds_license: str = Field(
        "https://www.kogl.or.kr/info/licenseType1.do",
        alias="OCDS_LICENSE",
        description="`license` of OCDS packages (default: Korea Open Government License, type 1)",
    )
    ocds_publication_policy: str | None = Field(
        None,
        alias="OCDS_PUBLICATION_POLICY",
        description="`publicationPolicy` URL of OCDS packages; unset: the API's /docs page",
    )
    # Alerts: the worker's delivery of the notification outbox (nara.activities.alerts).
    alerts_batch_size: int = Field(
        100, ge=1, le=1000, alias="ALERTS_BATCH_SIZE", description="notifications per round"
    )
    alerts_idle_s: float = Field(
        30.0,
        gt=0,
        le=3600,
        alias="ALERTS_IDLE_S",
        description="longest wait for a NOTIFY before the worker looks for due retries",
    )
    alerts_max_attempts: int = Field(
        8, ge=1, le=100, alias="ALERTS_MAX_ATTEMPTS", description="then a delivery is failed"
    )
    log_format: Literal["console", "json"] | None = Field(None, alias="LOG_FORMAT")
    log_level: str = Field("INFO", alias="LOG_LEVEL")

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _empty_token_is_unset(cls, value: object) -> object:
        return None if value == "" else value  # compose passes `${METRICS_TOKEN:-}` as ""

    @property
    def ui_url(self) -> str:
        """The Temporal Web UI's address."""
        return self.temporal_ui_url or f"http://localhost:{self.temporal_ui_port}"

    @model_validator(mode="after")
    def _passkeys_scope_their_origin(self) -> Settings:
        host = urlsplit(self.webauthn_origin).hostname or ""
        rp_id = self.webauthn_rp_id
        if not (host == rp_id or host.endswith(f".{rp_id}")):
            raise ValueError(
                f"WEBAUTHN_RP_ID {rp_id!r} must be the host of WEBAUTHN_ORIGIN "
                f"{self.webauthn_origin!r} ({host!r}) or a parent domain of it"
            )
        secure = self.webauthn_origin.startswith("https://") or host == "localhost"
        if self.env == "production" and not secure:
            raise ValueError(
                "NARA_ENV=production needs WEBAUTHN_ORIGIN on https (browsers offer passkeys "
                f"only there, or on localhost), not {self.webauthn_origin!r}"
            )
        return self

    @model_validator(mode="after")
    def _production_needs_real_endpoints(self) -> Settings:
        if self.env == "production":
            missing = [
                name
                for name, value in (
                    ("DATABASE_URL", self.database_url),
                    ("TEMPORAL_ADDRESS", self.temporal_address),
                    ("TRUSTED_CA_CERTS", self.trusted_ca_certs),
                )
                if not value
            ]
            if self.time_scale != 1:
                missing.append("NARA_TIME_SCALE=1")
            if missing:
                raise ValueError(
                    f"NARA_ENV=production needs {', '.join(missing)} set; "
                    "the embedded stack is for development only"
                )
        return self

    @property
    def key_dir(self) -> Path:
        """Where the local key service keeps its files."""
        return self.keys_dir or self.var_dir / "keys"

    @property
    def effective_log_format(self) -> str:
        return self.log_format or ("json" if self.env == "production" else "console")


def reveal(secret: SecretStr | None) -> str | None:
    """The plain value of a secret setting, for the one call that needs it (never to log)."""
    return secret.get_secret_value() if secret is not None else None


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached)."""
    return Settings()
