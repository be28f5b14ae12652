"""Where the at-rest encryption key comes from.

`HOURBILL_SECRET_KEY` wins. Without it, the embedded default (the Exact
sandbox, nothing real to protect) makes a development key once and keeps it in
`var/secret.key`, readable by its owner only; a deployment that talks to a real
Exact Online refuses to start without one.
"""

from __future__ import annotations

import os

from hourbill.settings import Settings
from infrastructure.secrets import SecretBox


class MissingSecretKey(RuntimeError):
    pass


def secret_key(settings: Settings) -> str:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    if not settings.exact_sandbox_embedded:
        raise MissingSecretKey(
            "HOURBILL_SECRET_KEY is required to store Exact Online credentials; "
            "make one with `hourbill secret-key`"
        )
    path = settings.secret_key_file
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = SecretBox.generate_key()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as file:
        file.write(key)
    return key
