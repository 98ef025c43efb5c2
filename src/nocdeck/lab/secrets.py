"""How the simulated devices store secrets: hashed, the way the real ones print them.

The lab never shows a typed secret back: `enable secret X` lands in the running config as
`enable secret 9 $9$…` (IOS) or `enable password sha512 $6$…` (EOS). The hash is a stable
digest so that saving the same secret twice gives the same config line.
"""

from __future__ import annotations

import base64
import hashlib

_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def hash_secret(secret: str, *, eos: bool) -> str:
    digest = hashlib.sha256(("nocdeck-lab:" + secret).encode()).digest()
    text = base64.b64encode(digest, altchars=b"./").decode().rstrip("=")
    salt = "".join(_ALPHABET[b % 64] for b in hashlib.md5(secret.encode()).digest()[:8])
    if eos:
        return f"$6${salt}${text}"
    return f"$9${salt[:6]}${text[:43]}"
