"""The key service: the only place a tender's private key and reserve secret exist in clear.

`KeyService` makes a tender's key pair and reserve secret at announcement, keeps them
wrapped by a `Wrapper` (the local file `var/keys/master.key` in development and tests; a
KMS or an HSM in production, behind the same two methods), answers whether a sealed bid
will open without decrypting it, and decrypts a tender's bids and reveals its reserve
secret only once the database records that bidding closed. Every use is an audit event.
It also signs bid receipts and the audit log's tree heads with the server's keys.
See docs/sealed-bids.md and docs/audit-log.md.
"""

from nara.keys.service import KeyService, OpenedTender, TenderKeyInfo
from nara.keys.signing import LogSigner, ReceiptSigner
from nara.keys.wrapping import FileWrapper, Wrapper

__all__ = [
    "FileWrapper",
    "KeyService",
    "LogSigner",
    "OpenedTender",
    "ReceiptSigner",
    "TenderKeyInfo",
    "Wrapper",
]
