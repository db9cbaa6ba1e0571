"""Writes of the lms context, one module per area: authoring, learning, quizzes, certificates."""
