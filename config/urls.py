from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from attendance.api import api as attendance_api
from meetings import views as meeting_views

urlpatterns = [
    path("", meeting_views.home, name="home"),
    path("healthz", meeting_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", attendance_api.urls),
    path("", include("meetings.urls")),
    path("", include("attendance.urls")),
    path("", include("training.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
