"""Browse search text as a PostgreSQL tsquery: pure, no database (as lms's catalog search).

Every word must match, the last one as a prefix ("reac" finds React). Only word characters
reach the query; everything else separates words, so tsquery syntax typed by a user (`& | ! ( )
: * < > '`) can never change the query's meaning or make it invalid.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")
# More words only narrow the result; bounded so a long text cannot build a huge query.
MAX_TERMS = 8


def prefix_tsquery(text: str) -> str | None:
    """`word & word & last:*` for `to_tsquery`, or None when the text holds no word."""
    words = _WORD.findall(text)[:MAX_TERMS]
    if not words:
        return None
    return " & ".join([*words[:-1], f"{words[-1]}:*"])
