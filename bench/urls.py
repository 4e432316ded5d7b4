from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare_ok(request):
    """The baseline every benchmark compares with: the cheapest Django view on the same server."""
    return HttpResponse("ok")


@csrf_exempt
def record_checkin(request):
    """Dashboard benchmark and the two-process test: record one check-in *in this server process*
    the way the check-in service does (write in a transaction, notify dashboards on commit).
    Staff only; exists only under bench.settings, never in the product's URLs."""
    import time

    from django.http import JsonResponse

    from attendance.tests.checkins import record_checkin as record
    from meetings.permissions import is_staff_member
    from registration.models import Registration

    if request.method != "POST" or not is_staff_member(request.user):
        return HttpResponse(status=403)
    registration = Registration.objects.get(pk=int(request.POST["registration"]))
    checkin = record(registration)
    return JsonResponse({"id": checkin.pk, "committed_at": time.time()})


urlpatterns = [
    path("bench/ok", bare_ok),
    path("bench/checkin", record_checkin),
    path("", include("config.urls")),
]
