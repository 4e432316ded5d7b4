"""Signed codes in certificate QR codes: the certificate number (not personal data) plus a signature,
so numbers cannot be guessed to look up other people's names."""

from django.core import signing

CERTIFICATE_SALT = "prachum.training.certificate-verify"


def make_certificate_token(certificate):
    return signing.Signer(salt=CERTIFICATE_SALT).sign(certificate.number)


def read_certificate_token(code):
    try:
        return signing.Signer(salt=CERTIFICATE_SALT).unsign(code)
    except signing.BadSignature:
        return None
