"""Soft hyphens in long words, so that narrow table headings wrap inside their column
instead of running over the next one (Russian competency names have words of 18 letters,
and browsers hyphenate Russian only where a dictionary happens to be installed)."""

from __future__ import annotations

from functools import cache

import pyphen

SOFT_HYPHEN = "\u00ad"
LONG_WORD = 7
"""Words of at least this many letters get soft hyphens."""


@cache
def _dictionary(language: str) -> pyphen.Pyphen:
    return pyphen.Pyphen(lang=language if language in pyphen.LANGUAGES else "en", left=3, right=3)


@cache
def hyphenate(text: str, language: str) -> str:
    """`text` with soft hyphens at the hyphenation points of its long words."""
    dictionary = _dictionary(language)
    return " ".join(
        dictionary.inserted(word, hyphen=SOFT_HYPHEN) if len(word) >= LONG_WORD else word
        for word in text.split(" ")
    )
