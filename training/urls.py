from django.urls import path

from training.views import authoring, certificates, modules, personal, quizzes, results

app_name = "training"

urlpatterns = [
    # Attendees, through their personal link.
    path("p/<str:token>/learn/", personal.learn_home, name="learn_home"),
    path("p/<str:token>/learn/modules/<int:pk>/", modules.module_detail, name="module"),
    path("p/<str:token>/learn/modules/<int:pk>/complete/", modules.module_complete, name="module_complete"),
    path(
        "p/<str:token>/learn/modules/<int:pk>/files/<int:attachment_pk>/",
        modules.attachment_download,
        name="attachment",
    ),
    path("p/<str:token>/learn/quizzes/<int:pk>/", quizzes.quiz_detail, name="quiz_detail"),
    path("p/<str:token>/learn/quizzes/<int:pk>/start/", quizzes.quiz_start, name="quiz_start"),
    path("p/<str:token>/learn/attempts/<int:pk>/", quizzes.attempt_detail, name="attempt"),
    path("p/<str:token>/learn/attempts/<int:pk>/answer/", quizzes.attempt_answer, name="attempt_answer"),
    path("p/<str:token>/learn/attempts/<int:pk>/submit/", quizzes.attempt_submit, name="attempt_submit"),
    path("p/<str:token>/learn/attempts/<int:pk>/state.json", quizzes.attempt_state, name="attempt_state"),
    path("p/<str:token>/learn/certificate/claim/", certificates.certificate_claim, name="certificate_claim"),
    path("p/<str:token>/learn/certificate.pdf", certificates.certificate_pdf, name="certificate_pdf"),
    # Anyone holding a certificate's QR code.
    path("certificates/verify/<str:code>/", certificates.verify_certificate, name="verify_certificate"),
    # Central staff: authoring.
    path("training/sessions/<int:session_pk>/", authoring.dashboard, name="dashboard"),
    path("training/sessions/<int:session_pk>/modules/new/", authoring.module_edit, name="module_create"),
    path("training/sessions/<int:session_pk>/modules/<int:pk>/", authoring.module_edit, name="module_edit"),
    path(
        "training/sessions/<int:session_pk>/modules/<int:pk>/attachments/",
        authoring.attachment_add,
        name="attachment_add",
    ),
    path(
        "training/sessions/<int:session_pk>/modules/<int:pk>/attachments/<int:attachment_pk>/delete/",
        authoring.attachment_delete,
        name="attachment_delete",
    ),
    path("training/sessions/<int:session_pk>/quizzes/new/", authoring.quiz_edit, name="quiz_create"),
    path("training/sessions/<int:session_pk>/quizzes/<int:pk>/edit/", authoring.quiz_edit, name="quiz_edit"),
    path("training/sessions/<int:session_pk>/quizzes/<int:pk>/", authoring.quiz_questions, name="quiz_questions"),
    path(
        "training/sessions/<int:session_pk>/quizzes/<int:quiz_pk>/questions/new/",
        authoring.question_edit,
        name="question_create",
    ),
    path(
        "training/sessions/<int:session_pk>/quizzes/<int:quiz_pk>/questions/<int:pk>/",
        authoring.question_edit,
        name="question_edit",
    ),
    path(
        "training/sessions/<int:session_pk>/quizzes/<int:quiz_pk>/questions/<int:pk>/delete/",
        authoring.question_delete,
        name="question_delete",
    ),
    path(
        "training/sessions/<int:session_pk>/quizzes/<int:pk>/questions.xlsx",
        authoring.questions_export,
        name="questions_export",
    ),
    path(
        "training/sessions/<int:session_pk>/quizzes/<int:pk>/import/",
        authoring.questions_import,
        name="questions_import",
    ),
    # Results: central staff, and provincial officers for their own province.
    path("training/sessions/<int:session_pk>/results/", results.results_overview, name="results"),
    path("training/sessions/<int:session_pk>/results.xlsx", results.results_export, name="results_export"),
    path(
        "training/sessions/<int:session_pk>/results/provinces/<str:code>/",
        results.results_province,
        name="results_province",
    ),
    path(
        "training/sessions/<int:session_pk>/results/participants/<int:pk>/",
        results.results_participant,
        name="results_participant",
    ),
    path("training/sessions/<int:session_pk>/results/items/<int:quiz_pk>/", results.results_items, name="results_items"),
    path("training/sessions/<int:session_pk>/results/items/<int:quiz_pk>.xlsx", results.items_export, name="items_export"),
    # Certificates: rule, issue, revoke and reissue for central staff; the list and downloads also for officers (own province).
    path("training/sessions/<int:session_pk>/certificate-rule/", certificates.certificate_rule_edit, name="certificate_rule"),
    path("training/sessions/<int:session_pk>/certificates/", certificates.certificates_list, name="certificates"),
    path("training/sessions/<int:session_pk>/certificates/issue/", certificates.certificates_issue, name="certificates_issue"),
    path("training/sessions/<int:session_pk>/certificates/all.zip", certificates.certificates_zip, name="certificates_zip"),  # a job
    path(
        "training/sessions/<int:session_pk>/certificates/<int:pk>/revoke/",
        certificates.certificate_revoke,
        name="certificate_revoke",
    ),
    path(
        "training/sessions/<int:session_pk>/certificates/<int:pk>/reissue/",
        certificates.certificate_reissue,
        name="certificate_reissue",
    ),
    path(
        "training/sessions/<int:session_pk>/certificates/<int:pk>/certificate.pdf",
        certificates.certificate_download,
        name="certificate_download",
    ),
]
