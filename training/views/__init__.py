"""Training pages, one module per feature: personal (the attendee's personal-link gate and learning home), modules,
quizzes, certificates; for staff, authoring and results. errors.py turns a refused action into a reply."""
