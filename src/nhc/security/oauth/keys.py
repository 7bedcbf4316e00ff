"""NHC's signing key for access tokens: one RSA key kept in the data folder, made on first use.

The private key never leaves ``<data>/oauth_signing_key.json`` (created with mode 0600, like the
cookie secret); its public half is published at ``/oauth/jwks`` so resource servers and clients can
check a token's signature.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from joserfc.jwk import RSAKey

#: The one algorithm NHC signs its access tokens with (and the only one it accepts back).
TOKEN_ALG = "RS256"
KEY_FILE = "oauth_signing_key.json"


def load_signing_key(data_dir: Path) -> RSAKey:
    """The signing key in ``data_dir`` (made and written, readable by the owner only, if absent)."""
    path = data_dir / KEY_FILE
    if path.exists():
        return RSAKey.import_key(json.loads(path.read_text()))
    key = RSAKey.generate_key(2048, parameters={"alg": TOKEN_ALG, "use": "sig"}, private=True, auto_kid=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker made it first: use theirs
        return RSAKey.import_key(json.loads(path.read_text()))
    with os.fdopen(fd, "w") as fh:
        json.dump(key.as_dict(private=True), fh)
    return key


def public_jwks(key: RSAKey) -> dict[str, Any]:
    """The JSON Web Key Set with the public half of ``key``."""
    return {"keys": [key.as_dict(private=False)]}
