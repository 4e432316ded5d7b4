"""QR codes as inline SVG (screens) or PNG data URIs (PDFs), from the qrcode library."""

import base64
import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


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
