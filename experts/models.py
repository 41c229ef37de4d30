from pathlib import PurePath

from django.db import models
from django.db.models import Count, Max

from common.images import (
    GeneratedName,
    UploadedImageField,
    after_commit,
    images_made,
    square_thumbnail,
    validate_image,
)
from common.markdown import normalize_newlines, render_markdown
from common.ordering import AuthorOrdered
from common.publication import published_condition
from common.slugs import slug_url, unique_slug
from common.validators import validate_single_line


class ExpertQuerySet(models.QuerySet):
    def with_public_quotes(self):
        """Each expert annotated with `public_quote_count` and `latest_quoted_at`, counting
        only quotes in briefs the public may see now."""
        public = published_condition("quotes__brief__")
        return self.annotate(
            public_quote_count=Count("quotes", filter=public),
            latest_quoted_at=Max("quotes__brief__publish_at", filter=public),
        )

    def public(self):
        """Experts quoted in at least one public brief, annotated as with_public_quotes():
        quoting someone in an unpublished brief does not give the brief away. Only the quotes
        in public briefs are joined and counted per expert, instead of every quote with a
        filter on the count, as Issue.objects.public() does."""
        return self.filter(published_condition("quotes__brief__")).annotate(
            public_quote_count=Count("quotes"), latest_quoted_at=Max("quotes__brief__publish_at")
        )


class Expert(models.Model):
    name = models.CharField(max_length=200, validators=[validate_single_line])
    slug = models.SlugField(
        max_length=200, unique=True, blank=True, help_text="Made from the name when left empty."
    )
    title = models.CharField(
        "current title",
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text="Quotes keep the title the expert had when quoted; this one is for new quotes.",
    )
    program = models.CharField(max_length=200, blank=True, validators=[validate_single_line])
    bio = models.TextField(blank=True, help_text="A short biography. Markdown.")
    bio_html = models.TextField(editable=False, blank=True)
    photo = UploadedImageField(
        upload_to=GeneratedName("experts/photos"),
        blank=True,
        validators=[validate_image],
        help_text="JPEG, PNG, WebP or GIF, up to 10 MB. A square thumbnail is made from it.",
    )
    photo_thumbnail = models.ImageField(upload_to="experts/thumbnails/", editable=False, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExpertQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.name, fallback="expert")
        self.bio = normalize_newlines(self.bio)
        self.bio_html = render_markdown(self.bio)
        if not self.has_thumbnail():
            # That of another photo (or none): pages show the photo once its own is made.
            self.photo_thumbnail = None
        super().save(*args, **kwargs)
        # With its generated name now. Made by the worker, not in the request: decoding a
        # large upload takes seconds and over a hundred megabytes.
        if self.photo and not self.has_thumbnail():
            from .tasks import make_photo_thumbnail  # the tasks import this module

            after_commit(make_photo_thumbnail, self.pk)

    def get_absolute_url(self):
        return slug_url("experts:detail", self.slug)

    def has_thumbnail(self):
        """Whether the thumbnail is of the photo: it is named after it (with a suffix if the
        name was taken)."""
        if not self.photo or not self.photo_thumbnail:
            return False
        stem, made = PurePath(self.photo.name).stem, PurePath(self.photo_thumbnail.name).stem
        return made == stem or made.startswith(f"{stem}_")

    def make_thumbnail(self):
        """Write the photo's thumbnail if it has none yet (the worker's task, once per
        upload), and record it if the expert still has that photo."""
        if not self.photo or self.has_thumbnail():
            return
        with self.photo.open("rb") as photo:
            thumbnail = square_thumbnail(photo)
        field = self._meta.get_field("photo_thumbnail")
        name = field.storage.save(
            field.generate_filename(self, f"{PurePath(self.photo.name).stem}.jpg"), thumbnail
        )
        if not Expert.objects.filter(pk=self.pk, photo=self.photo.name).update(
            photo_thumbnail=name
        ):
            # The photo changed (or the expert went) while it was made: of no use.
            field.storage.delete(name)
            return
        self.photo_thumbnail = name
        images_made.send(sender=Expert, instance=self)


class ExpertQuote(AuthorOrdered):
    """An expert's words in a brief, with the title the expert held when quoted."""

    brief = models.ForeignKey("briefs.Brief", on_delete=models.CASCADE, related_name="quotes")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="quotes")
    text = models.TextField(help_text="The quote, without quotation marks. Markdown.")
    text_html = models.TextField(editable=False, blank=True)
    expert_title = models.CharField(
        "title as quoted",
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text="Left empty, the expert's current title is used, and kept even if it changes.",
    )

    class Meta(AuthorOrdered.Meta):
        verbose_name = "expert quote"

    def __str__(self):
        return f"{self.expert}: {self.text[:60]}"

    def save(self, *args, **kwargs):
        self.render_text()
        super().save(*args, **kwargs)

    def render_text(self):
        """The quote as saved, and its HTML: on save, and for the live preview of a form."""
        if not self.expert_title:
            self.expert_title = self.expert.title
        self.text = normalize_newlines(self.text)
        self.text_html = render_markdown(self.text)
