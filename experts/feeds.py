from django.conf import settings

from briefs.feeds import FEED_LENGTH, LatestBriefsFeed
from briefs.listings import newest_quoting, public_expert
from briefs.models import Brief


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
        return Brief.objects.published().filter(pk__in=newest_quoting(expert, FEED_LENGTH))
