"""The comment text rules of the retired v1 API (§11: current Graph references state none).

The sandbox enforces them only under its `comment_text_rules` switch (on by default).
"""

from __future__ import annotations

import re

COMMENT_MAX_CHARS = 300
COMMENT_MAX_HASHTAGS = 4
COMMENT_MAX_URLS = 1
_HASHTAG = re.compile(r"(?<!\w)#\w+")
_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+")


def comment_text_problem(message: str) -> str | None:
    """Which v1 comment rule a text breaks (None: none); enforced under `comment_text_rules`."""
    letters = [c for c in message if c.isalpha()]
    if len(message) > COMMENT_MAX_CHARS:
        return f"a comment may have at most {COMMENT_MAX_CHARS} characters"
    if len(_HASHTAG.findall(message)) > COMMENT_MAX_HASHTAGS:
        return f"a comment may have at most {COMMENT_MAX_HASHTAGS} hashtags"
    if len(_URL.findall(message)) > COMMENT_MAX_URLS:
        return f"a comment may have at most {COMMENT_MAX_URLS} URL"
    if len(letters) >= 4 and all(c.isupper() for c in letters):
        return "a comment may not be written in capitals"
    return None
