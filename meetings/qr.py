"""QR codes as inline SVG (screens) or PNG data URIs (PDFs), from the qrcode library; printed codes in bulk
(badges) from zxing-cpp's encoder, which is faster (see below)."""

import base64
import hashlib
import io
import logging

import qrcode
import qrcode.image.svg
import zxingcpp
from django.core.cache import cache
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

logger = logging.getLogger(__name__)


def _make(data, box_size):
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    return qr


def qr_svg(data, box_size=10):
    """An <svg> element (string) that scales with its container."""
    image = _make(data, box_size).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode")
    return svg[svg.index("<svg") :] if "<svg" in svg else svg


def qr_png(data, box_size=8):
    buffer = io.BytesIO()
    _make(data, box_size).make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def qr_png_data_uri(data, box_size=8):
    return "data:image/png;base64," + base64.b64encode(qr_png(data, box_size)).decode("ascii")


# --- printed QR codes (badges): one pixel per module, cached per text --------------------------------------
#
# A badge sheet of a whole session holds thousands of QR codes. Two things made them slow (measured on 2,660
# tickets): the qrcode library scores all eight mask patterns in Python for every code (4.5 of its 5.5 ms per
# code), and a PNG of 5 pixels per module costs WeasyPrint about 2 ms to decode and re-encode. Printed codes
# are therefore made by zxing-cpp's encoder (C++, the same library the tests read codes with): a standard QR
# code, its mask chosen by the standard's penalty rules, in about 0.5 ms with the PNG (1.5 ms for qrcode with
# a fixed mask, measured side by side). The PNG has one pixel per module; the printable scales it up without
# smoothing (`image-rendering: pixelated`).
PRINT_ERROR_CORRECTION = "M"  # as on screens (ERROR_CORRECT_M): a badge survives a crease or a smudge
PRINT_CACHE_SECONDS = 30 * 24 * 3600  # a ticket changes only when it is reissued, and then so does the key
PRINT_CACHE_PREFIX = "qr-print:2:"


def qr_print_png(data):
    """A QR code as a PNG with one pixel per module and the standard 4-module quiet zone, black on white."""
    code = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level=PRINT_ERROR_CORRECTION)
    pixels = memoryview(code.to_image(scale=1, add_quiet_zones=True))
    height, width = pixels.shape
    buffer = io.BytesIO()
    # 8-bit grey, which WeasyPrint embeds as it is (a 1-bit image it converts to colour first).
    Image.frombytes("L", (width, height), pixels.tobytes()).save(buffer, format="PNG")
    return buffer.getvalue()


def _print_cache_key(data):
    # The key names a digest, not the text: a ticket is a credential for check-in.
    return PRINT_CACHE_PREFIX + hashlib.sha256(data.encode()).hexdigest()


def qr_print_data_uris(texts):
    """{text: PNG data URI} for printables, each code made once and kept in Django's cache (in Redis, shared by
    every worker process), so printing the badges again makes no code twice. A cache that does not answer
    only costs the time to make them again."""
    texts = list(dict.fromkeys(texts))
    keys = {text: _print_cache_key(text) for text in texts}
    try:
        cached = cache.get_many(list(keys.values()))
    except Exception:  # Redis down: print without the cache rather than not at all
        logger.warning("QR cache unavailable; making the codes again", exc_info=True)
        cached = {}
    uris, made = {}, {}
    for text, key in keys.items():
        uri = cached.get(key)
        if uri is None:
            uri = made[key] = "data:image/png;base64," + base64.b64encode(qr_print_png(text)).decode("ascii")
        uris[text] = uri
    if made:
        try:
            cache.set_many(made, timeout=PRINT_CACHE_SECONDS)
        except Exception:
            logger.warning("QR cache unavailable; the codes are not kept", exc_info=True)
    return uris
