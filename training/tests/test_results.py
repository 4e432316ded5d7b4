"""Results: pre vs post means, normalised gain per participant and by province, item analysis, export, scoping."""

import io

import pytest
from openpyxl import load_workbook

from meetings.tests.factories import PASSWORD
from registration.models import Registration
from registration.tests.factories import make_registration
from training import analytics
from training.models import Question
from training.services.quizzes import start_attempt, submit_attempt

pytestmark = pytest.mark.django_db


def take(quiz, registration, correct_texts):
    """Submit an attempt answering right exactly the questions whose text is in `correct_texts`."""
    attempt = start_attempt(quiz=quiz, registration=registration)
    answers = {}
    for question in Question.objects.filter(pk__in=attempt.question_ids).prefetch_related("choices"):
        right = [c.pk for c in question.choices.all() if c.is_correct]
        wrong = [next(c.pk for c in question.choices.all() if not c.is_correct)]
        answers[str(question.pk)] = right if question.text in correct_texts else wrong
    submit_attempt(registration=registration, attempt_id=attempt.pk, answers=answers)
    attempt.refresh_from_db()
    return attempt


POST = ["ข้อหนึ่ง", "ข้อสอง", "ข้อสาม", "ข้อสี่", "ข้อห้า"]
PRE = [f"ก่อนเรียน {i}" for i in range(4)]


@pytest.fixture
def scored(session, pretest, posttest):
    """Two Lampang members (pre 25 → post 80) and one Chiang Mai member (pre 50 → post 60)."""
    people = []
    for _ in range(2):
        reg = make_registration(session, "TH-52")
        take(pretest, reg, PRE[:1])
        take(posttest, reg, POST[:4])
        people.append(reg)
    reg = make_registration(session, "TH-50")
    take(pretest, reg, PRE[:2])
    take(posttest, reg, POST[:3])
    people.append(reg)
    return people


def test_normalised_gain_definition():
    assert analytics.normalised_gain(25, 80) == pytest.approx(55 / 75)
    assert analytics.normalised_gain(50, 40) == pytest.approx(-0.2)
    assert analytics.normalised_gain(100, 100) is None
    assert analytics.normalised_gain(None, 80) is None


def test_means_gains_and_province_ranking(session, scored):
    results = analytics.participant_results(session, Registration.objects.filter(session=session))
    overall = analytics.overall(results)
    assert overall.pre_mean == pytest.approx((25 + 25 + 50) / 3)
    assert overall.post_mean == pytest.approx((80 + 80 + 60) / 3)
    assert overall.gain_mean == pytest.approx((55 / 75 * 2 + 10 / 50) / 3)
    ranking = analytics.province_ranking(results)
    assert [s.key for s in ranking] == ["TH-52", "TH-50"]
    assert ranking[0].gain_mean == pytest.approx(55 / 75)
    assert ranking[0].passed == 2 and ranking[1].passed == 1  # pass mark 60: 80 and 60 both pass
    roles = analytics.by_role(results)
    assert [r.participants for r in roles] == [3]


def test_post_uses_best_attempt_and_pre_the_first(session, pretest, posttest):
    pretest.max_attempts = posttest.max_attempts = None
    pretest.save()
    posttest.save()
    reg = make_registration(session, "TH-52")
    take(pretest, reg, PRE[:2])  # first: 50, then better: 100
    take(pretest, reg, PRE)
    take(posttest, reg, POST[:1])  # first: 20, best: 80, last: 40
    take(posttest, reg, POST[:4])
    take(posttest, reg, POST[:2])
    result = analytics.participant_results(session, Registration.objects.filter(pk=reg.pk))[0]
    assert (result.pre, result.post) == (50.0, 80.0)


def test_item_analysis_finds_easy_and_miskeyed_questions(session, posttest):
    for i in range(10):
        reg = make_registration(session, "TH-52")
        right = {"ข้อห้า"}
        if i >= 5:
            right.add("ข้อหนึ่ง")
        else:
            right.add("ข้อสอง")
        if i >= 6:
            right.add("ข้อสาม")
        if i >= 3:
            right.add("ข้อสี่")
        take(posttest, reg, right)
    items = {i.question.text: i for i in analytics.item_analysis(posttest, Registration.objects.filter(session=session))}
    assert items["ข้อหนึ่ง"].difficulty == 0.5 and items["ข้อหนึ่ง"].discrimination == 1.0
    assert items["ข้อสอง"].discrimination == -1.0
    assert items["ข้อสอง"].point_biserial < 0 < items["ข้อหนึ่ง"].point_biserial
    assert any("ติดลบ" in flag for flag in items["ข้อสอง"].flags)
    assert items["ข้อห้า"].difficulty == 1.0 and any("ง่ายมาก" in flag for flag in items["ข้อห้า"].flags)
    assert items["ข้อหนึ่ง"].flags == []


