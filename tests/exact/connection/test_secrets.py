"""SecretBox: Fernet at rest; wrong keys fail clearly, and nothing secret leaks."""

from __future__ import annotations

import base64

import pytest

from infrastructure.secrets import SecretBox, SecretDecryptionError, SecretKeyError

SECRET = "Gcp7!IAAAABh4eI8D-refresh-token"


def test_text_comes_back_and_the_ciphertext_does_not_contain_it() -> None:
    box = SecretBox(SecretBox.generate_key())

    ciphertext = box.encrypt(SECRET)

    assert SECRET not in ciphertext
    assert "Gcp7" not in ciphertext
    assert box.decrypt(ciphertext) == SECRET


def test_the_same_text_encrypts_differently_each_time() -> None:
    box = SecretBox(SecretBox.generate_key())

    assert box.encrypt(SECRET) != box.encrypt(SECRET)


def test_generated_keys_are_urlsafe_base64_of_32_bytes_and_differ() -> None:
    key = SecretBox.generate_key()

    assert len(base64.urlsafe_b64decode(key)) == 32
    assert key != SecretBox.generate_key()


def test_a_key_given_as_bytes_works_too() -> None:
    key = SecretBox.generate_key()

    assert SecretBox(key.encode()).decrypt(SecretBox(key).encrypt(SECRET)) == SECRET


def test_decrypting_with_another_key_raises_a_clear_error_without_secrets() -> None:
    ciphertext = SecretBox(SecretBox.generate_key()).encrypt(SECRET)
    other_key = SecretBox.generate_key()

    with pytest.raises(SecretDecryptionError) as raised:
        SecretBox(other_key).decrypt(ciphertext)

    message = str(raised.value)
    assert "cannot be decrypted with the configured key" in message
    assert SECRET not in message
    assert other_key not in message
    assert ciphertext not in message
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


def test_altered_ciphertext_does_not_decrypt() -> None:
    box = SecretBox(SecretBox.generate_key())
    ciphertext = box.encrypt(SECRET)
    altered = ciphertext[:-6] + ("A" if ciphertext[-6] != "A" else "B") + ciphertext[-5:]

    with pytest.raises(SecretDecryptionError):
        box.decrypt(altered)
    with pytest.raises(SecretDecryptionError):
        box.decrypt("not a fernet token at all ✓")


@pytest.mark.parametrize(
    "key", ["", "short", "x" * 44, base64.urlsafe_b64encode(b"k" * 16).decode()]
)
def test_a_key_that_is_no_fernet_key_is_refused_without_being_shown(key: str) -> None:
    with pytest.raises(SecretKeyError) as raised:
        SecretBox(key)

    assert "generate_key" in str(raised.value)
    if key:
        assert key not in str(raised.value)


def test_the_repr_hides_the_key() -> None:
    key = SecretBox.generate_key()

    assert key not in repr(SecretBox(key))
    assert repr(SecretBox(key)) == "SecretBox(<key hidden>)"


def test_a_previous_key_still_decrypts_and_rotate_moves_text_to_the_new_key() -> None:
    old, new = SecretBox.generate_key(), SecretBox.generate_key()
    stored = SecretBox(old).encrypt(SECRET)
    box = SecretBox(new, previous_keys=[old])

    assert box.decrypt(stored) == SECRET
    rotated = box.rotate(stored)
    assert SecretBox(new).decrypt(rotated) == SECRET
    with pytest.raises(SecretDecryptionError):
        SecretBox(old).decrypt(rotated)
