"""URLs under /sessions/<session_pk>/registrations/, included from meetings/urls.py (namespace "meetings")."""
from django.urls import path

from meetings import registration_views as views

urlpatterns = [
    path("", views.registration_list, name="registration_list"),
    path("new/", views.registration_create, name="registration_create"),
    path("export.xlsx", views.registration_export, {"fmt": "xlsx"}, name="registration_export_xlsx"),
    path("export.csv", views.registration_export, {"fmt": "csv"}, name="registration_export_csv"),
    path("badges.pdf", views.registration_badges, name="registration_badges"),
    path("list.pdf", views.registration_list_pdf, name="registration_list_pdf"),
    path("import/", views.registration_import, name="registration_import"),
    path("import/confirm/", views.registration_import_confirm, name="registration_import_confirm"),
    path("import/template.xlsx", views.registration_import_template, name="registration_import_template"),
    path("<int:pk>/", views.registration_detail, name="registration_detail"),
    path("<int:pk>/edit/", views.registration_edit, name="registration_edit"),
    path("<int:pk>/cancel/", views.registration_cancel, name="registration_cancel"),
    path("<int:pk>/substitute/", views.registration_substitute, name="registration_substitute"),
    path("<int:pk>/link/revoke/", views.registration_revoke_link, name="registration_revoke_link"),
    path("<int:pk>/link/reissue/", views.registration_reissue_link, name="registration_reissue_link"),
    path("<int:pk>/link/send/", views.registration_send_link, name="registration_send_link"),
    path("<int:pk>/national-id/", views.registration_reveal_id, name="registration_reveal_id"),
]