def test_officer_sees_only_own_province_results(client, session, scored, lampang_officer):
    client.login(username=lampang_officer.username, password=PASSWORD)
    html = client.get(f"/training/sessions/{session.pk}/results/").content.decode()
    assert "ลำปาง" in html and "เชียงใหม่" not in html
    response = client.get(f"/training/sessions/{session.pk}/results.xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert len(rows) == 3 and all(row[0] == "ลำปาง" for row in rows[1:])
    assert client.get(f"/training/sessions/{session.pk}/results/provinces/TH-50/").status_code == 404
    chiangmai_person = scored[2]
    assert client.get(f"/training/sessions/{session.pk}/results/participants/{chiangmai_person.pk}/").status_code == 404


def test_central_export_has_scores_and_gain(client, session, scored, central_organiser):
    client.login(username=central_organiser.username, password=PASSWORD)
    response = client.get(f"/training/sessions/{session.pk}/results.xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert len(rows) == 4
    lampang = [r for r in rows[1:] if r[0] == "ลำปาง"][0]
    assert lampang[5:8] == (25, 80, round(55 / 75, 3))


def test_results_page_has_chart_data_and_ranking(client, session, scored, central_organiser):
    client.login(username=central_organiser.username, password=PASSWORD)
    html = client.get(f"/training/sessions/{session.pk}/results/").content.decode()
    assert 'id="province-chart-data"' in html and "chart.umd.min.js" in html
    assert html.index("ลำปาง") < html.index("เชียงใหม่")


@pytest.mark.parametrize("people", [2, 6])
def test_results_pages_query_count_does_not_grow_with_participants(
    client, session, pretest, posttest, central_organiser, django_assert_max_num_queries, people
):
    for i in range(people):
        reg = make_registration(session, "TH-52" if i % 2 else "TH-50")
        take(pretest, reg, PRE[:1])
        take(posttest, reg, POST[:3])
    client.login(username=central_organiser.username, password=PASSWORD)
    with django_assert_max_num_queries(16):
        assert client.get(f"/training/sessions/{session.pk}/results/").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(f"/training/sessions/{session.pk}/results/items/{posttest.pk}/").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(f"/training/sessions/{session.pk}/results/provinces/TH-52/").status_code == 200


def test_results_page_without_attempts_says_so_and_links_to_the_quiz_settings(client, session, pretest, posttest, central_organiser):
    make_registration(session, "TH-52")
    make_registration(session, "TH-50")
    client.login(username=central_organiser.username, password=PASSWORD)
    response = client.get(f"/training/sessions/{session.pk}/results/")
    html = response.content.decode()
    assert 'data-empty="results"' in html and "ยังไม่มีผล" in html
    assert f"/training/sessions/{session.pk}/quizzes/{posttest.pk}/edit/" in html
    assert f"/training/sessions/{session.pk}/quizzes/{pretest.pk}/edit/" in html
    # No empty chart and no ranking row per province.
    assert "data-chart" not in html and "chart.umd.min.js" not in html and "province-chart-data" not in html
    assert "/results/provinces/" not in html and "ลำปาง" not in html


def test_officer_results_without_attempts_name_their_province_and_offer_no_settings(client, session, posttest, lampang_officer):
    make_registration(session, "TH-52")
    client.login(username=lampang_officer.username, password=PASSWORD)
    html = client.get(f"/training/sessions/{session.pk}/results/").content.decode()
    assert 'data-empty="results"' in html and "จังหวัดของคุณ" in html
    assert "/edit/" not in html and "data-chart" not in html


def test_session_without_tests_says_so_and_links_to_authoring(client, session, central_organiser):
    client.login(username=central_organiser.username, password=PASSWORD)
    html = client.get(f"/training/sessions/{session.pk}/results/").content.decode()
    card = html[html.index('data-empty="results"') :]
    assert "การประชุมนี้ยังไม่มีแบบทดสอบก่อนเรียนหรือหลังเรียน" in card
    assert f'href="/training/sessions/{session.pk}/"' in card  # to "Modules and quizzes", where a test is added


def test_ranking_and_chart_hold_only_provinces_with_scores(client, session, pretest, posttest, central_organiser):
    take(posttest, make_registration(session, "TH-52"), POST[:4])
    make_registration(session, "TH-50")  # registered, no test taken
    client.login(username=central_organiser.username, password=PASSWORD)
    response = client.get(f"/training/sessions/{session.pk}/results/")
    assert [s.key for s in response.context["ranking"]] == ["TH-52"]
    assert response.context["chart"]["labels"] == ["ลำปาง"]
    assert [s.key for s in response.context["unscored"]] == ["TH-50"]
    html = response.content.decode()
    assert 'data-unscored="1"' in html and "/results/provinces/TH-50/" in html


def test_item_analysis_without_answers_says_so_instead_of_an_empty_chart(client, session, posttest, central_organiser):
    client.login(username=central_organiser.username, password=PASSWORD)
    html = client.get(f"/training/sessions/{session.pk}/results/items/{posttest.pk}/").content.decode()
    assert 'data-empty="items"' in html and "data-chart" not in html
    assert f"/training/sessions/{session.pk}/quizzes/{posttest.pk}/edit/" in html


def test_province_page_without_scores_says_so_and_still_lists_the_participants(client, session, posttest, lampang_officer):
    person = make_registration(session, "TH-52")
    client.login(username=lampang_officer.username, password=PASSWORD)
    html = client.get(f"/training/sessions/{session.pk}/results/provinces/TH-52/").content.decode()
    assert 'data-empty="province"' in html and person.full_name in html
