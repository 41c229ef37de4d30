"""The write API: staff write briefs as brief documents and move them through the workflow,
with a personal token (api.authentication), as themselves.

Everything goes through the one write path (briefs.editorial.changes) with the admin's rules:
the model permissions, who may change a brief once it is public (roles.may_edit), and which
moves each person may make (workflow.check_move). A document sets what a brief says; where it
stands in the workflow changes only by the actions (submit, publish, schedule...), each a
move recorded with who made it.
"""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ParseError, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from briefs.editorial import changes, workflow
from briefs.editorial.document import brief_to_document, documents_queryset
from briefs.editorial.roles import can_publish, may_edit
from briefs.editorial.workflow import ChangeRefused
from briefs.interchange.documents import DocumentError, check_documents
from briefs.models import Brief
from common.publication import State
from common.site import absolute

from .authentication import TokenAuthentication
from .views import parse_moment

# Keys the read API adds to a document (api.serializers): a document read, changed and sent
# back keeps them, and they are set aside.
ADDED_KEYS = {
    "url", "api_url", "updated_at", "latest_developments_html", "lead_image", "state",
    "state_label", "version", "admin_url", "preview_url",
}  # fmt: skip
ADDED_PART_KEYS = {
    "quotes": {"text_html", "expert_url", "expert_api_url"},
    "sections": {"body_html"},
    "related": {"href"},
}
# Where a brief stands: changed by the actions, never by a document.
WORKFLOW_KEYS = ("status", "publish_at", "withdraw_at")


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "stale"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class DocumentProblems(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_document"

    def __init__(self, problems):
        count = len(problems)
        super().__init__(
            {
                "detail": f"The document has {count} problem{'s' if count > 1 else ''}; "
                "nothing was saved.",
                "problems": problems,
            }
        )


def without_added_keys(document):
    if not isinstance(document, dict):
        return document
    document = {key: value for key, value in document.items() if key not in ADDED_KEYS}
    for part, added in ADDED_PART_KEYS.items():
        rows = document.get(part)
        if isinstance(rows, list):
            document[part] = [
                {k: v for k, v in row.items() if k not in added} if isinstance(row, dict) else row
                for row in rows
            ]
    return document


def clean_document(data):
    """The one clean document in a request's body, or DocumentProblems."""
    if not isinstance(data, dict):
        raise DocumentProblems(["expected one brief document (a JSON object)"])
    try:
        (document,) = check_documents(without_added_keys(data))
    except DocumentError as error:
        raise DocumentProblems(error.problems) from None
    return document


def staff_document(brief):
    """A brief in any state, as staff see it: its document, where it stands, and its
    addresses. Its ETag is its version, for If-Match."""
    brief = documents_queryset().get(pk=brief.pk)
    document = brief_to_document(brief)
    admin_url = absolute(reverse("admin:briefs_brief_change", args=[brief.pk]))
    return {
        **document,
        "state": brief.state,
        "state_label": brief.state_label,
        "version": brief.version,
        "url": absolute(brief.get_absolute_url()) if brief.is_public else None,
        "admin_url": admin_url,
        "preview_url": absolute(reverse("admin:briefs_brief_preview", args=[brief.pk])),
    }, brief.version


def answer(brief, status_code=status.HTTP_200_OK):
    document, version = staff_document(brief)
    return Response(document, status=status_code, headers={"ETag": f'"{version}"'})


def refused(error):
    """A move the workflow does not allow: 403 when only an editor could make it."""
    if "Only an editor" in error.message:
        return PermissionDenied(error.message)
    return ParseError(error.message)


def workflow_key_refused(key):
    return ParseError(
        f"{key} is changed by the brief's actions (submit, publish, schedule, withdraw...), "
        "not by its document."
    )


STAFF_DOCUMENT = inline_serializer(
    "StaffBriefDocument",
    {
        "title": serializers.CharField(),
        "slug": serializers.SlugField(),
        "format": serializers.CharField(),
        "status": serializers.CharField(),
        "state": serializers.CharField(),
        "state_label": serializers.CharField(),
        "version": serializers.IntegerField(),
        "publish_at": serializers.DateTimeField(allow_null=True),
        "summary": serializers.CharField(),
        "latest_developments": serializers.CharField(),
        "quotes": serializers.ListField(child=serializers.DictField()),
        "sections": serializers.ListField(child=serializers.DictField()),
        "related": serializers.ListField(child=serializers.DictField()),
        "issues": serializers.ListField(child=serializers.CharField()),
        "url": serializers.URLField(allow_null=True),
        "admin_url": serializers.URLField(),
        "preview_url": serializers.URLField(),
    },
)
DOCUMENT_BODY = {
    "application/json": {
        "type": "object",
        "description": "A brief document (docs/api.md); keys the read API adds are ignored.",
        "required": ["title", "format", "latest_developments"],
        "additionalProperties": True,
    }
}


class StaffView(APIView):
    """For staff with a token: never kept by any cache."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response

    def require(self, permission, what):
        if not self.request.user.has_perm(permission):
            raise PermissionDenied(f"Your account may not {what}.")

    def brief(self, slug):
        brief = get_object_or_404(Brief, slug=slug)
        self.require("briefs.view_brief", "see briefs")
        return brief


@extend_schema(tags=["staff"], request=DOCUMENT_BODY, responses={201: STAFF_DOCUMENT})
class StaffBriefCreateView(StaffView):
    """Create a brief from a document: a draft, or in review with `"status": "review"`."""

    def post(self, request):
        self.require("briefs.add_brief", "create briefs")
        document = clean_document(request.data)
        if document["status"] not in {Brief.Status.DRAFT, Brief.Status.REVIEW}:
            raise ParseError(
                "A brief is created as a draft or in review; publish or schedule it then with "
                "its publish or schedule action."
            )
        if document["publish_at"] and not can_publish(request.user):
            raise PermissionDenied("Only an editor sets a brief's publication time.")
        if Brief.objects.filter(slug=document["slug"]).exists():
            raise Conflict(
                f"A brief with the slug {document['slug']!r} exists already: change it with "
                f"PUT {reverse('api:staff-brief', args=[document['slug']])}."
            )
        try:
            with changes.operation(request.user, note="Written through the API"):
                workflow.check_move(request.user, workflow.NEW, document["status"])
                brief = changes.write_document(Brief(slug=document["slug"]), document)
                changes.write_related_links(brief, document["related"])
        except ChangeRefused as error:
            raise refused(error) from None
        return answer(brief, status.HTTP_201_CREATED)


@extend_schema(tags=["staff"])
class StaffBriefView(StaffView):
    """A brief in any state; PUT replaces what it says (its place in the workflow stays)."""

    @extend_schema(responses=STAFF_DOCUMENT)
    def get(self, request, slug):
        return answer(self.brief(slug))

    @extend_schema(
        request=DOCUMENT_BODY,
        responses=STAFF_DOCUMENT,
        parameters=[
            OpenApiParameter(
                "If-Match",
                str,
                OpenApiParameter.HEADER,
                description="The ETag of the brief as read: refused with 412 if it changed since.",
            )
        ],
    )
    def put(self, request, slug):
        brief = self.brief(slug)
        self.require("briefs.change_brief", "change briefs")
        if not may_edit(request.user, brief):
            raise PermissionDenied(
                "Only an editor may change a brief that is published, scheduled or withdrawn."
            )
        data = request.data if isinstance(request.data, dict) else {}
        if data.get("status", brief.status) != brief.status:
            raise workflow_key_refused("status")
        document = clean_document({"slug": slug, **data})
        if document["slug"] != slug:
            raise ParseError("A brief's slug is not changed through the API.")
        for key in WORKFLOW_KEYS:
            if key in data and document[key] != getattr(brief, key):
                raise workflow_key_refused(key)
        with changes.operation(request.user, note="Written through the API") as change:
            brief = Brief.objects.select_for_update().get(pk=brief.pk)
            self.check_version(request, brief)
            change.watch(brief)
            kept = {key: getattr(brief, key) for key in WORKFLOW_KEYS}
            changes.write_document(brief, {**document, **kept})
            changes.write_related_links(brief, document["related"])
        return answer(brief)

    def check_version(self, request, brief):
        expected = request.headers.get("If-Match", "").removeprefix("W/").strip('"')
        if expected and expected != str(brief.version):
            raise PreconditionFailed(
                f"The brief has changed since you read it (it is at version {brief.version} "
                f"now, you read {expected}): read it again and make your change to that."
            )


ACTION_BODY = inline_serializer(
    "WorkflowAction",
    {
        "comment": serializers.CharField(
            required=False, help_text="Required to send back (editors) and to withdraw."
        ),
        "publish_at": serializers.DateTimeField(
            required=False, help_text="For schedule: a time to come (ISO 8601)."
        ),
    },
)


# The workflow's moves, by the last part of their URL.
MOVES = ("submit", "send-back", "publish", "schedule", "unschedule", "withdraw")


@extend_schema(tags=["staff"], request=ACTION_BODY, responses=STAFF_DOCUMENT)
class StaffBriefMoveView(StaffView):
    """A move through the workflow. Who may make which is the admin's rule
    (docs/workflow.md): analysts submit (and take back); editors also send back (with a
    comment), publish, schedule, unschedule and withdraw (with a comment)."""

    move = None

    def post(self, request, slug):
        brief = self.brief(slug)
        self.require("briefs.change_brief", "change briefs")
        data = request.data if isinstance(request.data, dict) else {}
        comment = data.get("comment") or ""
        if not isinstance(comment, str):
            raise ParseError("comment is text.")
        try:
            brief = self.make_move(brief, request.user, comment, data)
        except ChangeRefused as error:
            raise refused(error) from None
        return answer(brief)

    def make_move(self, brief, user, comment, data):
        if self.move == "schedule":
            if not isinstance(data.get("publish_at"), str):
                raise ParseError("schedule needs publish_at: a time to come, in ISO 8601.")
            publish_at = parse_moment(data["publish_at"], "publish_at")
            return changes.schedule(brief, user, publish_at, comment)
        if self.move == "unschedule":
            if brief.state != State.SCHEDULED:
                raise ParseError("Only a scheduled brief can be unscheduled.")
            return changes.move(brief, user, Brief.Status.DRAFT, comment=comment)
        return SIMPLE_MOVES[self.move](brief, user, comment)


SIMPLE_MOVES = {
    "submit": changes.submit,
    "send-back": changes.send_back,
    "publish": changes.publish_now,
    "withdraw": changes.withdraw,
}
