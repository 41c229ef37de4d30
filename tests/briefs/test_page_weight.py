"""Pages are small and need no JavaScript to read; static files go out compressed, with
far-future caching under names that change with their content."""

import re
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from PIL import Image

from briefs.interchange.documents import import_documents
from briefs.models import Brief
from tests.factories import (
    BriefFactory,
    BriefSectionFactory,
    ExpertQuoteFactory,
    RelatedLinkFactory,
)
from tests.images import run_image_tasks
from tests.pages import elements
from tests.seed import seed_document

pytestmark = pytest.mark.django_db

BRIEF_PAGE_LIMIT = 40_000
PARAGRAPH = (
    "Officials in three capitals described the agreement as a framework rather than a treaty, "
    "and its text commits the parties to consultations on defence production, training and "
    "the exchange of technical staff over the next five years, without naming quantities. "
)


def photo():
    buffer = BytesIO()
    Image.new("RGB", (2400, 1600), "#456").save(buffer, "JPEG")
    return SimpleUploadedFile("lead.jpg", buffer.getvalue(), content_type="image/jpeg")


def heavy_brief():
    """Longer than briefs are: a lead image, six paragraphs of news, four long quotes, three
    sections, six links, five issues, and four briefs "more on" them."""
    issues = ["Iran", "Russia", "Ukraine", "Belarus", "Drones"]
    brief = BriefFactory(
        title="Iran and Belarus Sign a Framework for Defence Production and Training",
        summary=PARAGRAPH,
        latest_developments="\n\n".join([PARAGRAPH * 2] * 6),
        lead_image=photo(),
        lead_image_alt="Delegations at a signing ceremony",
        lead_image_caption="The signing in Minsk.",
        lead_image_credit="Institute photo",
        issues=issues,
    )
    for _ in range(4):
        ExpertQuoteFactory(brief=brief, text=PARAGRAPH * 2)
    for _ in range(3):
        BriefSectionFactory(brief=brief, body="\n\n".join([PARAGRAPH * 2] * 3))
    for _ in range(6):
        RelatedLinkFactory(brief=brief, url="https://example.org/analysis/a-long-address-here")
    for _ in range(4):
        BriefFactory(issues=issues)
    run_image_tasks()
    return brief


def test_a_heavy_brief_page_weighs_under_40_kb(client):
    response = client.get(heavy_brief().get_absolute_url())
    assert response.status_code == 200
    assert len(response.content) < BRIEF_PAGE_LIMIT, len(response.content)


def test_the_seed_brief_page_weighs_under_40_kb(client):
    import_documents({**seed_document(), "status": "published"})
    response = client.get(Brief.objects.get().get_absolute_url())
    assert len(response.content) < BRIEF_PAGE_LIMIT, len(response.content)


@pytest.mark.parametrize(
    "url", ["/", "/briefs/", "/issues/", "/issues/iran/", "/experts/", "/search/?q=framework"]
)
def test_public_pages_carry_no_script_to_run(client, url):
    brief = heavy_brief()
    for address in (url, brief.get_absolute_url()):
        response = client.get(address)
        scripts = elements(response, "script")
        # Only data for search engines: nothing a browser runs.
        assert all(script.get("type") == "application/ld+json" for script in scripts), address
        assert not re.search(rb"\son[a-z]+=", response.content), address


def test_static_files_go_out_compressed_and_cached_for_good(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    page = Client().get(BriefFactory().get_absolute_url())
    stylesheet = next(
        link["href"] for link in elements(page, "link") if link.get("rel") == "stylesheet"
    )
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", stylesheet)

    response = Client().get(stylesheet, headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert response["Content-Encoding"] in {"gzip", "br"}
    assert "immutable" in response["Cache-Control"]
    max_age = int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1))
    assert max_age >= 365 * 24 * 3600
