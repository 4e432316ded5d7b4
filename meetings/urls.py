from django.urls import include, path

from meetings import registration_urls, views

app_name = "meetings"

urlpatterns = [
    path("p/<str:token>/", views.personal_page, name="personal"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:session_pk>/venues/<int:pk>/", views.venue_detail, name="venue_detail"),
]

# Registration (issue 4): /sessions/<session_pk>/registrations/…
urlpatterns += [
    path("sessions/<int:session_pk>/registrations/", include(registration_urls.urlpatterns)),
]
