from django.conf import settings
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404

from briefs.feeds import LatestBriefsFeed
from briefs.models import Brief

from .models import Expert, ExpertQuote


class ExpertBriefsFeed(LatestBriefsFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Expert.objects.public(), slug=slug)

    def title(self, expert):
        return f"{settings.SITE_NAME}: briefs quoting {expert.name}"

    def link(self, expert):
        return expert.get_absolute_url()

    def description(self, expert):
        return f"The newest briefs quoting {expert.name}."

    def briefs(self, expert):
        quoted = ExpertQuote.objects.filter(brief=OuterRef("pk"), expert=expert)
        return Brief.objects.published().filter(Exists(quoted))
