from django.urls import path

from meetings import views

app_name = "meetings"

urlpatterns = [
    path("p/<str:token>/", views.personal_page, name="personal"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:session_pk>/venues/<int:pk>/", views.venue_detail, name="venue_detail"),
]
