"""Search snippets made in Python for PostgreSQL's search: the words of a brief's body that
match the query, marked, in up to two fragments of about 35 words, as ts_headline's
MaxFragments=2, MaxWords=35 would show them.

ts_headline parses the whole body again for every hit shown, about 0.7 ms a brief. Here only
the words that could match are looked at: those beginning as a lexeme of the query does (a
Snowball stem is the word's start, but for a last letter: "military" is 'militari'), each
stemmed with the Snowball English stemmer, the algorithm of PostgreSQL's `english`
configuration, and kept when its stem is one of the query's lexemes as PostgreSQL wrote them.
"""

import functools
import re
from itertools import islice

import Stemmer

MAX_WORDS = 35
MAX_FRAGMENTS = 2
# Words shown before the first match of a fragment, so that it does not start on the match.
LEAD_IN = 6
DELIMITER = " … "
# How far back, in characters, the words before a match are looked for.
LOOK_BACK = 160

_WORD = re.compile(r"\w+")
# A lexeme of a tsquery's text form: 'word', or !'word' when the query excludes it.
_LEXEME = re.compile(r"(!?)'((?:[^']|'')*)'")
_stemmer = Stemmer.Stemmer("english")


def wanted_lexemes(tsquery_text):
    """The lexemes a tsquery looks for (those it excludes left out), from its text form, such
    as `'militari' <-> 'forc' & !'summit'`."""
    return frozenset(
        lexeme.replace("''", "'")
        for negated, lexeme in _LEXEME.findall(tsquery_text)
        if not negated
    )


@functools.lru_cache(maxsize=256)
def _candidates(lexemes):
    """The words that may stem to one of `lexemes`: those that begin as one does."""
    starts = sorted({re.escape(lexeme[:-1] or lexeme) for lexeme in lexemes}, key=len)
    return re.compile(rf"\b(?:{'|'.join(reversed(starts))})\w*", re.IGNORECASE)


def snippet(text, lexemes, start_mark, end_mark):
    """Up to MAX_FRAGMENTS fragments of `text` around the words whose stem is one of
    `lexemes`, those words between the marks; the start of the text when none matches."""
    hits = []
    if lexemes:
        for word in _candidates(lexemes).finditer(text):
            stem = _stemmer.stemWord(word.group().lower())
            if stem in lexemes:
                hits.append((word.start(), word.end(), stem))
    fragments = _fragments(text, hits) or [(0, _end_after_words(text, 0))]
    shown = []
    for first, end in fragments:
        pieces, position = [], first
        for start, stop, _ in hits:
            if first <= start < end:
                pieces += [text[position:start], start_mark, text[start:stop], end_mark]
                position = stop
        pieces.append(text[position:end])
        shown.append(" ".join("".join(pieces).split()))
    return DELIMITER.join(part for part in shown if part)


def _fragments(text, hits):
    """(first, end) character ranges: the windows showing the most distinct matching
    lexemes, then the most matches, not overlapping, in the order of the text."""
    windows = []
    for start, _, _ in hits:
        scan_from = max(0, start - LOOK_BACK)
        before = list(_WORD.finditer(text, scan_from, start))
        if scan_from and before and before[0].start() == scan_from:
            before = before[1:]  # it may be the end of a word cut in two
        first = before[-LEAD_IN:][0].start() if before else start
        windows.append((first, _end_after_words(text, first)))
    chosen = []
    for _ in range(MAX_FRAGMENTS):
        best, best_score = None, (0, 0)
        for first, end in windows:
            if any(first < taken_end and taken_first < end for taken_first, taken_end in chosen):
                continue
            inside = [stem for start, _, stem in hits if first <= start < end]
            score = (len(set(inside)), len(inside))
            if score > best_score:
                best, best_score = (first, end), score
        if best is None:
            break
        chosen.append(best)
    return sorted(chosen)


def _end_after_words(text, first):
    """Where the MAX_WORDS-th word from `first` ends."""
    words = list(islice(_WORD.finditer(text, first), MAX_WORDS))
    return words[-1].end() if words else len(text)
