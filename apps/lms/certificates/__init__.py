"""Certificates: the lms area that issues one per learner and course on `course.completed`,
renders it to PDF, lets anyone verify it by code and hands its owner a signed Open Badge.

Layers (top imports down, never up):

    api                     views and urls of /api/v1/certificates...
    services                issue, revoke, render and store PDFs (writes)
    selectors | open_badge  reads; a certificate as a signed credential (gigsy.credentials)
    pdf                     the printable certificate
    facts                   Certificate -> plain facts (its own, and the kernel's AchievementFacts)
    links                   public URLs printed on certificates

The Certificate model stays in apps/lms/models.py. The area imports lms models, the kernel and
accounts' public surface, never lms's api or services; lms's tasks, handlers and admin call this
area's services. Revoked certificates join the platform's one revocation list through
`gigsy.credentials.registry` (registered in LearningConfig.ready()).
"""
