"""Results: pre-test vs post-test, normalised gain, rankings by province and role, item analysis.

Definitions (also shown on the results page):
- pre-test score: the participant's first submitted pre-test attempt;
  post-test score: their best submitted post-test attempt (both in %).
- normalised gain g = (post − pre) / (100 − pre) per participant (Hake); undefined when pre = 100,
  so such participants are left out of gain averages. A group's gain is the mean of its participants' g.
- item analysis uses each participant's first submitted attempt: difficulty p = share answering right;
  discrimination D = p(upper 27 %) − p(lower 27 %) by total score, and the point-biserial correlation.
"""

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from meetings.collation import sorted_thai
from registration.models import sorted_in_list_order
from training.models import Answer, Attempt, Certificate, Question, Quiz, QuizKind

MIN_RESPONSES_FOR_ITEM_FLAGS = 10


@dataclass
class ParticipantResult:
    registration: object
    pre: float | None
    post: float | None
    post_passed: bool | None
    certificate: str

    @property
    def gain(self):
        return normalised_gain(self.pre, self.post)


def normalised_gain(pre, post):
    if pre is None or post is None or pre >= 100:
        return None
    return (post - pre) / (100 - pre)


def _mean(values):
    values = [v for v in values if v is not None]
    return statistics.fmean(values) if values else None


@dataclass
class GroupSummary:
    key: str
    name: str
    participants: int
    pre_count: int
    post_count: int
    pre_mean: float | None
    post_mean: float | None
    gain_count: int
    gain_mean: float | None
    passed: int

    @property
    def pass_rate(self):
        return 100 * self.passed / self.post_count if self.post_count else None


def session_quiz(session, kind):
    return Quiz.objects.filter(session=session, kind=kind).first()


def participant_results(session, registrations):
    """One ParticipantResult per registration in `registrations` (a queryset), in a fixed number of queries,
    in list order (registration.models.sorted_in_list_order: province and people by name, Thai dictionary order)."""
    pre_quiz, post_quiz = session_quiz(session, QuizKind.PRETEST), session_quiz(session, QuizKind.POSTTEST)
    registrations = sorted_in_list_order(registrations.select_related("province", "role"))
    ids = [r.pk for r in registrations]
    pre, post, passed = {}, {}, {}
    quiz_ids = [q.pk for q in (pre_quiz, post_quiz) if q]
    rows = (
        Attempt.objects.submitted()
        .filter(quiz_id__in=quiz_ids, registration_id__in=ids)
        .order_by("number")
        .values_list("registration_id", "quiz_id", "score", "passed")
    )
    for reg_id, quiz_id, score, ok in rows:
        score = float(score)
        if pre_quiz and quiz_id == pre_quiz.pk:
            pre.setdefault(reg_id, score)
        elif post_quiz and quiz_id == post_quiz.pk:
            if score > post.get(reg_id, -1):
                post[reg_id] = score
            passed[reg_id] = passed.get(reg_id, False) or bool(ok)
    certificates = dict(Certificate.objects.valid().filter(registration_id__in=ids).values_list("registration_id", "number"))
    return [ParticipantResult(r, pre.get(r.pk), post.get(r.pk), passed.get(r.pk), certificates.get(r.pk, "")) for r in registrations]


def summarise(results, key, name):
    """Group participant results by key(result) → GroupSummary list (name(result) labels the group)."""
    groups = defaultdict(list)
    labels = {}
    for result in results:
        k = key(result)
        groups[k].append(result)
        labels[k] = name(result)
    summaries = []
    for k, members in groups.items():
        gains = [m.gain for m in members if m.gain is not None]
        summaries.append(
            GroupSummary(
                key=k,
                name=labels[k],
                participants=len(members),
                pre_count=sum(1 for m in members if m.pre is not None),
                post_count=sum(1 for m in members if m.post is not None),
                pre_mean=_mean(m.pre for m in members),
                post_mean=_mean(m.post for m in members),
                gain_count=len(gains),
                gain_mean=_mean(gains),
                passed=sum(1 for m in members if m.post_passed),
            )
        )
    return summaries


