from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import URLValidator, validate_email
from django.db import models, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.timesince import timesince
from django.utils.translation import pgettext_lazy
from taggit.managers import TaggableManager
from taggit.models import ItemBase, NaturalKeyManager, TagBase

from common.images import (
    GeneratedName,
    UploadedImageField,
    after_commit,
    images_made,
    validate_image,
    write_renditions,
)
from common.markdown import normalize_newlines, render_markdown
from common.ordering import AuthorOrdered
from common.publication import State, Status, published_condition, settled_condition, state_of
from common.slugs import slug_url, unique_slug
from common.validators import validate_single_line
from experts.models import ExpertQuote


class Format(models.Model):
    """A kind of brief (Flash Brief, Analysis, ...): a small set editors can extend."""

    name = models.CharField(max_length=60, unique=True, validators=[validate_single_line])
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in menus.")

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class IssueQuerySet(models.QuerySet):
    def with_public_counts(self):
        """Each issue annotated with `public_brief_count` (briefs the public may see now) and
        `latest_publish_at` (when the newest of them was published)."""
        public = published_condition("tagged_briefs__content_object__")
        return self.annotate(
            public_brief_count=Count("tagged_briefs", filter=public),
            latest_publish_at=Max("tagged_briefs__content_object__publish_at", filter=public),
        )

    def public(self):
        """Issues with at least one public brief, annotated as with_public_counts(): an issue
        made for an unpublished brief does not give it away. Only the public briefs are joined
        and counted per issue, instead of every brief with a filter on the count: two thirds
        of the time on 100,000 briefs."""
        public = published_condition("tagged_briefs__content_object__")
        # Ordered again: Meta.ordering does not apply to a query with aggregates.
        return (
            self.filter(public)
            .annotate(
                public_brief_count=Count("tagged_briefs"),
                latest_publish_at=Max("tagged_briefs__content_object__publish_at"),
            )
            .order_by("name")
        )


class Issue(TagBase):
    """A policy issue briefs are filed under: a django-taggit tag of our own."""

    name = models.CharField(
        verbose_name=pgettext_lazy("A tag name", "name"),
        unique=True,
        max_length=100,
        validators=[validate_single_line],
    )
    description = models.TextField(blank=True, help_text="Shown at the top of the issue's page.")

    objects = NaturalKeyManager.from_queryset(IssueQuerySet)()

    class Meta:
        ordering = ["name"]

    def slugify(self, tag, i=None):
        # Django's slugify() of the name, with "-2", "-3"... only on a collision, like the
        # slugs of briefs and experts (taggit's own suffix is "_1").
        return unique_slug(self, tag, fallback="issue")

    def get_absolute_url(self):
        return slug_url("briefs:issue", self.slug)


# A card's and a feed item's fields. The image's size comes with the image: without it,
# Django would read each image file to learn it.
LISTED_FIELDS = [
    "title", "slug", "summary", "status", "publish_at", "withdraw_at", "updated_at",
    "format__name", "lead_image", "lead_image_width", "lead_image_height",
    "lead_image_renditions", "latest_developments_html",
]  # fmt: skip


class BriefQuerySet(models.QuerySet):
    def published(self):
        """What the public may see now: the one publication rule; every public surface
        starts here."""
        return self.filter(published_condition())

    def scheduled(self):
        return self.filter(status=Brief.Status.PUBLISHED, publish_at__gt=timezone.now())

    def expired(self):
        """Approved briefs whose withdrawal time has passed: gone like withdrawn ones."""
        return self.filter(status=Brief.Status.PUBLISHED, withdraw_at__lte=timezone.now())

    def filed_under_all(self, issues):
        """Briefs filed under every one of `issues`."""
        for issue in issues:
            self = self.filter(
                Exists(TaggedBrief.objects.filter(content_object=OuterRef("pk"), tag=issue))
            )
        return self

    def newest_first(self):
        """Newest first, for public briefs (which all have a publication time): the order of
        the index brief_public_order read backwards, so a page reads only its own rows."""
        return self.order_by("-publish_at", "-pk")

    def oldest_first(self):
        """The order of newest_first(), reversed: the same index read forwards."""
        return self.order_by("publish_at", "pk")

    def with_page_parts(self):
        """With everything a brief's page (and its mail) shows, in a fixed number of queries.
        Related links to briefs that are not public stay out, on a preview as in public."""
        return self.select_related("format").prefetch_related(
            "issues",
            Prefetch("quotes", queryset=ExpertQuote.objects.select_related("expert")),
            "sections",
            Prefetch("related_links", queryset=RelatedLink.objects.visible()),
        )

    def for_listing(self):
        """With only what a card or a feed item shows: most of a row (the text, the search
        index) is not read. The issues come as `listed_issues`."""
        return (
            self.select_related("format")
            .prefetch_related(Prefetch("issues", to_attr="listed_issues"))
            .only(*LISTED_FIELDS)
        )

    def authored_by(self, user):
        """Briefs `user` wrote or saved last, as their revisions tell: the first revision
        saved by a person is theirs (a brief made outside the admin starts with a baseline
        saved by no one: briefs.editorial.revisions.keep_baseline), or the latest one is (its
        number is the brief's `version`). A brief with no revision yet is no one's."""
        theirs = Revision.objects.filter(brief=OuterRef("pk"), user=user)
        saved_before_by_someone = Revision.objects.filter(
            brief=OuterRef("brief"), user__isnull=False, number__lt=OuterRef("number")
        )
        return self.filter(
            Exists(theirs.filter(number=OuterRef("version")))
            | Exists(theirs.filter(~Exists(saved_before_by_someone)))
        )


