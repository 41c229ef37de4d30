from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from factory.django import DjangoModelFactory

from briefs.models import Brief, BriefSection, Format, Issue, RelatedLink
from experts.models import Expert, ExpertQuote
from subscriptions.models import Subscriber


class FormatFactory(DjangoModelFactory):
    class Meta:
        model = Format
        django_get_or_create = ["name"]

    name = "Flash Brief"


class IssueFactory(DjangoModelFactory):
    class Meta:
        model = Issue

    name = factory.Sequence(lambda n: f"Issue {n}")


class BriefFactory(DjangoModelFactory):
    """A public brief unless told otherwise: published a day before the clock's now."""

    class Meta:
        model = Brief
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Brief number {n}")
    format = factory.SubFactory(FormatFactory)
    summary = "A short summary."
    latest_developments = "Something happened.\n\nAnd then something else."
    status = Brief.Status.PUBLISHED
    publish_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))

    @factory.post_generation
    def issues(brief, create, names, **kwargs):
        if create and names:
            brief.issues.set(names)


class ExpertFactory(DjangoModelFactory):
    class Meta:
        model = Expert

    name = factory.Sequence(lambda n: f"Expert Person {n}")
    title = "Senior Fellow"


class ExpertQuoteFactory(DjangoModelFactory):
    class Meta:
        model = ExpertQuote

    brief = factory.SubFactory(BriefFactory)
    expert = factory.SubFactory(ExpertFactory)
    text = factory.Sequence(lambda n: f"Quoted words number {n}.")


class BriefSectionFactory(DjangoModelFactory):
    class Meta:
        model = BriefSection

    brief = factory.SubFactory(BriefFactory)
    heading = factory.Sequence(lambda n: f"Section {n}")
    body = "A paragraph of the section."


class RelatedLinkFactory(DjangoModelFactory):
    class Meta:
        model = RelatedLink

    brief = factory.SubFactory(BriefFactory)
    title = factory.Sequence(lambda n: f"Further reading {n}")
    byline = "by Someone"
    url = "https://example.org/reading"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True

    @factory.post_generation
    def group(user, create, name, **kwargs):
        if create and name:
            user.groups.add(Group.objects.get(name=name))


class SubscriberFactory(DjangoModelFactory):
    """A confirmed subscriber, following everything, mailed each brief, unless told otherwise:
    confirmed a week before the clock's now."""

    class Meta:
        model = Subscriber
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    status = Subscriber.Status.ACTIVE
    everything = True
    confirmed_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=7))

    @factory.post_generation
    def issues(subscriber, create, issues, **kwargs):
        if create and issues:
            subscriber.issues.set(issues)

    @factory.post_generation
    def experts(subscriber, create, experts, **kwargs):
        if create and experts:
            subscriber.experts.set(experts)
