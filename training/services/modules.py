"""An attendee working through a module: opening the lesson and completing it."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from training.models import ModuleProgress
from training.services import TrainingError


def open_module(*, registration, module, now=None):
    """Record that the attendee opened the lesson (the first time counts)."""
    if module.session_id != registration.session_id:
        raise TrainingError(_("This module is not part of your session."), "wrong_session")
    progress, _created = ModuleProgress.objects.get_or_create(registration=registration, module=module, defaults={"opened_at": now or timezone.now()})
    return progress


def complete_module(*, registration, module, now=None):
    """Mark the module completed (by the attendee, or by passing its knowledge check); the first time counts."""
    now = now or timezone.now()
    with transaction.atomic():
        progress = open_module(registration=registration, module=module, now=now)
        if progress.completed_at is None:
            ModuleProgress.objects.filter(pk=progress.pk, completed_at__isnull=True).update(completed_at=now)
            progress.completed_at = now
    return progress
