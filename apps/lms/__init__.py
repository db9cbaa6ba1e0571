"""Bounded context `lms` (schema `lms`).

Owns: courses, quizzes, enrollments, progress, certificates.
"""
