from django.urls import path

from attendance.views import checkin, dashboard, devices, reports, scanner_app, selfcheckin

app_name = "attendance"

VENUE = "sessions/<int:session_pk>/venues/<int:venue_pk>/"

urlpatterns = [
    # --- check-in: desk scanner, manual check-in and undo ---
    path(VENUE + "scan/", checkin.scan, name="scan"),  # first: the desk scanners' hot path
    path("sessions/<int:session_pk>/checkin/", checkin.checkin_home, name="checkin_home"),
    path(VENUE + "scanner/", checkin.scanner, name="scanner"),
    path(VENUE + "search/", checkin.search, name="search"),
    path("sessions/<int:session_pk>/checkins/", checkin.checkins, name="checkins"),
    path("sessions/<int:session_pk>/checkins/manual/", checkin.manual_checkin, name="manual_checkin"),
    path("sessions/<int:session_pk>/checkins/<int:registration_pk>/undo/", checkin.undo, name="undo_checkin"),
    # --- self check-in by rotating venue QR ---
    path(VENUE + "display/", selfcheckin.venue_display, name="venue_display"),
    path(VENUE + "display/code/", selfcheckin.venue_display_code, name="venue_display_code"),
    path("c/forget/", selfcheckin.self_checkin_forget, name="self_checkin_forget"),
    path("c/<str:code>/", selfcheckin.self_checkin, name="self_checkin"),
    # --- scanner devices (API tokens) ---
    path(VENUE + "devices/", devices.devices, name="devices"),
    path(VENUE + "devices/<int:pk>/revoke/", devices.device_revoke, name="device_revoke"),
    # --- reports ---
    path("sessions/<int:session_pk>/attendance/report/", reports.report, name="report"),
    path("sessions/<int:session_pk>/attendance/report.xlsx", reports.report_xlsx, name="report_xlsx"),
    path(VENUE + "signin-sheet.pdf", reports.signin_sheet, name="signin_sheet"),
    # --- live dashboard ---
    path("sessions/<int:session_pk>/attendance/live/", dashboard.live_dashboard, name="live_dashboard"),
    # --- the desk scanner as an offline app: its service worker (at the root: it controls /sessions/) and manifest ---
    path("scanner-sw.js", scanner_app.service_worker, name="scanner_service_worker"),
    path(VENUE + "scanner/manifest.webmanifest", scanner_app.manifest, name="scanner_manifest"),
]
