from django.urls import path

from apps.lms.api import views

urlpatterns = [
    path("courses", views.CourseListView.as_view(), name="lms-courses"),
    path("courses/<slug:slug>", views.CourseDetailView.as_view(), name="lms-course"),
    path("courses/<slug:slug>/publish", views.CoursePublishView.as_view()),
    path("courses/<slug:slug>/modules", views.ModuleCreateView.as_view()),
    path("courses/<slug:slug>/banks", views.BankCreateView.as_view()),
    path("courses/<slug:slug>/quizzes", views.QuizCreateView.as_view()),
    path("courses/<slug:slug>/enrollment", views.EnrollView.as_view(), name="lms-enroll"),
    path("courses/<slug:slug>/progress", views.ProgressView.as_view(), name="lms-progress"),
    path("courses/<slug:slug>/progress/reset", views.ResetProgressView.as_view()),
    path("modules/<int:module_id>/lessons", views.LessonCreateView.as_view()),
    path("lessons/<int:lesson_id>", views.LessonView.as_view(), name="lms-lesson"),
    path("lessons/<int:lesson_id>/complete", views.LessonCompleteView.as_view()),
    path("lessons/<int:lesson_id>/media", views.LessonMediaView.as_view()),
    path("banks/<int:bank_id>/questions", views.QuestionCreateView.as_view()),
    path("quizzes/<int:quiz_id>/attempts", views.AttemptStartView.as_view()),
    path("attempts/<int:attempt_id>", views.AttemptView.as_view(), name="lms-attempt"),
    path("attempts/<int:attempt_id>/submit", views.AttemptSubmitView.as_view()),
    path("enrollments", views.MyEnrollmentsView.as_view(), name="lms-enrollments"),
]
