"""Check-in tickets: what badges, the personal page and scanners carry, apart from the personal link.

A ticket is "PT1." followed by base64url (no padding) of an 11-byte payload and its 64-byte
Ed25519 signature. The payload is the format (1), the session id, the registration id and the
ticket version (">BIIH", big-endian): no personal data, and nothing that opens the personal page.

Each session has its own key pair, derived from SECRET_KEY with HKDF, so no private key is stored
and a ticket of one session can never pass for another's. Scanners verify tickets offline with the
session's public key (the venue snapshot carries it). Re-issuing a lost badge bumps the
registration's `ticket_version`: tickets of older versions are refused.
"""

import base64
import binascii
import struct
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "PT1."
FORMAT = 1
PAYLOAD = struct.Struct(">BIIH")
SIGNATURE_BYTES = 64
MAX_VERSION = 0xFFFF
HKDF_SALT = b"prachum.attendance.ticket-key"


class TicketError(ValueError):
    """Not a ticket, or one whose signature does not hold."""


@dataclass(frozen=True)
class Ticket:
    session_id: int
    registration_id: int
    version: int


@lru_cache(maxsize=256)
def _private_key(secret_key, session_id):
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT, info=b"session:%d" % session_id).derive(secret_key.encode())
    return Ed25519PrivateKey.from_private_bytes(seed)


def session_private_key(session_id):
    return _private_key(settings.SECRET_KEY, int(session_id))


def session_public_key_bytes(session_id):
    return session_private_key(session_id).public_key().public_bytes(encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw)


def session_public_key(session_id):
    """The session's public key as scanners receive it: base64url of the raw 32 bytes."""
    return _b64encode(session_public_key_bytes(session_id))


def _b64encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_ticket(registration):
    """The ticket of a registration at its current version."""
    return encode_ticket(registration.session_id, registration.pk, registration.ticket_version)


def encode_ticket(session_id, registration_id, version):
    payload = PAYLOAD.pack(FORMAT, session_id, registration_id, version)
    signature = session_private_key(session_id).sign(payload)
    return PREFIX + _b64encode(payload + signature)


def looks_like_ticket(text):
    return isinstance(text, str) and text.strip().upper().startswith(PREFIX)


def read_ticket(text):
    """The Ticket in `text`; TicketError when it is malformed or its signature does not hold."""
    text = (text or "").strip()
    if not looks_like_ticket(text):
        raise TicketError("not a ticket")
    body = text[len(PREFIX) :]
    if len(body) > 200:
        raise TicketError("too long")
    try:
        raw = _b64decode(body)
    except (binascii.Error, ValueError) as exc:
        raise TicketError("not base64url") from exc
    if len(raw) != PAYLOAD.size + SIGNATURE_BYTES:
        raise TicketError("wrong length")
    payload, signature = raw[: PAYLOAD.size], raw[PAYLOAD.size :]
    fmt, session_id, registration_id, version = PAYLOAD.unpack(payload)
    if fmt != FORMAT:
        raise TicketError("unknown format")
    try:
        session_private_key(session_id).public_key().verify(signature, payload)
    except InvalidSignature as exc:
        raise TicketError("bad signature") from exc
    return Ticket(session_id, registration_id, version)
