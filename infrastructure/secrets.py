"""Secrets at rest: Fernet (AES-128-CBC with HMAC-SHA256, authenticated) from `cryptography`.

The key comes from configuration as a urlsafe base64 32-byte Fernet key
(`SecretBox.generate_key()` makes one). Older keys may be passed too, so a key
can be rotated: new text is always encrypted with the first key, and text
encrypted with any of them still decrypts (`rotate()` re-encrypts it).

Neither the key nor any plaintext ever appears in a repr or an exception message.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretKeyError(ValueError):
    """The configured key is not a Fernet key (the key itself is never shown)."""


class SecretDecryptionError(Exception):
    """Stored ciphertext does not decrypt: another key, or the data was altered."""


class SecretBox:
    def __init__(self, key: str | bytes, previous_keys: Sequence[str | bytes] = ()) -> None:
        self._fernet = MultiFernet([_fernet(k) for k in (key, *previous_keys)])

    @staticmethod
    def generate_key() -> str:
        """A new random key, in the form the configuration expects."""
        return Fernet.generate_key().decode("ascii")

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise SecretDecryptionError(
                "A stored secret cannot be decrypted with the configured key: "
                "the key was changed (pass the old one as a previous key) or the data was altered"
            ) from None

    def rotate(self, ciphertext: str) -> str:
        """The same text, encrypted with the current (first) key."""
        try:
            return self._fernet.rotate(ciphertext.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise SecretDecryptionError(
                "A stored secret cannot be decrypted with the configured keys"
            ) from None

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"


def _fernet(key: str | bytes) -> Fernet:
    try:
        return Fernet(key)
    except (ValueError, TypeError):
        raise SecretKeyError(
            "The secret key is not a Fernet key (32 bytes, urlsafe base64); "
            "make one with SecretBox.generate_key()"
        ) from None
