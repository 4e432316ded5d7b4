"""URLs under /sessions/<session_pk>/registrations/, added to meetings/urls.py (namespace "meetings").

Plain paths with the prefix written out, not include(): every entry of meetings.urls.urlpatterns stays a
named URLPattern (the meetings permission-matrix test lists them by name).
"""
from django.urls import path

from meetings import registration_views as views

PREFIX = "sessions/<int:session_pk>/registrations/"

urlpatterns = [
    path(PREFIX + "", views.registration_list, name="registration_list"),
    path(PREFIX + "new/", views.registration_create, name="registration_create"),
    path(PREFIX + "export.xlsx", views.registration_export, {"fmt": "xlsx"}, name="registration_export_xlsx"),
    path(PREFIX + "export.csv", views.registration_export, {"fmt": "csv"}, name="registration_export_csv"),
    path(PREFIX + "badges.pdf", views.registration_badges, name="registration_badges"),
    path(PREFIX + "list.pdf", views.registration_list_pdf, name="registration_list_pdf"),
    path(PREFIX + "import/", views.registration_import, name="registration_import"),
    path(PREFIX + "import/confirm/", views.registration_import_confirm, name="registration_import_confirm"),
    path(PREFIX + "import/template.xlsx", views.registration_import_template, name="registration_import_template"),
    path(PREFIX + "<int:pk>/", views.registration_detail, name="registration_detail"),
    path(PREFIX + "<int:pk>/edit/", views.registration_edit, name="registration_edit"),
    path(PREFIX + "<int:pk>/cancel/", views.registration_cancel, name="registration_cancel"),
    path(PREFIX + "<int:pk>/substitute/", views.registration_substitute, name="registration_substitute"),
    path(PREFIX + "<int:pk>/link/revoke/", views.registration_revoke_link, name="registration_revoke_link"),
    path(PREFIX + "<int:pk>/link/reissue/", views.registration_reissue_link, name="registration_reissue_link"),
    path(PREFIX + "<int:pk>/ticket/reissue/", views.registration_reissue_ticket, name="registration_reissue_ticket"),
    path(PREFIX + "<int:pk>/link/send/", views.registration_send_link, name="registration_send_link"),
    path(PREFIX + "<int:pk>/national-id/", views.registration_reveal_id, name="registration_reveal_id"),
]
