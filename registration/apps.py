from django.apps import AppConfig
from django.core.checks import register
from django.utils.translation import gettext_lazy as _

from registration.checks import check_email


class RegistrationConfig(AppConfig):
    """Participants: registration by province (forms, bulk import, quotas), personal links,
    check-in tickets and badges. Built on meetings; attendance and training build on it."""

    name = "registration"
    verbose_name = _("Registration")

    def ready(self):
        # Registers the message delivery job with the job runner (meetings/jobs.py), the outbox's
        # e-mail transport (registration/email.py), and the reminders' tick and job (registration/reminders.py).
        # LINE's transport and tick (registration/line.py); its part of a person's data goes with their data.
        from registration import email, jobs, line, messaging, reminders  # noqa: F401  (jobs: whole-session badges and list PDFs)
        from registration.personal_data import anonymise_personal_data, collect_personal_data

        collect_personal_data.connect(line.collect_line_data, dispatch_uid="registration.line.collect")
        collect_personal_data.connect(messaging.collect_message_data, dispatch_uid="registration.messaging.collect")
        anonymise_personal_data.connect(line.anonymise_line_data, dispatch_uid="registration.line.anonymise")

        # Start-up warns when no mail server is set.
        register(check_email, "email")