RENDITION_WIDTHS = [480, 800, 1200, 1600]


def rendition_files(renditions):
    """The names of the files a brief's `lead_image_renditions` lists."""
    made = [*renditions.get("sizes", []), renditions.get("thumbnail", {})]
    return [made_one[key] for made_one in made for key in ("webp", "jpeg") if key in made_one]


def person_name(user):
    """How the admin names a person: full name, else username; "—" for no one recorded."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


def local_time_label(moment):
    """A date and time in the site's time zone, named: "Dec. 1, 2026, 9 a.m. EST"."""
    return date_format(timezone.localtime(moment), "N j, Y, P T")


class Brief(models.Model):
    # The states of the publication rule (common.publication), as Brief.Status.
    Status = Status

    title = models.CharField(max_length=200, validators=[validate_single_line])
    slug = models.SlugField(
        max_length=200,
        unique=True,
        blank=True,
        help_text=(
            "The brief's address, made from the title when left empty. It cannot change once "
            "the brief is published."
        ),
    )
    format = models.ForeignKey(Format, on_delete=models.PROTECT, related_name="briefs")
    summary = models.TextField(
        blank=True, help_text="One paragraph for lists, previews and search engines."
    )
    lead_image = UploadedImageField(
        upload_to=GeneratedName("briefs/images"),
        blank=True,
        validators=[validate_image],
        width_field="lead_image_width",
        height_field="lead_image_height",
        help_text="JPEG, PNG, WebP or GIF, up to 10 MB. Sizes for every screen are made from it.",
    )
    lead_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_alt = models.CharField(
        "alt text",
        max_length=300,
        blank=True,
        help_text="What the image shows, for readers who cannot see it. Required with an image.",
    )
    lead_image_caption = models.CharField("caption", max_length=300, blank=True)
    lead_image_credit = models.CharField("credit", max_length=200, blank=True)
    lead_image_renditions = models.JSONField(default=dict, blank=True, editable=False)
    # The 1200 × 630 picture link previews show for a brief without a lead image, drawn by the
    # worker after a save (briefs.share_card): "share/<pk>-<hash of what it shows>.png".
    share_card = models.ImageField(blank=True, editable=False)
    latest_developments = models.TextField(
        help_text="The news the brief reacts to. Markdown: a blank line starts a paragraph."
    )
    latest_developments_html = models.TextField(editable=False, blank=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    publish_at = models.DateTimeField(
        "publish at",
        null=True,
        blank=True,
        help_text=(
            "A published brief is public from this time on; a time in the future schedules "
            "it, and it appears by itself when the time comes. Left empty, publishing "
            "publishes now."
        ),
    )
    withdraw_at = models.DateTimeField(
        "withdraw at",
        null=True,
        blank=True,
        help_text=(
            "Optional. From this time on the brief leaves the site as if withdrawn: for "
            "briefs that are only true for a while."
        ),
    )
    mail_to_subscribers = models.BooleanField(
        "mail to subscribers",
        default=True,
        help_text=(
            "Mailed to the readers who follow its issues or experts when it first becomes "
            "public. Untick to publish it without mail."
        ),
    )
    issues = TaggableManager(
        through="TaggedBrief",
        blank=True,
        verbose_name="issues",
        help_text="The policy issues the brief is filed under.",
        # One order on every surface (page, cards, feeds, JSON-LD, the API, the admin): by name.
        ordering=["name"],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The number of the brief's latest revision (briefs.editorial.revisions): a form that was
    # opened at an older one would overwrite someone else's work, so it is refused.
    version = models.PositiveIntegerField(default=0, editable=False)
    # The one-time key of the admin form that created the brief: the same form sent twice (a
    # double click, a retried request) finds this brief instead of making a second one.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # The body's words as search shows them in snippets, written by briefs.public.search
    # whenever the brief or its parts change.
    search_document = models.TextField(blank=True, editable=False)

    objects = BriefQuerySet.as_manager()

    class Meta:
        ordering = [F("publish_at").desc(nulls_last=True), "-pk"]
        permissions = [("publish_brief", "Can publish, schedule and withdraw briefs")]
        indexes = [
            # Public lists newest first, read backwards: (publish_at, id) is their order. On
            # PostgreSQL it also carries the withdrawal time (migration 0014), so a whole list
            # is walked from the index alone.
            models.Index(fields=["status", "publish_at", "id"], name="brief_public_order"),
            # The latest change to a public brief, for the sitemap index's date: read backwards
            # to the first public one, not over every brief.
            models.Index(fields=["updated_at"], name="brief_updated_at"),
            # The next withdrawal to come (briefs.public.freshness): few briefs have one.
            models.Index(
                fields=["withdraw_at"],
                name="brief_withdraw_at",
                condition=Q(withdraw_at__isnull=False),
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.title, fallback="brief")
        if self.status == self.Status.PUBLISHED and self.publish_at is None:
            self.publish_at = timezone.now()
        self.render_text()
        if not self._has_renditions():
            # Those of another image (or none): pages show the image once its own are made.
            self.lead_image_renditions = {}
        # One transaction with what receivers derive from the save (briefs.signals: the search
        # index, the content version), so no reader sees the brief without them.
        with transaction.atomic():
            super().save(*args, **kwargs)
            # With its generated name now. Made by the worker, not in the request: decoding a
            # large upload takes seconds and over a hundred megabytes.
            if self.lead_image and not self._has_renditions():
                from .tasks import make_lead_image_renditions  # the tasks import this module

                after_commit(make_lead_image_renditions, self.pk)

    def get_absolute_url(self):
        return slug_url("briefs:detail", self.slug)

    def render_text(self):
        """The text as saved, and its HTML: on save, and for the live preview of a form."""
        self.summary = normalize_newlines(self.summary)
        self.latest_developments = normalize_newlines(self.latest_developments)
        self.latest_developments_html = render_markdown(self.latest_developments)

    def clean(self):
        if self.lead_image and not self.lead_image_alt.strip():
            raise ValidationError(
                {"lead_image_alt": "Describe the image for readers who cannot see it."}
            )
        if self.withdraw_at and self.publish_at and self.withdraw_at <= self.publish_at:
            raise ValidationError(
                {"withdraw_at": "The withdrawal time must come after the publication time."}
            )

    def _has_renditions(self):
        return bool(self.lead_image) and (
            self.lead_image_renditions.get("source") == self.lead_image.name
        )

    def make_renditions(self):
        """Write the lead image's renditions if it has none yet (the worker's task, once per
        upload, never per request), and record them if the brief still has that image."""
        if not self.lead_image or self._has_renditions():
            return
        with self.lead_image.open("rb") as image:
            renditions = write_renditions(
                image, "briefs/renditions", widths=RENDITION_WIDTHS, thumbnail_size=(360, 240)
            )
        renditions = {"source": self.lead_image.name, **renditions}
        still = Brief.objects.filter(pk=self.pk, lead_image=self.lead_image.name)
        if not still.update(lead_image_renditions=renditions):
            # The image changed (or the brief went) while they were made: of no use.
            for name in rendition_files(renditions):
                default_storage.delete(name)
            return
        self.lead_image_renditions = renditions
        images_made.send(sender=Brief, instance=self)

    @cached_property
    def lead_picture(self):
        """URLs and sizes of the lead image's renditions, for <picture> and srcset."""
        renditions = self.lead_image_renditions
        if not self.lead_image or not renditions.get("sizes"):
            return None
        url = default_storage.url
        sizes, thumbnail = renditions["sizes"], renditions["thumbnail"]
        default = next((size for size in sizes if size["width"] >= 800), sizes[-1])
        return {
            "webp_srcset": ", ".join(f"{url(size['webp'])} {size['width']}w" for size in sizes),
            "jpeg_srcset": ", ".join(f"{url(size['jpeg'])} {size['width']}w" for size in sizes),
            "src": url(default["jpeg"]),
            "width": default["width"],
            "height": default["height"],
            "largest": url(sizes[-1]["jpeg"]),
            "thumbnail_webp": url(thumbnail["webp"]),
            "thumbnail_jpeg": url(thumbnail["jpeg"]),
            "thumbnail_width": thumbnail["width"],
            "thumbnail_height": thumbnail["height"],
        }

    @property
    def state(self):
        """Where the brief stands now (common.publication.State)."""
        return state_of(self.status, self.publish_at, self.withdraw_at)

    @property
    def is_expired(self):
        return self.state == State.EXPIRED

    @property
    def is_public(self):
        """The same rule as BriefQuerySet.published(), for one brief already in hand."""
        return self.state == State.PUBLISHED

    @property
    def state_label(self):
        match self.state:
            case State.SCHEDULED:
                return f"Scheduled for {local_time_label(self.publish_at)}"
            case State.EXPIRED:
                return f"Expired {local_time_label(self.withdraw_at)}"
        return self.state.label

    @property
    def was_published(self):
        """True once the brief has been public: its address is then fixed. The workflow's
        history remembers a brief that was public and went back to draft."""
        return (
            self.status == self.Status.WITHDRAWN
            or self.is_public
            or self.is_expired
            or self.transitions.filter(Q(from_state="published") | Q(to_state="published")).exists()
        )


class TaggedBrief(ItemBase):
    content_object = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="tagged_briefs")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="unique_issue_per_brief")
        ]


