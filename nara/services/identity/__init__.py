"""Identity: who is behind a request.

- `certificates`: a person's certificate checked against the trusted roots (chain,
  validity at the server's clock, profile), with `cryptography`'s X.509 verifier;
- `revocation`: the CA's CRL, checked against the roots and kept for CRL_MAX_AGE_S;
- `login`: single-use challenges, login by signed challenge, enrolment of a certificate
  for one person;
- `sessions`: bearer token -> `Actor` (with `Authentication`: session, certificate,
  business, client address), logout, whoami;
- `verifier`: the roots, the CRL and the session policy of one API process.

The person's side of all this is `nara.wallet`.
"""

from nara.services.identity.models import Challenge, LoginResult, SessionPolicy, SessionView
from nara.services.identity.verifier import Verifier

__all__ = ["Challenge", "LoginResult", "SessionPolicy", "SessionView", "Verifier"]
