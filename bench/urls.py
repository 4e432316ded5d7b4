from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare_ok(request):
    """The baseline every benchmark compares with: the cheapest Django view on the same server."""
    return HttpResponse("ok")


urlpatterns = [
    path("bench/ok", bare_ok),
    path("", include("config.urls")),
]
