"""Everything the identity use cases need besides a database session: the trusted roots,
the CA's revocation list and the session policy, built once per API process."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from nara import metrics
from nara.domain.errors import TrustUnavailable
from nara.partners.ca import CertificateAuthorityClient
from nara.services.identity.certificates import TrustedRoots, root_paths
from nara.services.identity.models import SessionPolicy
from nara.services.identity.revocation import RevocationList
from nara.settings import Settings


class Verifier:
    """The trusted roots (read on first use, so the API may start before the CA has made
    its root in development), the revocation list and the policy.

    Args:
        root_paths: PEM files of the trusted roots.
        ca: the client the CRL is read with.
        crl_max_age_s: re-read the CRL when it is older than this.
        policy: lifetimes of challenges and sessions.
    """

    def __init__(
        self,
        *,
        root_paths: list[Path],
        ca: CertificateAuthorityClient,
        crl_max_age_s: float,
        policy: SessionPolicy,
    ) -> None:
        self.root_paths = root_paths
        self.ca = ca
        self.crl_max_age_s = crl_max_age_s
        self.policy = policy
        self._roots: TrustedRoots | None = None
        self._revocations: RevocationList | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Verifier:
        return cls(
            root_paths=root_paths(settings.trusted_ca_certs, settings.var_dir),
            ca=CertificateAuthorityClient(
                settings.ca_url,
                timeout_s=settings.partner_timeout_s,
                observe=metrics.record_partner_call,
            ),
            crl_max_age_s=settings.crl_max_age_s,
            policy=SessionPolicy(
                challenge_ttl=timedelta(seconds=settings.login_challenge_ttl_s),
                session_ttl=timedelta(seconds=settings.session_ttl_s),
                idle_timeout=timedelta(seconds=settings.session_idle_s),
            ),
        )

    def roots(self) -> TrustedRoots:
        """The trusted roots; TrustUnavailable while they cannot be read."""
        if self._roots is None:
            if not self.root_paths:
                raise TrustUnavailable(
                    "no trusted certificate authority is configured",
                    field="TRUSTED_CA_CERTS",
                    fix="set TRUSTED_CA_CERTS to the CA's root certificate (PEM)",
                )
            self._roots = TrustedRoots.from_paths(self.root_paths)
        return self._roots

    def revocations(self) -> RevocationList:
        if self._revocations is None:
            self._revocations = RevocationList(
                self.roots(), self.ca.crl, max_age_s=self.crl_max_age_s
            )
        return self._revocations

    async def aclose(self) -> None:
        await self.ca.aclose()
