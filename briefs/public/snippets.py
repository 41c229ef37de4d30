"""Search snippets made in Python for PostgreSQL's search: the words of a brief's body that
match the query, marked, in up to two fragments of at most 35 words, as ts_headline's
MaxFragments=2, MaxWords=35 would show them.

ts_headline parses the whole body again for every hit shown, about 0.7 ms a brief. Here the
body's words are stemmed with the Snowball English stemmer, the algorithm of PostgreSQL's
`english` configuration, and compared with the query's own lexemes as PostgreSQL wrote them:
about 0.2 ms a brief.
"""

import re
from bisect import bisect_left

import Stemmer

MAX_WORDS = 35
MAX_FRAGMENTS = 2
# Words shown before the first match of a fragment, so that it does not start on the match.
LEAD_IN = 6
DELIMITER = " … "

_WORD = re.compile(r"(\w+)")
# A lexeme of a tsquery's text form: 'word', or !'word' when the query excludes it.
_LEXEME = re.compile(r"(!?)'((?:[^']|'')*)'")
_stemmer = Stemmer.Stemmer("english")


def wanted_lexemes(tsquery_text):
    """The lexemes a tsquery looks for (those it excludes left out), from its text form, such
    as `'militari' <-> 'forc' & !'summit'`."""
    return {
        lexeme.replace("''", "'")
        for negated, lexeme in _LEXEME.findall(tsquery_text)
        if not negated
    }


def snippet(text, lexemes, start_mark, end_mark):
    """Up to MAX_FRAGMENTS fragments of `text` around the words whose stem is one of
    `lexemes`, those words between the marks; the start of the text when none matches."""
    # Words at the odd places, what lies between them at the even ones.
    parts = _WORD.split(text)
    words = [word.lower() for word in parts[1::2]]
    if not words:
        return ""
    distinct = list(set(words))
    stem_of = dict(zip(distinct, _stemmer.stemWords(distinct), strict=True))
    hits = [index for index, word in enumerate(words) if stem_of[word] in lexemes]
    fragments = _fragments(hits, words, stem_of) or [(0, min(MAX_WORDS, len(words)))]
    marked = set(hits)
    shown = []
    for first, end in fragments:
        pieces = []
        for index in range(first, end):
            word = parts[2 * index + 1]
            pieces.append(f"{start_mark}{word}{end_mark}" if index in marked else word)
            if index < end - 1:
                pieces.append(parts[2 * index + 2])
        shown.append(" ".join("".join(pieces).split()))
    return DELIMITER.join(shown)


def _fragments(hits, words, stem_of):
    """(first, end) word ranges: the windows showing the most distinct matching lexemes,
    then the most matches, not overlapping, in the order of the text."""
    length = len(words)
    chosen = []
    for _ in range(MAX_FRAGMENTS):
        best, best_score = None, (0, 0)
        for hit in hits:
            first = max(0, hit - LEAD_IN)
            end = min(length, first + MAX_WORDS)
            if any(first < taken_end and taken_first < end for taken_first, taken_end in chosen):
                continue
            inside = hits[bisect_left(hits, first) : bisect_left(hits, end)]
            score = (len({stem_of[words[index]] for index in inside}), len(inside))
            if score > best_score:
                best, best_score = (first, end), score
        if best is None:
            break
        chosen.append(best)
    return sorted(chosen)
