"""Validators shared by both apps' fields."""

from django.core.validators import RegexValidator

# A title or a name is one line: a line break in one would split a mail's subject or
# headers, a feed's title or a log line (CR, LF and their Unicode kin).
validate_single_line = RegexValidator(
    r"[\r\n\v\f\x85\u2028\u2029]",
    inverse_match=True,
    message="Keep this on one line: it may not contain a line break.",
    code="line_break",
)
