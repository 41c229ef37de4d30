"""The forms of subscribing (the contract in product.md, "Subscriptions"), and what tells a
person from a bot without a script or a third party: a field people never see (the trap),
and the signed moment the form was drawn (too soon a submission is a bot's)."""

import re
import time

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError

from briefs.models import Issue
from experts.models import Expert

from .models import Subscriber
from .subscribing import Choices

STARTED_SALT = "subscriptions.form-started"
SLUG = re.compile(r"[-\w]+")
# Nobody types an address and ticks a box faster than this.
FASTEST_PERSON_SECONDS = 3
TRAP_FIELD = "website"
STARTED_FIELD = "started"


def started_value():
    """The moment a form is drawn, signed. A page kept in the cache carries an old one,
    which is fine: only a moment too recent gives a bot away."""
    return signing.dumps(int(time.time()), salt=STARTED_SALT)


def bot_fields():
    """What a form's template needs to draw the trap and the moment."""
    return {"trap_field": TRAP_FIELD, "started_field": STARTED_FIELD, "started": started_value()}


def looks_automated(data):
    """Whether a submission is a bot's: the trap filled in, or the form's moment too recent
    or tampered with. A submission without the moment is not held against its sender: the
    contract names only the subscription's fields, and code posting them sends no other."""
    if data.get(TRAP_FIELD):
        return True
    started = data.get(STARTED_FIELD)
    if started is None:
        return False
    try:
        drawn = signing.loads(started, salt=STARTED_SALT)
    except signing.BadSignature:
        return True
    return not isinstance(drawn, int) or time.time() - drawn < FASTEST_PERSON_SECONDS


class BySlugField(forms.ModelMultipleChoiceField):
    """Issues or experts named by their slugs, each unknown slug named in the one message.

    Any existing one is taken, not only those with a public brief: a reader may follow an issue
    or an expert before the first brief about it is public."""

    default_error_messages = {"unknown": "We have no %(kind)s called %(slugs)s."}

    def __init__(self, queryset, kind):
        super().__init__(queryset, to_field_name="slug", required=False)
        self.kind = kind

    def clean(self, value):
        slugs = list(dict.fromkeys(slug.strip() for slug in value or () if slug.strip()))
        if not slugs:
            return []
        # A value that cannot be a slug is unknown without asking the database (which, if it
        # is PostgreSQL, refuses a NUL in a query's text).
        plausible = [slug for slug in slugs if SLUG.fullmatch(slug)]
        found = {item.slug: item for item in self.queryset.filter(slug__in=plausible)}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            raise ValidationError(
                self.error_messages["unknown"],
                code="unknown",
                params={"kind": self.kind, "slugs": ", ".join(f"“{slug}”" for slug in unknown)},
            )
        return [found[slug] for slug in slugs]


class EverythingInput(forms.CheckboxInput):
    """`all=1` asks for everything; Django's own checkbox would take `all=0` as ticked too."""

    def value_from_datadict(self, data, files, name):
        return str(data.get(name, "")).strip().lower() in {"1", "true", "on"}


class ChoicesForm(forms.Form):
    """What a subscriber follows, and how often: the field names of the contract."""

    all = forms.BooleanField(required=False, widget=EverythingInput)
    issue = BySlugField(Issue.objects.all(), kind="issue")
    expert = BySlugField(Expert.objects.all(), kind="expert")
    frequency = forms.ChoiceField(
        choices=Subscriber.Frequency.choices,
        required=False,
        error_messages={"invalid_choice": "Choose each brief or a daily digest."},
    )

    def clean_frequency(self):
        return self.cleaned_data["frequency"] or Subscriber.Frequency.INSTANT

    def clean(self):
        cleaned = super().clean()
        chose_nothing = not (
            cleaned.get("all")
            or cleaned.get("issue")
            or cleaned.get("expert")
            or self.has_error("issue")
            or self.has_error("expert")
        )
        if chose_nothing:
            self.add_error("all", "Choose everything, or at least one issue or expert.")
        return cleaned

    def choices(self):
        cleaned = self.cleaned_data
        return Choices(
            everything=cleaned["all"],
            issues=tuple(issue.pk for issue in cleaned["issue"]),
            experts=tuple(expert.pk for expert in cleaned["expert"]),
            frequency=cleaned["frequency"],
        )

    def options(self, name, items):
        """Checkboxes for `items` (issues or experts), ticked as the form holds them."""
        chosen = {str(value) for value in self[name].value() or ()}
        return [
            {"value": item.slug, "label": item.name, "checked": item.slug in chosen}
            for item in items
        ]

    def frequency_options(self):
        chosen = self["frequency"].value() or Subscriber.Frequency.INSTANT
        return frequency_options(chosen)

    def everything_chosen(self):
        return bool(self["all"].value())


# Shorter than the model's labels, to sit beside a radio button.
FREQUENCY_LABELS = {
    Subscriber.Frequency.INSTANT: "Each brief, as published",
    Subscriber.Frequency.DAILY: "A daily digest",
}


def frequency_options(chosen):
    return [
        {"value": value, "label": FREQUENCY_LABELS[value], "checked": value == chosen}
        for value in Subscriber.Frequency.values
    ]


class SubscribeForm(ChoicesForm):
    email = forms.EmailField(
        max_length=254,
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter a whole email address, such as name@example.org.",
        },
    )
    field_order = ["email", "all", "issue", "expert", "frequency"]


class PreferencesForm(ChoicesForm):
    paused = forms.BooleanField(required=False)

    @classmethod
    def for_subscriber(cls, subscriber, data=None):
        initial = {
            "all": subscriber.everything,
            "issue": list(subscriber.issues.all()),
            "expert": list(subscriber.experts.all()),
            "frequency": subscriber.frequency,
            "paused": subscriber.status == Subscriber.Status.PAUSED,
        }
        return cls(data, initial=initial)
