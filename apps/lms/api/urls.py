from django.urls import path

from apps.lms.api import authoring_views as authoring
from apps.lms.api import views

urlpatterns = [
    # catalog and learning
    path("courses", views.CourseListView.as_view(), name="lms-courses"),
    path("skills", views.SkillListView.as_view(), name="lms-skills"),
    path("courses/<slug:slug>", views.CourseDetailView.as_view(), name="lms-course"),
    path("courses/<slug:slug>/enrollment", views.EnrollView.as_view(), name="lms-enroll"),
    path("courses/<slug:slug>/progress", views.ProgressView.as_view(), name="lms-progress"),
    path("courses/<slug:slug>/progress/reset", views.ResetProgressView.as_view()),
    path("lessons/<int:lesson_id>", views.LessonView.as_view(), name="lms-lesson"),
    path("lessons/<int:lesson_id>/complete", views.LessonCompleteView.as_view()),
    path("quizzes/<int:quiz_id>/attempts", views.AttemptStartView.as_view()),
    path("quizzes/<int:quiz_id>/status", views.QuizStatusView.as_view()),
    path("attempts/<int:attempt_id>", views.AttemptView.as_view(), name="lms-attempt"),
    path("attempts/<int:attempt_id>/submit", views.AttemptSubmitView.as_view()),
    path("enrollments", views.MyEnrollmentsView.as_view(), name="lms-enrollments"),
    # authoring (a course's instructors)
    path("teaching", authoring.TeachingView.as_view(), name="lms-teaching"),
    path("courses/<slug:slug>/publish", authoring.CoursePublishView.as_view()),
    path("courses/<slug:slug>/archive", authoring.CourseArchiveView.as_view()),
    path("courses/<slug:slug>/instructors", authoring.InstructorListView.as_view()),
    path(
        "courses/<slug:slug>/instructors/<int:user_id>",
        authoring.InstructorView.as_view(),
        name="lms-instructor",
    ),
    # co-instructor invitations, for the invitee (ADR 0019)
    path("invitations", authoring.MyInvitationsView.as_view(), name="lms-invitations"),
    path("invitations/<int:invitation_id>/accept", authoring.InvitationAcceptView.as_view()),
    path("invitations/<int:invitation_id>/decline", authoring.InvitationDeclineView.as_view()),
    path("courses/<slug:slug>/modules", authoring.ModuleCreateView.as_view()),
    path("courses/<slug:slug>/banks", authoring.BankListView.as_view(), name="lms-banks"),
    path("courses/<slug:slug>/quizzes", authoring.QuizCreateView.as_view()),
    path("modules/<int:module_id>", authoring.ModuleView.as_view(), name="lms-module"),
    path("modules/<int:module_id>/lessons", authoring.LessonCreateView.as_view()),
    path("lessons/<int:lesson_id>/media", authoring.LessonMediaView.as_view()),
    path("banks/<int:bank_id>", authoring.BankView.as_view(), name="lms-bank"),
    path("banks/<int:bank_id>/questions", authoring.QuestionCreateView.as_view()),
    path("questions/<int:question_id>", authoring.QuestionView.as_view(), name="lms-question"),
    path("quizzes/<int:quiz_id>", authoring.QuizView.as_view(), name="lms-quiz"),
]
