from .certificates import Certificate, CertificateRule
from .modules import Module, ModuleAttachment, ModuleProgress
from .quizzes import Answer, Attempt, AttemptStatus, Choice, Question, QuestionKind, Quiz, QuizKind, ShowAnswers

__all__ = [
    "Answer",
    "Attempt",
    "AttemptStatus",
    "Certificate",
    "CertificateRule",
    "Choice",
    "Module",
    "ModuleAttachment",
    "ModuleProgress",
    "Question",
    "QuestionKind",
    "Quiz",
    "QuizKind",
    "ShowAnswers",
]
