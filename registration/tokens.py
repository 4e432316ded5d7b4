"""Signed personal links. The signed value is a random key, never a primary key or personal data."""

from django.core import signing

PERSONAL_LINK_SALT = "prachum.registration.personal-link"


def make_personal_token(registration):
    return signing.Signer(salt=PERSONAL_LINK_SALT).sign(registration.token_key)


def read_personal_token(token):
    """Return the token key inside a personal token, or None when it was tampered with."""
    try:
        return signing.Signer(salt=PERSONAL_LINK_SALT).unsign(token)
    except signing.BadSignature:
        return None
