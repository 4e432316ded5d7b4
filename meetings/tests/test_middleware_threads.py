"""Under ASGI the middleware stack runs in sync mode, in one thread per request (config/middleware.py)."""
from asgiref.sync import SyncToAsync, iscoroutinefunction
from django.core.handlers.asgi import ASGIHandler
from django.utils.deprecation import MiddlewareMixin

BUILT = []


class Recorder(MiddlewareMixin):
    """Like Django's own middleware: sync and async capable. Records the instances Django builds."""

    def __init__(self, get_response):
        super().__init__(get_response)
        BUILT.append(self)


def stack_with_recorder(middleware):
    BUILT.clear()
    names = [*middleware[:-1], "meetings.tests.test_middleware_threads.Recorder", middleware[-1]]
    return names if middleware[-1] == "config.middleware.OneThreadPerRequest" else [*middleware, "meetings.tests.test_middleware_threads.Recorder"]


def test_the_stack_is_adapted_once_and_runs_in_sync_mode(settings):
    assert settings.MIDDLEWARE[-1] == "config.middleware.OneThreadPerRequest"
    settings.MIDDLEWARE = stack_with_recorder(settings.MIDDLEWARE)
    handler = ASGIHandler()
    # One sync_to_async around the whole stack, rather than a thread hand-off per middleware call.
    assert isinstance(handler._middleware_chain, SyncToAsync)
    (recorder,) = BUILT
    assert not iscoroutinefunction(recorder)


def test_without_it_django_middleware_would_run_in_async_mode(settings):
    """The control: the same stack without OneThreadPerRequest runs Django's middleware in async
    mode, each call handed to a thread and back."""
    settings.MIDDLEWARE = stack_with_recorder([m for m in settings.MIDDLEWARE if m != "config.middleware.OneThreadPerRequest"])
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "whitenoise" not in m]  # sync-only: it would adapt too
    ASGIHandler()
    assert iscoroutinefunction(BUILT[-1])