class IssueQuoteCount(models.Model):
    """How many quotes an expert has in the settled public briefs of an issue: published, with
    no withdrawal set. Kept by the database's own triggers (migration 0015) on every write to
    briefs, their issues and their quotes, whatever makes it (the write path, a factory, an
    import, a bulk load), so it cannot drift from the rows it counts; briefs with a time still
    to come, the few whose publication or withdrawal is set later, are counted when it is read
    (briefs.public.listings.most_quoted_on). An issue's most quoted experts are then read from
    its two hundred rows or so, where counting them walked every quote of every public brief
    under it: 65 ms for the largest issue of 100,000 briefs after every publication."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="+")
    expert = models.ForeignKey("experts.Expert", on_delete=models.CASCADE, related_name="+")
    quotes = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issue", "expert"], name="one_count_per_issue_expert")
        ]

    def __str__(self):
        return f"{self.quotes} quotes of expert {self.expert_id} on issue {self.issue_id}"

    # The triggers that keep the counts, by table; a bulk load may turn them off and recount.
    TRIGGERS = {
        "briefs_brief": "briefs_count_brief_added",
        "experts_expertquote": "briefs_count_quote",
        "briefs_taggedbrief": "briefs_count_issue",
    }

    @classmethod
    def recount(cls):
        """Count every issue's quotes again from the rows, as the triggers count them: after
        a bulk load written with them off."""
        counted = (
            ExpertQuote.objects.filter(settled_condition("brief__"))
            .order_by()
            .values_list("brief__issues", "expert")
            .annotate(quotes=Count("pk"))
        )
        cls.objects.all().delete()
        cls.objects.bulk_create(
            cls(issue_id=issue, expert_id=expert, quotes=quotes)
            for issue, expert, quotes in counted
            if issue is not None
        )


class BriefSection(AuthorOrdered):
    """A further headed section of a brief, after the expert analysis."""

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="sections")
    heading = models.CharField(max_length=200, validators=[validate_single_line])
    body = models.TextField(help_text="Markdown: a blank line starts a paragraph.")
    body_html = models.TextField(editable=False, blank=True)

    class Meta(AuthorOrdered.Meta):
        verbose_name = "further section"

    def __str__(self):
        return self.heading

    def save(self, *args, **kwargs):
        self.render_text()
        super().save(*args, **kwargs)

    def render_text(self):
        self.body = normalize_newlines(self.body)
        self.body_html = render_markdown(self.body)


class RelatedLinkQuerySet(models.QuerySet):
    def visible(self):
        """Links a reader may see: a link to one of our briefs only while that brief is public."""
        # On the join to the target, not a subquery of every public brief.
        return self.filter(Q(target__isnull=True) | published_condition("target__")).select_related(
            "target"
        )


OUTSIDE_ADDRESS_ERROR = "Enter an http, https or mailto address."
_validate_web_address = URLValidator(schemes=["http", "https"])


def validate_outside_address(value):
    """A related link's outside address: an http or https URL, or mailto: and one email
    address. Every other scheme (javascript:, data:, vbscript:, ftp:...) and anything
    relative is refused: the address is put in an href as it is."""
    try:
        if value[:7].lower() == "mailto:":
            validate_email(value[7:])
        else:
            _validate_web_address(value)
    except ValidationError:
        raise ValidationError(OUTSIDE_ADDRESS_ERROR, code="invalid") from None


class OutsideAddressFormField(forms.URLField):
    default_error_messages = {"invalid": OUTSIDE_ADDRESS_ERROR}
    default_validators = [validate_outside_address]

    def to_python(self, value):
        # URLField would read "mailto:a@b.org" as a host and make it "mailto://a@b.org".
        text = super(forms.URLField, self).to_python(value)
        if text[:7].lower() == "mailto:":
            return text
        return super().to_python(value)


class OutsideAddressField(models.URLField):
    """A URLField (the admin's "assume https" applies) that takes mailto: addresses too,
    and only http, https and mailto."""

    default_validators = [validate_outside_address]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": OutsideAddressFormField, **kwargs})


class RelatedLink(AuthorOrdered):
    """Further reading: an outside address, one of our briefs, or a bare citation."""

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="related_links")
    title = models.CharField(max_length=300, validators=[validate_single_line])
    byline = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text='"by Jane Doe", or a format such as "Flash Brief".',
    )
    url = OutsideAddressField(
        "outside address",
        max_length=500,
        blank=True,
        help_text=(
            "An http or https address, or mailto: and an email address. Leave empty when "
            "linking to one of our briefs."
        ),
    )
    target = models.ForeignKey(
        Brief,
        verbose_name="one of our briefs",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_links",
        help_text="Shown to readers only while that brief is public.",
    )

    objects = RelatedLinkQuerySet.as_manager()

    class Meta(AuthorOrdered.Meta):
        verbose_name = "related link"
        constraints = [
            models.CheckConstraint(
                condition=Q(url="") | Q(target__isnull=True), name="related_link_one_destination"
            )
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.url and self.target_id:
            raise ValidationError(
                "Give either an outside address or one of our briefs, not both.", code="both"
            )
        if self.target_id and self.target_id == self.brief_id:
            raise ValidationError({"target": "A brief cannot link to itself."})

    @property
    def href(self):
        return self.target.get_absolute_url() if self.target_id else self.url


# The editorial workflow (briefs.editorial.workflow, briefs.editorial.revisions,
# briefs.public.previews)


class Transition(models.Model):
    """One move of a brief through the workflow: who, when, from which state to which."""

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="transitions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    # States as Brief.state names them; "" before the brief existed.
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    publish_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.from_state or 'new'} → {self.to_state}"

    @property
    def by(self):
        return person_name(self.user)

    @property
    def description(self):
        """The move in words, with the time it was scheduled for."""
        if self.to_state == State.SCHEDULED and self.publish_at:
            target = f"Scheduled for {local_time_label(self.publish_at)}"
        else:
            target = State(self.to_state).label
        if not self.from_state:
            return f"Created: {target}"
        if self.from_state == self.to_state:
            return f"Rescheduled: {target}" if self.to_state == State.SCHEDULED else target
        return f"{State(self.from_state).label} → {target}"


class Revision(models.Model):
    """The whole brief as one save left it: fields, quotes, sections, links and issues."""

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The editor's comment or the workflow move that came with the save.
    note = models.TextField(blank=True)
    document = models.JSONField()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["brief", "number"], name="unique_revision_number")
        ]

    def __str__(self):
        return f"Revision {self.number} of {self.brief}"

    @property
    def by(self):
        return person_name(self.user)


class PreviewLinkQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class PreviewLink(models.Model):
    """A shared preview of an unpublished brief for a reviewer without an account. The
    address carries a signed id (briefs.public.previews); the row says whether it still works."""

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="preview_links")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Preview of {self.brief}"

    @property
    def is_active(self):
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def created_by_name(self):
        return person_name(self.created_by) if self.created_by else "a removed account"


class EditingSession(models.Model):
    """When a person last opened a brief's form, to tell others who else has it open."""

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brief", "user"], name="one_editing_session_per_user")
        ]

    def __str__(self):
        return f"{self.user} opened {self.brief}"

    @property
    def by(self):
        return person_name(self.user)

    @property
    def opened_ago(self):
        if timezone.now() - self.opened_at < timedelta(minutes=1):
            return "just now"
        return f"{timesince(self.opened_at)} ago"


