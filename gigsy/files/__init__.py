"""Files a browser can open: short-lived signed links to stored files, and what an uploaded file
really is (its bytes, not its name). Imports no app.

    from gigsy.files import file_link, identify_upload, ContentMismatchError

See docs/decisions/0017-file-links.md.
"""

from gigsy.files.content import (
    ContentMismatchError,
    Family,
    FileType,
    identify,
    identify_upload,
    type_of_name,
)
from gigsy.files.links import file_link

__all__ = [
    "ContentMismatchError",
    "Family",
    "FileType",
    "file_link",
    "identify",
    "identify_upload",
    "type_of_name",
]
