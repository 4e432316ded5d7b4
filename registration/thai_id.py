"""Thai national ID numbers: validated by python-stdnum, stored encrypted, found by a keyed hash, shown masked.

At rest a number is a Fernet token (AES-128-CBC with HMAC-SHA256, from the cryptography package) under
settings.NATIONAL_ID_KEYS: the first key encrypts, every key decrypts, so a new key is put first and the
old ones are dropped once `manage.py rotate_national_id_key` has re-encrypted every row. Beside it is an
HMAC-SHA256 of the number under settings.NATIONAL_ID_HASH_KEY: the same number always gives the same
hash, which is what duplicate checks and the unique constraint compare. Neither reveals the number
without its key. Keys are read from settings on each call, never kept at import time.
"""

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.th import pin

MASK = "x-xxxx-xxxxx-xx-"


def clean_national_id(value):
    """Return the 13 digits of a valid ID, or raise stdnum's error (InvalidChecksum, InvalidLength…)."""
    return pin.validate(value)


def is_valid_national_id(value):
    try:
        clean_national_id(value)
    except StdnumError:
        return False
    return True


def mask_national_id(value):
    """x-xxxx-xxxxx-xx-3: only the check digit, which the first twelve decide, so it tells nothing more."""
    if not value:
        return ""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) != 13:
        return "x" * len(digits)
    return MASK + digits[12]


def _keys():
    return MultiFernet([Fernet(key) for key in settings.NATIONAL_ID_KEYS])


def encrypt_national_id(digits):
    """The Fernet token (ASCII text) of a clean 13-digit ID, under the newest key."""
    return _keys().encrypt(digits.encode("ascii")).decode("ascii")


def decrypt_national_id(token):
    """The ID inside a token; raises cryptography's InvalidToken when no configured key opens it."""
    return _keys().decrypt(token.encode("ascii")).decode("ascii")


def reencrypt_national_id(token):
    """The same ID under the newest key (MultiFernet.rotate); raises InvalidToken like decrypt."""
    return _keys().rotate(token.encode("ascii")).decode("ascii")


def encrypt_file(content):
    """A file that carries national IDs (an import waiting between preview and confirmation), encrypted
    like the numbers themselves: bytes in, a Fernet token (bytes) out."""
    return _keys().encrypt(content)


def decrypt_file(token):
    """The bytes encrypt_file() was given; raises InvalidToken when no configured key opens it."""
    return _keys().decrypt(token)


def hash_national_id(digits):
    """The keyed hash (64 hex characters) that duplicate checks and the unique constraint compare."""
    return hmac.new(settings.NATIONAL_ID_HASH_KEY.encode(), digits.encode("ascii"), hashlib.sha256).hexdigest()


def national_id_columns(value):
    """{"national_id_encrypted": …, "national_id_hash": …} for a clean 13-digit ID; both empty for ""."""
    if not value:
        return {"national_id_encrypted": "", "national_id_hash": ""}
    digits = clean_national_id(value)
    return {"national_id_encrypted": encrypt_national_id(digits), "national_id_hash": hash_national_id(digits)}


def masked_from_token(token):
    """The masked ID behind a token for display; "x-xxxx-xxxxx-xx-?" when no configured key opens it
    (a page keeps working; the rotation command and the reveal report the broken key)."""
    if not token:
        return ""
    try:
        return mask_national_id(decrypt_national_id(token))
    except InvalidToken:
        return MASK + "?"
