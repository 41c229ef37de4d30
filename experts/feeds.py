from django.conf import settings
from django.db.models import Exists, OuterRef

from briefs.feeds import LatestBriefsFeed
from briefs.listings import public_expert
from briefs.models import Brief

from .models import ExpertQuote


class ExpertBriefsFeed(LatestBriefsFeed):
    def get_object(self, request, slug):
        return public_expert(slug)

    def title(self, expert):
        return f"{settings.SITE_NAME}: briefs quoting {expert.name}"

    def link(self, expert):
        return expert.get_absolute_url()

    def description(self, expert):
        return f"The newest briefs quoting {expert.name}."

    def briefs(self, expert):
        quoted = ExpertQuote.objects.filter(brief=OuterRef("pk"), expert=expert)
        return Brief.objects.published().filter(Exists(quoted))
