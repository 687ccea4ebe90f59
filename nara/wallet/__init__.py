"""The person's side of identity: their key, their certificate, their session token.

What a person (or the CLI, the demo, a benchmark, a test acting as a person) does to be
somebody to the back office, over HTTP only, with no server code:

- `keys`: make an EC P-256 key, a CSR for it, sign a login challenge; key and certificate
  files (the key readable by its owner only);
- `login`: ask the CA to certify the key (`enrol`), then log in by challenge and get a
  session token (`login`), `whoami`, `logout`;
- `token_file`: where `nara login` keeps the token between commands (mode 0600), and how
  it is shown (never in full);
- `passkeys`: a software passkey authenticator (the fingerprint step without a browser):
  makes passkeys, answers passkey logins, confirms a bid document.

The server's half is `nara.services.identity`; both agree on `nara.domain.identity`.
"""

from nara.wallet.keys import Credential
from nara.wallet.login import LoginFailed, Session, enrol, login, logout, whoami

__all__ = ["Credential", "LoginFailed", "Session", "enrol", "login", "logout", "whoami"]
