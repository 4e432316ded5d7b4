from django.urls import path

from attendance import consumers

websocket_urlpatterns = [
    path("ws/sessions/<int:session_id>/attendance/", consumers.AttendanceDashboardConsumer.as_asgi()),
]