class UnsavedEdit(models.Model):
    """What a person typed in a brief's form and has not saved, sent by the form every few
    seconds (briefs/static/briefs/autosave.js), so that a crash or a closed tab loses nothing:
    reopening the form offers it back. Not a revision: it is no one's but theirs, and their
    next save of the form removes it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # A brief's form, or (None) the form of a new brief: one of those per person.
    brief = models.ForeignKey(Brief, null=True, on_delete=models.CASCADE, related_name="+")
    # The form's fields as it would have sent them: [name, value, label shown] in order.
    fields = models.JSONField()
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "brief"], name="one_unsaved_edit_per_brief"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(brief=None), name="one_unsaved_new_brief"
            ),
        ]

    def __str__(self):
        return f"{self.user}'s unsaved edit of {self.brief or 'a new brief'}"


class ContentVersion(models.Model):
    """One row whose token changes, in the same transaction, with every change to what the
    public may see (briefs.public.freshness): cached pages and lists are kept under it, so a save
    is never served stale by any process, whatever the cache backend. Its lists token changes
    only with a change to what lists hold (which briefs are public, in what order, under which
    issues, quoting whom, and the issues' and experts' own rows): an edit of a brief's words
    leaves every list's counts and page ids standing. With them, the next time the public
    content changes by itself (a scheduled publication or withdrawal), and what a brief's own
    fragments (its card) are kept under: the cards token, which changes with the names cards
    show (issues', formats'), and the briefs changed since, each with the token of its
    latest change."""

    token = models.CharField(max_length=32)
    lists_token = models.CharField(max_length=32, default="")
    cards_token = models.CharField(max_length=32, default="")
    # {brief id (a string, as JSON keys are): token of the brief's latest change}.
    changed_briefs = models.JSONField(default=dict)
    changed_at = models.DateTimeField(default=timezone.now)
    next_change_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.token


class SearchEntry(models.Model):
    """A brief's entry in PostgreSQL's search index (briefs.public.search), written with the
    brief in the transaction that changes it.

    A narrow table of its own, so that a search reads a few megabytes of rows instead of the
    briefs': its words, and copies of what a search filters, counts and orders by. The
    publication fields are copies under the same names, so the one publication rule
    (common.publication.published_condition) applies to the entry as to the brief. Its GIN
    index, over the sample bucket, month, words, heading, issues and experts, is made by
    migration 0019. SQLite searches its own FTS5 table and leaves this one empty."""

    brief = models.OneToOneField(
        Brief, on_delete=models.CASCADE, primary_key=True, related_name="search_entry"
    )
    # Everything searchable, weighted: title A, summary and names B, body C.
    words = SearchVectorField()
    # Title, summary and names only: matches here are the best candidates for ranking.
    heading = SearchVectorField()
    status = models.CharField(max_length=20, choices=Status)
    publish_at = models.DateTimeField(null=True)
    withdraw_at = models.DateTimeField(null=True)
    # Months since year 0, in UTC: bounds a search for the newest matches to recent months.
    month = models.IntegerField(null=True)
    format_id = models.IntegerField(null=True)
    issue_ids = ArrayField(models.IntegerField(), default=list)
    expert_ids = ArrayField(models.IntegerField(), default=list)
    # One of SAMPLE_BUCKETS fixed, evenly filled buckets: facet counts over tens of
    # thousands of matches are estimated from the matches in a few of them.
    sample = models.IntegerField()

    class Meta:
        verbose_name_plural = "search entries"
        indexes = [
            # The entries of a time window, newest first: a search ranks its newest matches,
            # read within recent months (briefs.public.search).
            models.Index(fields=["publish_at", "brief"], name="search_entry_newest"),
        ]

    def __str__(self):
        return f"Search entry of brief {self.brief_id}"
