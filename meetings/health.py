"""Checks behind /healthz: each returns None when fine, or a short reason."""

import asyncio
import logging
import platform
import uuid

import channels
import django
from channels.layers import get_channel_layer
from django.db import connection

logger = logging.getLogger(__name__)
CHECK_TIMEOUT_SECONDS = 3


def check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any driver error means the database is not usable; the details go to the log only
        logger.warning("health check: the database is unavailable", exc_info=True)
        return "unavailable"
    return None


def versions():
    """What runs, for staff reading /healthz: Python, Django, Channels and the database engine."""
    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "channels": channels.__version__,
        "database": connection.vendor,
    }


async def check_channel_layer():
    """Send a message to a fresh channel and read it back, within a few seconds."""
    layer = get_channel_layer()
    if layer is None:
        return "no channel layer configured"
    message = {"type": "health.ping", "nonce": uuid.uuid4().hex}

    async def round_trip():
        channel = await layer.new_channel()
        await layer.send(channel, message)
        return await layer.receive(channel)

    try:
        received = await asyncio.wait_for(round_trip(), timeout=CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        return f"no answer within {CHECK_TIMEOUT_SECONDS} s"
    except Exception:  # connection refused, bad host, …; the details go to the log only
        logger.warning("health check: the channel layer is unavailable", exc_info=True)
        return "unavailable"
    if received.get("nonce") != message["nonce"]:
        return "channel layer returned another message"
    return None
