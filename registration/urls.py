"""Registration's URLs (namespace "registration"): staff pages under /sessions/<session_pk>/registrations/,
and an attendee's personal page under /p/<token>/."""

from django.urls import path

from registration import line_views, reminder_views, views

app_name = "registration"

PREFIX = "sessions/<int:session_pk>/registrations/"
REMINDERS = "sessions/<int:session_pk>/reminders/"

urlpatterns = [
    path("p/<str:token>/", views.personal_page, name="personal"),
    path("p/<str:token>/calendar.ics", views.personal_calendar, name="personal_calendar"),
    path("p/<str:token>/my-data.json", views.personal_data_download, name="personal_data"),
    path("p/<str:token>/line/unlink/", line_views.personal_line_unlink, name="personal_line_unlink"),
    path("line/webhook/", line_views.line_webhook, name="line_webhook"),
    # The link in a reminder that stops messages on one channel (registration/message_templates.py).
    path("optout/<str:token>/", views.opt_out_page, name="opt_out"),
    path(PREFIX + "", views.registration_list, name="list"),
    path(PREFIX + "email-links/", views.registration_send_links, name="send_links"),
    path(PREFIX + "new/", views.registration_create, name="create"),
    path(PREFIX + "export.xlsx", views.registration_export, {"fmt": "xlsx"}, name="export_xlsx"),
    path(PREFIX + "export.csv", views.registration_export, {"fmt": "csv"}, name="export_csv"),
    path(PREFIX + "badges.pdf", views.registration_badges, name="badges"),
    path(PREFIX + "list.pdf", views.registration_list_pdf, name="list_pdf"),
    path(PREFIX + "import/", views.registration_import, name="import"),
    path(PREFIX + "import/confirm/", views.registration_import_confirm, name="import_confirm"),
    path(PREFIX + "import/cancel/", views.registration_import_cancel, name="import_cancel"),
    path(PREFIX + "import/template.xlsx", views.registration_import_template, name="import_template"),
    path(PREFIX + "<int:pk>/", views.registration_detail, name="detail"),
    path(PREFIX + "<int:pk>/edit/", views.registration_edit, name="edit"),
    path(PREFIX + "<int:pk>/cancel/", views.registration_cancel, name="cancel"),
    path(PREFIX + "<int:pk>/substitute/", views.registration_substitute, name="substitute"),
    path(PREFIX + "<int:pk>/link/revoke/", views.registration_revoke_link, name="revoke_link"),
    path(PREFIX + "<int:pk>/link/reissue/", views.registration_reissue_link, name="reissue_link"),
    path(PREFIX + "<int:pk>/ticket/reissue/", views.registration_reissue_ticket, name="reissue_ticket"),
    path(PREFIX + "<int:pk>/link/send/", views.registration_send_link, name="send_link"),
    path(PREFIX + "<int:pk>/national-id/", views.registration_reveal_id, name="reveal_id"),
    path(PREFIX + "<int:pk>/personal-data.json", views.registration_personal_data, name="personal_data_export"),
    path(PREFIX + "<int:pk>/erase/", views.registration_anonymise, name="anonymise"),
    # Reminder rules of the session and the log of messages sent (registration/reminder_views.py)
    path(REMINDERS + "", reminder_views.reminder_list, name="reminder_list"),
    path(REMINDERS + "new/", reminder_views.reminder_create, name="reminder_create"),
    path(REMINDERS + "log/", reminder_views.reminder_log, name="reminder_log"),
    path(REMINDERS + "<int:pk>/edit/", reminder_views.reminder_edit, name="reminder_edit"),
    path(REMINDERS + "<int:pk>/delete/", reminder_views.reminder_delete, name="reminder_delete"),
    path(REMINDERS + "<int:pk>/preview/", reminder_views.reminder_preview, name="reminder_preview"),
    path(REMINDERS + "<int:pk>/test/", reminder_views.reminder_test, name="reminder_test"),
]
