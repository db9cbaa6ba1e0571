"""The lms course fixtures, for the API-wide checks that need real endpoints with data."""

from tests.lms.conftest import built, instructor, learner  # noqa: F401
