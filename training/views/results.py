"""Results for central staff (every province) and provincial officers (their own province only)."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from meetings.audit import record_list_export
from meetings.collation import sorted_thai
from meetings.exports import xlsx_response
from meetings.permissions import is_central, staff_required
from meetings.selectors import get_session_for_user
from training import analytics, selectors
from training.models import Attempt, QuizKind


def _chart(summaries):
    return {
        "labels": [s.name for s in summaries],
        "pre": [round(s.pre_mean, 1) if s.pre_mean is not None else None for s in summaries],
        "post": [round(s.post_mean, 1) if s.post_mean is not None else None for s in summaries],
        "gain": [round(s.gain_mean, 3) if s.gain_mean is not None else None for s in summaries],
    }


def _has_scores(summary):
    return summary is not None and (summary.pre_count > 0 or summary.post_count > 0)


@staff_required
def results_overview(request, session_pk):
    session = get_session_for_user(request.user, session_pk)
    registrations = selectors.get_results_registrations_for_user(request.user, session)
    results = analytics.participant_results(session, registrations)
    overall = analytics.overall(results)
    quizzes = selectors.quizzes_for_session(session)
    context = {
        "session": session,
        "overall": overall,
        "has_scores": _has_scores(overall),
        "quizzes": quizzes,
        "tests": [q for q in quizzes if q.kind in (QuizKind.PRETEST, QuizKind.POSTTEST)],
        "is_central": is_central(request.user),
    }
    if context["has_scores"]:
        # Provinces without a single score stay out of the chart and the ranking (a row of dashes each)
        # and are listed by name underneath.
        ranking = analytics.province_ranking(results)
        scored = [s for s in ranking if _has_scores(s)]
        context.update(
            ranking=scored,
            unscored=sorted_thai((s for s in ranking if not _has_scores(s)), key=lambda s: s.name),
            roles=analytics.by_role(results),
            chart=_chart(scored),
        )
    return render(request, "training/staff/results.html", context)


@staff_required
def results_province(request, session_pk, code):
    session = get_session_for_user(request.user, session_pk)
    province = selectors.get_province_for_results(request.user, session, code)
    registrations = selectors.get_results_registrations_for_user(request.user, session).filter(province=province)
    results = analytics.participant_results(session, registrations)
    summary = analytics.overall(results)
    return render(
        request,
        "training/staff/results_province.html",
        {
            "session": session,
            "province": province,
            "results": results,
            "summary": summary,
            "has_scores": _has_scores(summary),
            "roles": analytics.by_role(results),
        },
    )


@staff_required
def results_participant(request, session_pk, pk):
    session = get_session_for_user(request.user, session_pk)
    registration = selectors.get_registration_results_for_user(request.user, session, pk)
    attempts = Attempt.objects.filter(registration=registration).select_related("quiz", "quiz__module").order_by("quiz__kind", "number")
    return render(
        request,
        "training/staff/results_participant.html",
        {
            "session": session,
            "registration": registration,
            "attempts": sorted(attempts, key=lambda a: (a.quiz.sort_key, a.number)),
            "progress": registration.module_progress.select_related("module").order_by("module__order"),
            "certificates": registration.certificates.all(),
            "missing": selectors.certificate_shortfalls(registration),
            "is_central": is_central(request.user),
        },
    )


@staff_required
def results_items(request, session_pk, quiz_pk):
    session = get_session_for_user(request.user, session_pk)
    quiz = selectors.get_quiz_for_staff(session, quiz_pk)
    registrations = selectors.get_results_registrations_for_user(request.user, session)
    items = analytics.item_analysis(quiz, registrations)
    chart = {
        "labels": [str(i) for i in range(1, len(items) + 1)],
        "difficulty": [round(i.difficulty, 3) if i.difficulty is not None else None for i in items],
        "discrimination": [round(i.discrimination, 3) if i.discrimination is not None else None for i in items],
    }
    return render(
        request,
        "training/staff/results_items.html",
        {
            "session": session,
            "quiz": quiz,
            "items": items,
            "chart": chart,
            "has_answers": any(i.responses for i in items),
            "min_responses": analytics.MIN_RESPONSES_FOR_ITEM_FLAGS,
        },
    )


def _fmt(value, digits=2):
    return round(value, digits) if value is not None else None


@staff_required
def results_export(request, session_pk):
    session = get_session_for_user(request.user, session_pk)
    registrations = selectors.get_results_registrations_for_user(request.user, session)
    results = analytics.participant_results(session, registrations)
    headers = [
        _("province"),
        _("role category"),
        _("name"),
        _("position"),
        _("organisation"),
        _("pre-test score"),
        _("post-test score"),
        _("normalised gain"),
        _("passed the post-test"),
        _("certificate number"),
    ]
    rows = [
        [
            r.registration.province.name_th,
            r.registration.role.name,
            r.registration.full_name,
            r.registration.position,
            r.registration.organisation,
            _fmt(r.pre),
            _fmt(r.post),
            _fmt(r.gain, 3),
            "" if r.post_passed is None else (_("yes") if r.post_passed else _("no")),
            r.certificate,
        ]
        for r in results
    ]
    response = xlsx_response(headers, rows, f"training-results-{session.pk}.xlsx", sheet_title="results")
    record_list_export(request, kind="training-results.xlsx", session=session, count=len(rows))
    return response


@staff_required
def items_export(request, session_pk, quiz_pk):
    session = get_session_for_user(request.user, session_pk)
    quiz = selectors.get_quiz_for_staff(session, quiz_pk)
    items = analytics.item_analysis(quiz, selectors.get_results_registrations_for_user(request.user, session))
    headers = [_("no."), _("question"), _("answers"), _("difficulty p"), _("discrimination D"), _("point-biserial"), _("flags")]
    rows = [
        [n, i.question.text, i.responses, _fmt(i.difficulty, 3), _fmt(i.discrimination, 3), _fmt(i.point_biserial, 3), "; ".join(i.flags)]
        for n, i in enumerate(items, start=1)
    ]
    return xlsx_response(headers, rows, f"item-analysis-{quiz.pk}.xlsx", sheet_title="items")
