from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Training")

    def ready(self):
        # Its part of a person's data export and erasure (registration/personal_data.py): registration
        # cannot import this app, so this app registers itself.
        from registration.personal_data import anonymise_personal_data, collect_personal_data
        from training import personal_data

        collect_personal_data.connect(personal_data.collect, dispatch_uid="training.personal_data.collect")
        anonymise_personal_data.connect(personal_data.anonymise, dispatch_uid="training.personal_data.anonymise")
        # Its filter of reminder audiences (the post-test passed or not), registered the same way; and the
        # background job zipping every certificate of a session (training/jobs.py).
        from training import jobs, reminders  # noqa: F401