def overall(results):
    return summarise(results, key=lambda r: "all", name=lambda r: _("All participants"))[0] if results else None


def by_province(results):
    """Per province, by the province's name (Thai dictionary order)."""
    return sorted_thai(
        summarise(results, key=lambda r: r.registration.province.code, name=lambda r: r.registration.province.name),
        key=lambda s: s.name,
    )


def by_role(results):
    return summarise(results, key=lambda r: r.registration.role.code, name=lambda r: r.registration.role.name)


def province_ranking(results):
    """Provinces by mean normalised gain, highest first; provinces without any gain come last."""
    summaries = by_province(results)  # by name: equal gains keep the provinces in Thai dictionary order
    return sorted(summaries, key=lambda s: (s.gain_mean is None, -(s.gain_mean or 0), -(s.post_mean or 0)))


@dataclass
class ItemStats:
    question: Question
    responses: int
    difficulty: float | None
    discrimination: float | None
    point_biserial: float | None
    choice_shares: list  # (choice, share picking it)
    flags: list


def item_analysis(quiz, registrations):
    """Difficulty and discrimination per question of `quiz`, over the first attempts of `registrations`."""
    first = {}
    for attempt_id, reg_id, score in (
        Attempt.objects.submitted().filter(quiz=quiz, registration__in=registrations).order_by("number").values_list("pk", "registration_id", "score")
    ):
        first.setdefault(reg_id, (attempt_id, float(score)))
    totals = dict(first.values())
    answers = defaultdict(dict)
    picks = defaultdict(lambda: defaultdict(int))
    for attempt_id, question_id, correct, choice_ids in Answer.objects.filter(attempt_id__in=totals).values_list(
        "attempt_id", "question_id", "is_correct", "choice_ids"
    ):
        answers[question_id][attempt_id] = bool(correct)
        for cid in choice_ids:
            picks[question_id][cid] += 1
    ranked = sorted(totals, key=lambda a: totals[a])
    k = max(1, round(0.27 * len(ranked))) if ranked else 0
    lower, upper = set(ranked[:k]), set(ranked[-k:]) if k else set()
    all_scores = list(totals.values())
    sd = statistics.pstdev(all_scores) if len(all_scores) > 1 else 0.0
    items = []
    for question in quiz.questions.prefetch_related("choices"):
        marks = answers.get(question.pk, {})
        n = len(marks)
        p = sum(marks.values()) / n if n else None
        d = rpb = None
        if n and k:
            up = [marks[a] for a in upper if a in marks]
            lo = [marks[a] for a in lower if a in marks]
            if up and lo:
                d = sum(up) / len(up) - sum(lo) / len(lo)
            right = [totals[a] for a, ok in marks.items() if ok]
            wrong = [totals[a] for a, ok in marks.items() if not ok]
            if right and wrong and sd > 0:
                rpb = (statistics.fmean(right) - statistics.fmean(wrong)) / sd * math.sqrt(p * (1 - p))
        shares = [(c, picks[question.pk].get(c.pk, 0) / n if n else None) for c in question.choices.all()]
        items.append(ItemStats(question, n, p, d, rpb, shares, _item_flags(n, p, d)))
    return items


def _item_flags(n, p, d):
    if n < MIN_RESPONSES_FOR_ITEM_FLAGS or p is None:
        return [_("Too few answers to judge")] if n else []
    flags = []
    if p < 0.25:
        flags.append(_("Very hard: check the answer key and the wording"))
    elif p > 0.9:
        flags.append(_("Very easy: tells little"))
    if d is not None and d < 0:
        flags.append(_("Negative discrimination: strong participants miss it — check the answer key"))
    elif d is not None and d < 0.2:
        flags.append(_("Poor discrimination: revise or replace"))
    return flags
