from django.urls import path

from attendance.views import dashboard

app_name = "attendance"

urlpatterns = [
    # Live dashboard (issue 5, live side)
    path("sessions/<int:session_pk>/attendance/live/", dashboard.live_dashboard, name="live_dashboard"),
]
