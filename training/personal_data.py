"""Training's part of a person's data (registration.personal_data): module progress, quiz attempts, certificates.

Connected to registration's signals in TrainingConfig.ready(). Erasure keeps progress and scores (the
session's results stay true) and removes the name printed on the person's certificates.
"""

from registration.personal_data import ANONYMISED_NAME, iso
from training.models import Attempt, Certificate, ModuleProgress


def collect(sender, registration, **kwargs):
    progress = ModuleProgress.objects.filter(registration=registration).select_related("module").order_by("module__order", "pk")
    attempts = Attempt.objects.filter(registration=registration).select_related("quiz").order_by("started_at", "pk")
    certificates = Certificate.objects.filter(registration=registration).order_by("issued_at", "pk")
    return "training", {
        "modules": [{"module": item.module.title, "opened_at": iso(item.opened_at), "completed_at": iso(item.completed_at)} for item in progress],
        "quiz_attempts": [
            {
                "quiz": attempt.quiz.title,
                "kind": attempt.quiz.kind,
                "number": attempt.number,
                "status": attempt.status,
                "started_at": iso(attempt.started_at),
                "submitted_at": iso(attempt.submitted_at),
                "correct_answers": attempt.correct_count,
                "questions": attempt.question_count,
                "score_percent": str(attempt.score) if attempt.score is not None else None,
                "passed": attempt.passed,
            }
            for attempt in attempts
        ],
        "certificates": [
            {
                "number": certificate.number,
                "name": certificate.holder_name,
                "session_title": certificate.session_title,
                "session_date": iso(certificate.session_date),
                "issued_at": iso(certificate.issued_at),
                "revoked_at": iso(certificate.revoked_at),
            }
            for certificate in certificates
        ],
    }


def anonymise(sender, registration_ids, **kwargs):
    Certificate.objects.filter(registration_id__in=registration_ids).update(holder_name=ANONYMISED_NAME, revoke_reason="")
