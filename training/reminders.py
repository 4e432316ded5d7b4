"""Training's filter of reminder audiences (registration/reminders.py): the state of the session's post-test.

Registered with registration's `audience_filter` when TrainingConfig.ready() imports this module: registration
cannot import this app, so this app registers itself. "Passed" is the certificate rule's (training.selectors.
posttest_passed): a submitted attempt at the session's post-test that passed."""

from django.db.models import Exists, OuterRef

from registration.models import PosttestFilter
from registration.reminders import audience_filter
from training.models import Attempt, QuizKind


@audience_filter("posttest")
def by_posttest(registrations, value):
    submitted = Attempt.objects.submitted().filter(registration=OuterRef("pk"), quiz__session_id=OuterRef("session_id"), quiz__kind=QuizKind.POSTTEST)
    taken, passed = Exists(submitted), Exists(submitted.filter(passed=True))
    if value == PosttestFilter.NOT_TAKEN:
        return registrations.filter(~taken)
    if value == PosttestFilter.PASSED:
        return registrations.filter(passed)
    if value == PosttestFilter.NOT_PASSED:
        return registrations.filter(~passed)
    return registrations
