"""The gradebook's routes, under /api/v1/lms/ (apps/lms/urls.py)."""

from django.urls import path

from apps.lms.gradebook.api import views

urlpatterns = [
    path("courses/<slug:slug>/gradebook", views.GradebookView.as_view()),
    path("courses/<slug:slug>/gradebook/quizzes", views.GradebookQuizzesView.as_view()),
    # the learner's side: may the instructors see my email (ADR 0019)
    path("courses/<slug:slug>/enrollment/sharing", views.EmailSharingView.as_view()),
]
