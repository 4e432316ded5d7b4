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


# Opt-out links in messages ("no more reminders on this channel"): the person's link key and the channel,
# signed with a salt of their own, so an opt-out link opens nothing else (not the personal page) and a
# personal link cannot be turned into one. A new personal link (a new key) retires the old opt-out links.
OPT_OUT_SALT = "prachum.registration.opt-out"


def make_opt_out_token(registration, channel):
    return signing.Signer(salt=OPT_OUT_SALT).sign(f"{channel}.{registration.token_key}")


def read_opt_out_token(token):
    """(token key, channel) inside an opt-out token, or None when it was tampered with."""
    try:
        value = signing.Signer(salt=OPT_OUT_SALT).unsign(token)
    except signing.BadSignature:
        return None
    channel, _, key = value.partition(".")
    return (key, channel) if key else None
