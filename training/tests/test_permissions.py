"""The permission matrix over every training URL.

Actors: anonymous, an attendee through their own personal link or another attendee's link,
a Lampang officer, a Chiang Mai officer and a central organiser. The objects (attendee,
attempt, certificate) belong to Lampang; another province's objects answer 404.
"""

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver

from attendance.models import CheckIn
from meetings.tests.factories import PASSWORD, make_user
from training.models import CertificateRule
from training.services.authoring import add_attachment
from training.services.certificates import issue_certificate
from training.services.quizzes import start_attempt, submit_attempt
from training.tests.conftest import correct_answers, token_of

pytestmark = pytest.mark.django_db


@dataclass
class World:
    session: object
    module: object
    attachment: object
    quiz: object
    question: object
    attempt: object
    certificate: object
    attendee: object
    other: object


@pytest.fixture
def world(session, module, posttest, attendee, other_attendee, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    CertificateRule.objects.create(session=session)
    attachment = add_attachment(module=module, title="เอกสาร", file=SimpleUploadedFile("a.pdf", b"%PDF-1.4"))
    CheckIn.objects.create(registration=attendee, session=session, method="manual")
    done = start_attempt(quiz=posttest, registration=attendee)
    submit_attempt(registration=attendee, attempt_id=done.pk, answers=correct_answers(done))
    certificate = issue_certificate(registration=attendee)
    attempt = start_attempt(quiz=posttest, registration=attendee)  # second, open attempt
    return World(session, module, attachment, posttest, posttest.questions.first(), attempt, certificate, attendee, other_attendee)


# (name, method, path template). {t} is the acting attendee's token.
PERSONAL = [
    ("learn_home", "get", "/p/{t}/learn/"),
    ("module", "get", "/p/{t}/learn/modules/{w.module.pk}/"),
    ("module_complete", "post", "/p/{t}/learn/modules/{w.module.pk}/complete/"),
    ("attachment", "get", "/p/{t}/learn/modules/{w.module.pk}/files/{w.attachment.pk}/"),
    ("quiz_detail", "get", "/p/{t}/learn/quizzes/{w.quiz.pk}/"),
    ("quiz_start", "post", "/p/{t}/learn/quizzes/{w.quiz.pk}/start/"),
    ("attempt", "get", "/p/{t}/learn/attempts/{w.attempt.pk}/"),
    ("attempt_answer", "post", "/p/{t}/learn/attempts/{w.attempt.pk}/answer/"),
    ("attempt_submit", "post", "/p/{t}/learn/attempts/{w.attempt.pk}/submit/"),
    ("attempt_state", "get", "/p/{t}/learn/attempts/{w.attempt.pk}/state.json"),
    ("certificate_claim", "post", "/p/{t}/learn/certificate/claim/"),
    ("certificate_pdf", "get", "/p/{t}/learn/certificate.pdf"),
]
# Objects that belong to the attendee: through another attendee's link they answer 404.
OWN_ONLY = {"attempt", "attempt_answer", "attempt_submit", "attempt_state", "certificate_pdf"}
OWN_STATUS = {
    "module_complete": 302,
    "quiz_start": 302,
    "attempt_submit": 302,
    "certificate_claim": 302,
    "attempt_answer": 400,
}
# For another attendee, shared session content is theirs to see; claim without meeting the rule redirects with a message.
OTHER_STATUS = {"module_complete": 302, "quiz_start": 302, "certificate_claim": 302}


@pytest.mark.parametrize("name,method,template", PERSONAL, ids=[p[0] for p in PERSONAL])
@pytest.mark.parametrize("who", ["own", "other", "tampered", "anonymous_staff_url"])
def test_personal_link_matrix(client, world, name, method, template, who):
    if who == "own":
        token, expected = token_of(world.attendee), OWN_STATUS.get(name, 200)
    elif who == "other":
        token = token_of(world.other)
        expected = 404 if name in OWN_ONLY else OTHER_STATUS.get(name, 200)
    elif who == "tampered":
        token, expected = token_of(world.attendee)[:-4] + "AAAA", 404
    else:
        # A logged-in Chiang Mai officer gains nothing without the attendee's link.
        officer = make_user("cm-officer", kind="provincial", province_code="TH-50")
        client.login(username=officer.username, password=PASSWORD)
        token, expected = "not-a-token", 404
    response = getattr(client, method)(template.format(t=token, w=world))
    assert response.status_code == expected


def test_verification_page_is_public(client, world):
    assert client.get(world.certificate.get_verify_path()).status_code == 200


# Staff URLs. Expected status per actor: anonymous, lampang, chiangmai, central.
STAFF = [
    ("dashboard", "get", "/training/sessions/{w.session.pk}/", (302, 403, 403, 200)),
    ("module_create", "get", "/training/sessions/{w.session.pk}/modules/new/", (302, 403, 403, 200)),
    ("module_edit", "get", "/training/sessions/{w.session.pk}/modules/{w.module.pk}/", (302, 403, 403, 200)),
    ("attachment_add", "post", "/training/sessions/{w.session.pk}/modules/{w.module.pk}/attachments/", (302, 403, 403, 302)),
    (
        "attachment_delete",
        "post",
        "/training/sessions/{w.session.pk}/modules/{w.module.pk}/attachments/{w.attachment.pk}/delete/",
        (302, 403, 403, 302),
    ),
    ("quiz_create", "get", "/training/sessions/{w.session.pk}/quizzes/new/", (302, 403, 403, 200)),
    ("quiz_edit", "get", "/training/sessions/{w.session.pk}/quizzes/{w.quiz.pk}/edit/", (302, 403, 403, 200)),
    ("quiz_questions", "get", "/training/sessions/{w.session.pk}/quizzes/{w.quiz.pk}/", (302, 403, 403, 200)),
    ("question_create", "get", "/training/sessions/{w.session.pk}/quizzes/{w.quiz.pk}/questions/new/", (302, 403, 403, 200)),
    ("question_edit", "get", "/training/sessions/{w.session.pk}/quizzes/{w.quiz.pk}/questions/{w.question.pk}/", (302, 403, 403, 200)),
    ("question_delete", "post", "/training/sessions/{w.session.pk}/quizzes/{w.quiz.pk}/questions/{w.question.pk}/delete/", (302, 403, 403, 302)),
    ("questions_export", "get", "/training/sessions/{w.session.pk}/quizzes/{w.quiz.pk}/questions.xlsx", (302, 403, 403, 200)),
    ("questions_import", "get", "/training/sessions/{w.session.pk}/quizzes/{w.quiz.pk}/import/", (302, 403, 403, 200)),
    ("certificate_rule", "get", "/training/sessions/{w.session.pk}/certificate-rule/", (302, 403, 403, 200)),
    ("results", "get", "/training/sessions/{w.session.pk}/results/", (302, 200, 200, 200)),
    ("results_export", "get", "/training/sessions/{w.session.pk}/results.xlsx", (302, 200, 200, 200)),
    ("results_province_lampang", "get", "/training/sessions/{w.session.pk}/results/provinces/TH-52/", (302, 200, 404, 200)),
    ("results_province_chiangmai", "get", "/training/sessions/{w.session.pk}/results/provinces/TH-50/", (302, 404, 200, 200)),
    ("results_participant", "get", "/training/sessions/{w.session.pk}/results/participants/{w.attendee.pk}/", (302, 200, 404, 200)),
    ("results_items", "get", "/training/sessions/{w.session.pk}/results/items/{w.quiz.pk}/", (302, 200, 200, 200)),
    ("items_export", "get", "/training/sessions/{w.session.pk}/results/items/{w.quiz.pk}.xlsx", (302, 200, 200, 200)),
    ("certificates", "get", "/training/sessions/{w.session.pk}/certificates/", (302, 200, 200, 200)),
    ("certificates_issue", "post", "/training/sessions/{w.session.pk}/certificates/issue/", (302, 403, 403, 302)),
    ("certificates_zip", "post", "/training/sessions/{w.session.pk}/certificates/all.zip", (302, 403, 403, 302)),  # a background job
    ("certificate_revoke", "post", "/training/sessions/{w.session.pk}/certificates/{w.certificate.pk}/revoke/", (302, 403, 403, 302)),
    ("certificate_reissue", "post", "/training/sessions/{w.session.pk}/certificates/{w.certificate.pk}/reissue/", (302, 403, 403, 302)),
    ("certificate_download", "get", "/training/sessions/{w.session.pk}/certificates/{w.certificate.pk}/certificate.pdf", (302, 200, 404, 200)),
]
ACTORS = ["anonymous", "lampang", "chiangmai", "central"]


@pytest.mark.parametrize("name,method,template,expected", STAFF, ids=[s[0] for s in STAFF])
@pytest.mark.parametrize("actor", ACTORS)
def test_staff_matrix(client, world, request, name, method, template, expected, actor):
    if actor != "anonymous":
        user = request.getfixturevalue({"lampang": "lampang_officer", "chiangmai": "chiangmai_officer", "central": "central_organiser"}[actor])
        client.login(username=user.username, password=PASSWORD)
    response = getattr(client, method)(template.format(w=world))
    assert response.status_code == expected[ACTORS.index(actor)]
    if actor == "anonymous":
        assert "/accounts/login/" in response["Location"]


def test_every_training_url_is_in_a_matrix():
    """A new URL without a row in PERSONAL or STAFF fails here, so none goes unchecked."""
    _prefix, resolver = get_resolver().namespace_dict["training"]
    training_names = {name for name in resolver.reverse_dict if isinstance(name, str)}
    covered = {p[0] for p in PERSONAL} | {s[0].removesuffix("_lampang").removesuffix("_chiangmai") for s in STAFF}
    covered |= {"verify_certificate"}  # public: test_verification_page_is_public
    assert training_names == covered


def test_officer_cannot_revoke_or_see_other_province_certificates(client, world, chiangmai_officer, lampang_officer):
    client.login(username=chiangmai_officer.username, password=PASSWORD)
    response = client.get(f"/training/sessions/{world.session.pk}/certificates/")
    assert response.status_code == 200 and world.certificate.number not in response.content.decode()
    response = client.post(f"/training/sessions/{world.session.pk}/certificates/{world.certificate.pk}/revoke/", {"reason": "x"})
    assert response.status_code == 403
    world.certificate.refresh_from_db()
    assert world.certificate.is_valid
    # The officer of the certificate's own province does see it.
    client.login(username=lampang_officer.username, password=PASSWORD)
    assert world.certificate.number in client.get(f"/training/sessions/{world.session.pk}/certificates/").content.decode()


def test_draft_session_training_is_404_for_officers(client, world, lampang_officer):
    world.session.status = "draft"
    world.session.save()
    client.login(username=lampang_officer.username, password=PASSWORD)
    assert client.get(f"/training/sessions/{world.session.pk}/results/").status_code == 404
