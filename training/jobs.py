"""Every valid certificate of a session in one ZIP, as a background job (meetings/jobs.py).

One certificate's PDF is made in the request (training/views/certificates.py). The ZIP holds one PDF per
certificate in a folder per province (TH-52/certificate-2564-0001-0042.pdf), so central staff can hand each
province its own; the certificates are laid out in parallel, a province at a time per process
(meetings.pdf.render_pdfs).
"""

from django.template.loader import render_to_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from meetings.collation import thai_ranks
from meetings.errors import DomainError
from meetings.jobs import JobResult, job_handler, job_language, start_session_job
from meetings.pdf import render_pdfs, zip_files
from meetings.permissions import is_central
from meetings.qr import qr_print_data_uris
from training import selectors
from training.models import Certificate

CERTIFICATES_KIND = "training.certificates_zip"
CERTIFICATE_TEMPLATE = "training/certificate_pdf.html"


class CertificatesZipError(DomainError):
    pass


def certificate_contexts(certificates, rule, request=None):
    """What each certificate's PDF shows; its QR code opens the public verification page."""
    urls = {certificate.pk: certificate.get_verify_url(request) for certificate in certificates}
    qr = qr_print_data_uris(urls.values())
    return [{"certificate": c, "rule": rule, "verify_url": urls[c.pk], "qr": qr[urls[c.pk]]} for c in certificates]


def certificate_filename(certificate):
    return f"certificate-{certificate.number}.pdf"


def _check_central(user):
    if user is None or not is_central(user):
        raise CertificatesZipError(_("Only central staff download every certificate at once."), "not_central")


def _by_province(certificates):
    """[(province, [certificates])] in Thai dictionary order of the provinces, certificates by number."""
    groups = {}
    for certificate in certificates:
        groups.setdefault(certificate.registration.province, []).append(certificate)
    ranks = thai_ranks(province.name for province in groups)
    return sorted(((p, sorted(cs, key=lambda c: c.number)) for p, cs in groups.items()), key=lambda item: ranks[item[0].name])


def start_certificates_job(*, session, actor):
    """Start the job zipping every valid certificate of `session`, or return the same person's job for it
    that is still waiting or running."""
    _check_central(actor)
    return start_session_job(kind=CERTIFICATES_KIND, session=session, actor=actor, title=gettext("Every certificate (ZIP)"))


@job_handler(CERTIFICATES_KIND, max_attempts=2)
def certificates_zip(job, progress):
    _check_central(job.created_by)
    session = job.session
    with job_language(job):
        certificates = Certificate.objects.valid().filter(session=session).select_related("registration__province", "session")
        groups = _by_province(certificates)
        if not groups:
            raise CertificatesZipError(_("This session has no valid certificates yet."), "no_certificates")
        rule = selectors.get_certificate_rule(session)
        done = 0

        def documents():
            for _province, group in groups:
                yield [render_to_string(CERTIFICATE_TEMPLATE, context) for context in certificate_contexts(group, rule)]

        def finished(index, _pdfs):
            nonlocal done
            done += 1
            progress(done, len(groups), label=groups[index][0].name)

        progress(0, len(groups), label=gettext("Laying out the pages"), force=True)
        pdfs = render_pdfs(documents(), on_done=finished)
        files = [
            (f"{province.code}/{certificate_filename(certificate)}", pdf)
            for (province, group), part in zip(groups, pdfs, strict=True)
            for certificate, pdf in zip(group, part, strict=True)
        ]
    stamp = session.starts_at.strftime("%Y%m%d")
    return JobResult(content=zip_files(files), filename=f"certificates-{stamp}.zip", summary={"certificates": len(files)})
