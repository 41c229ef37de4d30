"""Every admin screen an analyst or editor works in fits a phone: nothing wider than 390 px."""

from django.core.management import call_command

from briefs.models import Brief, Issue
from experts.models import Expert
from tests.browser.test_publishing_workflow import log_in, make_user
from tests.factories import FormatFactory

SCREENS = [
    "/admin/",
    "/admin/briefs/brief/",
    "/admin/briefs/brief/add/",
    "/admin/briefs/brief/{brief}/change/",
    "/admin/briefs/brief/{brief}/revisions/",
    "/admin/briefs/brief/calendar/",
    "/admin/briefs/brief/import-text/",
    "/admin/briefs/issue/",
    "/admin/briefs/issue/{issue}/change/",
    "/admin/experts/expert/",
    "/admin/experts/expert/{expert}/change/",
    "/admin/briefs/format/",
    "/admin/api/apitoken/",
    "/admin/webhooks/endpoint/",
    "/admin/webhooks/webhookdelivery/",
    "/admin/subscriptions/subscriber/",
    "/admin/events/event/",
]


def test_no_admin_screen_is_wider_than_a_phone(new_context, settings):
    # The formats come from a data migration, which an earlier test's flush removed.
    for name in ("Flash Brief", "Analysis", "Policy Brief", "Memo"):
        FormatFactory(name=name)
    settings.DEBUG = True  # load_demo's accounts have published passwords: development only
    call_command("load_demo", verbosity=0)
    settings.DEBUG = False
    editor = make_user("Editors")
    ids = {
        "brief": Brief.objects.published().first().pk,
        "issue": Issue.objects.first().pk,
        "expert": Expert.objects.first().pk,
    }
    page = new_context(width=390, height=844).new_page()
    log_in(page, editor, "/admin/")
    page.wait_for_url("**/admin/")
    too_wide = []
    for screen in SCREENS:
        response = page.goto(screen.format(**ids))
        assert response.status == 200, screen
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide.append(f"{screen}: {width} px")
    assert not too_wide, too_wide
