from attendance.routing import websocket_urlpatterns as attendance_ws

websocket_urlpatterns = [*attendance_ws]
