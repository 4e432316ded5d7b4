from django.urls import path

from meetings import views

app_name = "meetings"

urlpatterns = [
    # Staff pages: sessions
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/calendar/", views.session_calendar_month, name="session_calendar"),
    path("sessions/new/", views.session_create, name="session_create"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/calendar.ics", views.session_ics, name="session_ics"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/publish/", views.session_publish, name="session_publish"),
    path("sessions/<int:pk>/start/", views.session_start, name="session_start"),
    path("sessions/<int:pk>/close/", views.session_close, name="session_close"),
    path("sessions/<int:pk>/duplicate/", views.session_duplicate, name="session_duplicate"),
    # Agenda
    path("sessions/<int:pk>/agenda/", views.agenda_edit, name="agenda_edit"),
    # Venues
    path("sessions/<int:pk>/venues/", views.venue_list, name="venue_list"),
    path("sessions/<int:pk>/venues/new/", views.venue_create, name="venue_create"),
    path("sessions/<int:pk>/venues/all-provinces/", views.venues_add_all, name="venues_add_all"),
    path("sessions/<int:session_pk>/venues/<int:pk>/", views.venue_detail, name="venue_detail"),
    path("sessions/<int:session_pk>/venues/<int:pk>/edit/", views.venue_edit, name="venue_edit"),
    path("sessions/<int:session_pk>/venues/<int:pk>/delete/", views.venue_delete, name="venue_delete"),
    # Quotas
    path("sessions/<int:pk>/quotas/", views.quota_matrix, name="quota_matrix"),
    # Who viewed, exported or changed personal data
    path("audit/", views.audit_log, name="audit_log"),
    # Background jobs (whole-session PDFs, bulk e-mail): progress and results, for whoever started them
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<uuid:job_id>/status/", views.job_status_json, name="job_status"),
    path("jobs/<uuid:job_id>/download/", views.job_download, name="job_download"),
]
