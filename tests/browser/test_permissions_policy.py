"""The Permissions-Policy header in a real browser: Chromium knows every feature it names (a
name it does not know is ignored, with only a console warning) and denies each one."""

from briefs_site.security import DENIED_FEATURES, PERMISSIONS_POLICY
from tests.factories import BriefFactory


def test_chromium_knows_and_denies_every_feature_the_policy_names(new_context, site):
    brief = BriefFactory(title="Ports Under Watch")
    page = new_context().new_page()
    complaints = []
    page.on(
        "console",
        lambda message: "Permissions-Policy" in message.text and complaints.append(message.text),
    )
    for url in ["/", brief.get_absolute_url(), "/admin/login/"]:
        response = page.goto(url)
        assert response.header_value("permissions-policy") == PERMISSIONS_POLICY, url
        allowed = page.evaluate(
            "features => features.filter(name => document.featurePolicy.allowsFeature(name))",
            list(DENIED_FEATURES),
        )
        assert allowed == [], url
    assert complaints == []
