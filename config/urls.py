from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from attendance.api import api as attendance_api
from meetings import views as meeting_views

urlpatterns = [
    # The check-in endpoints first: at the door they take most of the requests, and Django tries
    # the patterns in order (measured on bench_checkin: resolving the desk scanner's URL after
    # the meetings app's patterns cost about 0.1 ms a scan). No two apps share a URL
    # (meetings/tests/test_urls.py), so the order changes nothing else.
    path("api/", attendance_api.urls),
    path("", include("attendance.urls")),
    path("", meeting_views.home, name="home"),
    path("healthz", meeting_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("meetings.urls")),
    path("", include("registration.urls")),
    path("", include("training.urls")),
]

# MEDIA_ROOT is never served as such, not even in development: uploaded files (training attachments)
# go out only through their views, which check who asks and send them as downloads.
