from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationConfig(AppConfig):
    """Participants: registration by province (forms, bulk import, quotas), personal links,
    check-in tickets and badges. Built on meetings; attendance and training build on it."""

    name = "registration"
    verbose_name = _("Registration")
