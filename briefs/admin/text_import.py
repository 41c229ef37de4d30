"""The admin's "Import from text" page (/admin/briefs/brief/import-text/).

An analyst pastes a brief copied from a web page or a word processor. "Preview" shows each
line of the text marked with what it became, beside the brief as it will be stored; "Create
draft" posts the same text again and saves it the way `manage.py import_briefs` does
(briefs.interchange.plaintext, then briefs.interchange.documents.import_documents). A text that
cannot be read comes back in the textarea with the line and what was expected there, so nothing
typed is lost.
"""

from datetime import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models.functions import Lower
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe

from common.markdown import render_markdown
from experts.models import Expert

from ..interchange.documents import DocumentError, import_documents
from ..interchange.plaintext import ParseError, UnknownIssues, loose, parse_text, prepare_import
from ..models import Brief

KIND_LABELS = {
    "date": "date",
    "format": "format",
    "title": "title",
    "header": "repeated header, read once",
    "heading": "heading",
    "paragraph": "paragraph",
    "quote": "quote",
    "attribution": "attribution",
    "related": "related link",
    "byline": "byline",
    "issue": "issue",
    "new-issue": "new issue",
    "unknown-issue": "unknown issue",
}


PLACEHOLDER = """August 3, 2023 | Flash Brief

Title of the Brief

Latest Developments

What happened, in one or more paragraphs.

Expert Analysis

\u201cWhat the expert said.\u201d Jane Doe, Senior Fellow

A Further Heading

Its paragraphs.

A Related Title,\u201d by Jane Doe

Issues:

Iran Russia"""


class TextImportForm(forms.Form):
    text = forms.CharField(
        label="Text of the brief",
        strip=False,
        max_length=200_000,
        widget=forms.Textarea(
            attrs={"rows": 16, "spellcheck": "false", "placeholder": PLACEHOLDER}
        ),
        help_text=(
            "In this order: the date line (August 3, 2023 | Flash Brief), the title, Latest "
            "Developments, Expert Analysis with its quotes, further sections, related links, "
            "and the issues after \u201cIssues:\u201d. Blank lines do not matter."
        ),
    )
    create_issues = forms.BooleanField(
        label="Create new issues",
        required=False,
        help_text="Issues the text names that do not exist yet are created with the draft. "
        "Left unticked, they are reported and nothing is created.",
    )


def text_import_urls(model_admin):
    """The page's URL, for BriefAdmin.get_urls (it must come before the admin's own)."""

    def view(request):
        return import_text_view(model_admin, request)

    return [
        path(
            "import-text/",
            model_admin.admin_site.admin_view(view),
            name="briefs_brief_import_text",
        )
    ]


def import_text_view(model_admin, request):
    if not request.user.has_perm("briefs.add_brief"):
        raise PermissionDenied
    may_create_issues = request.user.has_perm("briefs.add_issue")
    form = TextImportForm(request.POST if request.method == "POST" else None)
    if not may_create_issues:
        form.fields["create_issues"].disabled = True
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Brief._meta,
        "title": "Import a brief from text",
        "form": form,
        "may_create_issues": may_create_issues,
    }
    if request.method == "POST" and form.is_valid():
        create_issues = form.cleaned_data["create_issues"] and may_create_issues
        outcome = _read(form.cleaned_data["text"], create_issues)
        if outcome["ready"] and "create" in request.POST:
            return _create(model_admin, request, outcome)
        context.update(outcome)
    return TemplateResponse(request, "admin/briefs/brief/import_text.html", context)


def _read(text, create_issues):
    """Parse and check the text as a dry run: marked lines, the brief, and any errors."""
    outcome = {"ready": False, "error": None, "problems": [], "brief": None}
    try:
        parsed = parse_text(text, create_issues=create_issues)
    except ParseError as error:
        outcome["error"] = error
        outcome["unknown_issues"] = isinstance(error, UnknownIssues)
        outcome["lines"] = _lines(error.lines, error)
        return outcome
    outcome["lines"] = _lines(parsed.lines)
    try:
        document = prepare_import(parsed)
        report = import_documents(document, dry_run=True)
    except DocumentError as error:
        outcome["problems"] = error.problems
        outcome["brief"] = _preview(parsed.document, parsed.new_issues)
        return outcome
    outcome.update(
        ready=True,
        document=document,
        report=report,
        existing=Brief.objects.filter(slug=document["slug"]).first(),
        brief=_preview(document, parsed.new_issues),
    )
    return outcome


def _create(model_admin, request, outcome):
    document, report = outcome["document"], outcome["report"]
    import_documents(document, user=request.user)
    brief = Brief.objects.get(slug=document["slug"])
    title = f"\u201c{brief.title}\u201d"
    if report.created:
        model_admin.log_addition(request, brief, "Created from pasted text.")
        messages.success(
            request,
            f"The draft {title} was created from the text. Check it, then submit it for review.",
        )
    elif report.updated:
        model_admin.log_change(request, brief, "Updated from pasted text.")
        changed = ", ".join(key.replace("_", " ") for key in report.changes[brief.slug])
        messages.success(request, f"The draft {title} was updated from the text ({changed}).")
    else:
        messages.info(request, f"The draft {title} already held this text: nothing changed.")
    return HttpResponseRedirect(reverse("admin:briefs_brief_change", args=[brief.pk]))


def _lines(lines, error=None):
    """The text's non-blank lines for the left column; lines after an error are not read."""
    rows = []
    for line in lines:
        if not line.text:
            continue
        is_error = error is not None and line.number == error.line_number
        rows.append(
            {
                "number": line.number,
                "parts": line.parts or [("", line.text)],
                "kinds": [(kind, KIND_LABELS[kind]) for kind in line.kinds],
                "is_error": is_error,
                "message": error.message if is_error else "",
            }
        )
    return rows


def _preview(document, new_issues):
    """The document as the right column shows it: rendered as the brief page would."""
    known_experts = set(
        Expert.objects.annotate(key=Lower("name"))
        .filter(key__in=[quote["expert"].lower() for quote in document["quotes"]])
        .values_list("key", flat=True)
    )
    targets = Brief.objects.in_bulk(
        [link["brief"] for link in document["related"] if link.get("brief")], field_name="slug"
    )
    new = {loose(name) for name in new_issues}
    publish_at = document["publish_at"]
    return {
        "title": document["title"],
        "slug": document["slug"],
        "format": document["format"],
        "date": date_format(timezone.localtime(datetime.fromisoformat(publish_at)), "F j, Y")
        if publish_at
        else None,
        "latest_developments": _html(document["latest_developments"]),
        "quotes": [
            {
                **quote,
                "html": _html(quote["text"]),
                "new_expert": quote["expert"].lower() not in known_experts,
            }
            for quote in document["quotes"]
        ],
        "sections": [
            {"heading": section["heading"], "html": _html(section["body"])}
            for section in document["sections"]
        ],
        "related": [
            {**link, "target": targets.get(link.get("brief"))} for link in document["related"]
        ],
        "issues": [{"name": name, "new": loose(name) in new} for name in document["issues"]],
    }


def _html(markdown):
    # render_markdown sanitises what it makes, which is what the brief's page will show.
    return mark_safe(render_markdown(markdown))
