"""Uploaded participant lists between the preview and the confirmation.

The import page checks a file, shows the preview, and keeps the file here until the officer confirms or
cancels; the confirmation reads the rows again from this copy, never from the browser. The files hold
personal data: the folder (settings.IMPORT_STAGING_DIR, outside MEDIA_ROOT) and every file in it are
readable by this service's user only, and a file is deleted as soon as it is used (confirmed, refused at
confirmation, or cancelled) and otherwise once its preview has expired (MAX_AGE): every upload,
confirmation and cancellation sweeps the expired ones away, and so does
`manage.py purge_staged_imports` for the hours when nobody imports.
"""

import os
import time
import uuid
from pathlib import Path

from django.conf import settings

# An officer has this long between the preview and the confirmation (the signed preview id expires too).
MAX_AGE = 60 * 60
# A file is kept this much longer, so a confirmation signed just in time still finds it.
GRACE = 60
SUFFIX = ".upload"


def clock():
    """Seconds since the epoch; tests replace it to let files expire."""
    return time.time()


def staging_dir():
    folder = Path(settings.IMPORT_STAGING_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def purge_expired():
    """Delete the staged files whose preview has expired; return how many."""
    cutoff = clock() - MAX_AGE - GRACE
    deleted = 0
    for path in staging_dir().glob("*" + SUFFIX):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
        except OSError:  # another process deleted it meanwhile
            pass
    return deleted


def stage(content):
    """Keep `content` until it is confirmed or cancelled; return its name (hex digits)."""
    purge_expired()
    name = uuid.uuid4().hex
    # Readable by this service's user only (personal data), whatever the umask.
    with os.fdopen(os.open(staging_dir() / f"{name}{SUFFIX}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as staged:
        staged.write(content)
    return name


def _path(name):
    if not (isinstance(name, str) and name.isalnum() and name.isascii()):
        raise ValueError("not a staged file's name")
    return staging_dir() / f"{name}{SUFFIX}"


def read_staged(name):
    """The staged file's content; OSError when it is gone (used, cancelled or expired), ValueError for a bad name."""
    path = _path(name)
    if path.stat().st_mtime < clock() - MAX_AGE - GRACE:
        path.unlink(missing_ok=True)
        raise FileNotFoundError(name)
    return path.read_bytes()


def discard(name):
    """Delete a staged file (it was used or cancelled), and the expired ones with it."""
    _path(name).unlink(missing_ok=True)
    purge_expired()
