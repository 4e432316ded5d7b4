"""Registration's URLs (namespace "registration"): staff pages under /sessions/<session_pk>/registrations/,
and an attendee's personal page under /p/<token>/."""

from django.urls import path

from registration import views

app_name = "registration"

PREFIX = "sessions/<int:session_pk>/registrations/"

urlpatterns = [
    path("p/<str:token>/", views.personal_page, name="personal"),
    path("p/<str:token>/calendar.ics", views.personal_calendar, name="personal_calendar"),
    path("p/<str:token>/my-data.json", views.personal_data_download, name="personal_data"),
    path(PREFIX + "", views.registration_list, name="list"),
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
]
