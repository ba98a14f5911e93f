"""Encryption at rest for ID numbers, phone numbers and bank accounts, and their blind index.

One master key (``MINZHENG_FIELD_KEY``, 32 bytes urlsafe-base64, from the environment) is
split with HKDF into an AES-256-GCM key and an HMAC key. Ciphertexts carry a version prefix
so that the key can be rotated later. The blind index is HMAC-SHA256 over a purpose label and
the normalised value: equal inputs give equal hashes (exact lookup, uniqueness), and without
the key a stolen database cannot be searched by ID number.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_VERSION = "v1"


@functools.cache
def _keys() -> tuple[AESGCM, bytes]:
    try:
        master = base64.urlsafe_b64decode(settings.FIELD_ENCRYPTION_KEY)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("MINZHENG_FIELD_KEY 不是有效的 base64 编码") from exc
    if len(master) != 32:
        raise ImproperlyConfigured("MINZHENG_FIELD_KEY 必须是 32 字节（base64 编码后 44 个字符）")

    def derive(label: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(master)

    return AESGCM(derive(b"minzheng field encryption v1")), derive(b"minzheng blind index v1")


def encrypt(plaintext: str) -> str:
    aead, _ = _keys()
    nonce = os.urandom(12)
    sealed = aead.encrypt(nonce, plaintext.encode(), None)
    return f"{_VERSION}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str) -> str:
    version, _, body = token.partition(":")
    if version != _VERSION:
        raise ValueError("未知的密文版本")
    raw = base64.b64decode(body)
    aead, _ = _keys()
    return aead.decrypt(raw[:12], raw[12:], None).decode()


def blind_index(purpose: str, value: str) -> str:
    """Keyed hash of a normalised value; ``purpose`` keeps ID and phone hashes apart."""
    _, mac_key = _keys()
    return hmac.new(mac_key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()
