from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from experts.models import Expert
from tests.factories import ExpertFactory, ExpertQuoteFactory
from tests.images import run_image_tasks
from tests.pages import elements, form_fields, visible_text

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/experts/expert/add/"


def image_upload(name="portrait.png", image_format="PNG", size=(640, 480)):
    output = BytesIO()
    Image.new("RGB", size, "#12355b").save(output, image_format)
    return SimpleUploadedFile(name, output.getvalue())


def expert_fields(**changes):
    return {
        "name": "Jane Example",
        "slug": "",
        "title": "Senior Fellow",
        "program": "",
        "bio": "",
        **changes,
    }


@pytest.mark.parametrize(
    ("name", "image_format"), [("me.png", "PNG"), ("me.JPG", "JPEG"), ("me.webp", "WEBP")]
)
def test_photo_upload_makes_a_square_thumbnail(analyst_client, name, image_format):
    response = analyst_client.post(ADD_URL, expert_fields(photo=image_upload(name, image_format)))
    run_image_tasks()

    assert response.status_code == 302
    expert = Expert.objects.get()
    assert expert.slug == "jane-example"
    assert expert.photo.name.startswith("experts/photos/") and "me" not in expert.photo.name
    with Image.open(expert.photo_thumbnail.path) as thumbnail:
        assert (thumbnail.format, thumbnail.size) == ("JPEG", (320, 320))


def test_new_photo_replaces_the_thumbnail(analyst_client):
    analyst_client.post(ADD_URL, expert_fields(photo=image_upload()))
    run_image_tasks()
    expert = Expert.objects.get()
    first_thumbnail = expert.photo_thumbnail.name
    url = f"/admin/experts/expert/{expert.pk}/change/"
    mark = form_fields(analyst_client.get(url), "expert_form")["edit_base_digest"]
    analyst_client.post(
        url, expert_fields(slug=expert.slug, photo=image_upload("new.png"), edit_base_digest=mark)
    )
    run_image_tasks()
    expert.refresh_from_db()
    assert expert.photo_thumbnail.name != first_thumbnail
    assert expert.photo_thumbnail.name.startswith("experts/thumbnails/")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("photo.png", b"this is only text"), "This file is text, not an image"),
        (SimpleUploadedFile("photo.png", b""), "The submitted file is empty."),
        (image_upload("photo.bmp", "BMP"), "BMP images are not accepted"),
    ],
)
def test_a_file_that_is_not_an_accepted_image_is_refused_and_nothing_saved(
    analyst_client, upload, message
):
    response = analyst_client.post(ADD_URL, expert_fields(photo=upload))
    assert response.status_code == 200
    assert message in visible_text(response)
    assert not Expert.objects.exists()


def test_expert_list_shows_thumbnail_and_quote_count(analyst_client):
    analyst_client.post(ADD_URL, expert_fields(photo=image_upload()))
    run_image_tasks()
    ExpertQuoteFactory(expert=Expert.objects.get())
    ExpertQuoteFactory(expert=Expert.objects.get())
    response = analyst_client.get("/admin/experts/expert/")
    assert [e for e in elements(response, "img") if e.get("class") == "expert-thumbnail"]
    assert "Jane Example Senior Fellow - 2" in visible_text(response)


def test_brief_page_shows_the_experts_thumbnail(client, analyst_client):
    analyst_client.post(ADD_URL, expert_fields(photo=image_upload()))
    run_image_tasks()
    quote = ExpertQuoteFactory(expert=Expert.objects.get())
    images = elements(client.get(quote.brief.get_absolute_url()), "img")
    assert [image["src"] for image in images] == [Expert.objects.get().photo_thumbnail.url]


def test_quoted_expert_cannot_be_deleted_and_the_quote_survives(editor_client):
    quote = ExpertQuoteFactory()
    response = editor_client.post(
        f"/admin/experts/expert/{quote.expert.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 200
    assert "would require deleting the following protected related objects" in visible_text(
        response
    )
    assert Expert.objects.filter(pk=quote.expert.pk).exists()


def test_analyst_cannot_delete_experts(analyst_client):
    expert = ExpertFactory()
    response = analyst_client.post(f"/admin/experts/expert/{expert.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
