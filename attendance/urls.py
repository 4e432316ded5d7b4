from django.urls import path

from attendance.views import checkin, dashboard, devices, reports, scanner_app, selfcheckin, vc

app_name = "attendance"

VENUE = "sessions/<int:session_pk>/venues/<int:venue_pk>/"
VC = "sessions/<int:session_pk>/attendance/vc/"

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
    path("sessions/<int:session_pk>/attendance/signin-sheets/", reports.signin_sheets, name="signin_sheets"),  # every venue: a job
    # --- video-conference reports (Zoom, Webex, Teams) and attendance from both sources ---
    path(VC, vc.vc_reports, name="vc_reports"),
    path(VC + "upload/", vc.vc_upload, name="vc_upload"),
    path(VC + "<int:report_pk>/", vc.vc_review, name="vc_review"),
    path(VC + "<int:report_pk>/confirm/", vc.vc_confirm, name="vc_confirm"),
    path(VC + "<int:report_pk>/discard/", vc.vc_discard, name="vc_discard"),
    path(VC + "<int:report_pk>/names/<int:participant_pk>/", vc.vc_match, name="vc_match"),
    path("sessions/<int:session_pk>/attendance/combined/", vc.vc_attendance, name="vc_attendance"),
    path("sessions/<int:session_pk>/attendance/combined.xlsx", vc.vc_attendance_xlsx, name="vc_attendance_xlsx"),
    # --- live dashboard ---
    path("sessions/<int:session_pk>/attendance/live/", dashboard.live_dashboard, name="live_dashboard"),
    # --- the desk scanner as an offline app: its service worker (at the root: it controls /sessions/) and manifest ---
    path("scanner-sw.js", scanner_app.service_worker, name="scanner_service_worker"),
    path(VENUE + "scanner/manifest.webmanifest", scanner_app.manifest, name="scanner_manifest"),
]
