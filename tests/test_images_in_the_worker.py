"""Renditions and thumbnails are made by the worker, not in the request: a save that brings an
image asks for them once it has committed, pages show the image once they are made (and no
stale or broken one before), and a task that comes twice, late, or after the image changed
does no harm.

Tests run inside a transaction that never commits: the callbacks a save leaves for its commit
are captured, and the worker's tasks are called here as the worker would call them.
"""

from datetime import timedelta
from io import BytesIO
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from briefs import tasks as brief_tasks
from briefs.models import Brief
from briefs_site.celery import app as worker_app
from common import images
from experts import tasks as expert_tasks
from experts.models import Expert
from tests.briefs.test_admin import new_brief_fields, submit
from tests.factories import BriefFactory, ExpertFactory, ExpertQuoteFactory
from tests.pages import elements, form_fields

pytestmark = pytest.mark.django_db

BRIEF_ADD_URL = "/admin/briefs/brief/add/"


def png(size=(1000, 600), colour="#12355b", name="picture.png"):
    output = BytesIO()
    Image.new("RGB", size, colour).save(output, "PNG")
    return SimpleUploadedFile(name, output.getvalue())


def tasks_asked_for(callbacks):
    """The worker's tasks the captured commit callbacks send, as (task, arguments)."""
    return [
        (callback.args[0], callback.args[1])
        for callback in callbacks
        if getattr(callback, "func", None) is images._send
    ]


def run_as_the_worker(asked):
    for task, arguments in asked:
        task(*arguments)


def files_under(folder):
    return sorted(path.name for path in folder.rglob("*") if path.is_file())


def lead_images(response):
    return [img for img in elements(response, "img") if img.get("srcset")]


@pytest.fixture
def eager_worker():
    """Tasks sent with .delay() run at once, here, as a worker would run them."""
    worker_app.conf.task_always_eager = True
    yield
    worker_app.conf.task_always_eager = False


def test_a_lead_image_is_shown_once_the_worker_has_made_its_renditions_after_the_commit(
    client, editor_client, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = submit(
            editor_client,
            BRIEF_ADD_URL,
            **new_brief_fields(
                lead_image=png(), lead_image_alt="Ships at anchor", status="published"
            ),
        )
    assert response.status_code == 302
    brief = Brief.objects.get()
    asked = tasks_asked_for(callbacks)
    assert asked == [(brief_tasks.make_lead_image_renditions, (brief.pk,))]
    # Nothing was made in the request: the page shows the brief without its image for now,
    # rather than a broken one.
    assert not (media_root / "briefs" / "renditions").exists()
    assert brief.lead_picture is None
    page = client.get(brief.get_absolute_url())
    assert page.status_code == 200 and lead_images(page) == []
    assert b'class="lead-image"' not in page.content
    assert b'class="card-image"' not in client.get("/briefs/").content

    run_as_the_worker(asked)

    # Nor is its card: the list shows the thumbnail now.
    assert b'class="card-image"' in client.get("/briefs/").content

    # The page kept before is not served again: it shows the renditions now.
    shown = lead_images(client.get(brief.get_absolute_url()))
    assert [img["alt"] for img in shown] == ["Ships at anchor"]
    assert shown[0]["srcset"].count(".jpeg") == 3  # 480, 800 and 1000 pixels wide
    assert len(files_under(media_root / "briefs" / "renditions")) == 8


def test_the_renditions_task_makes_them_once_however_often_it_comes(media_root):
    brief = BriefFactory(lead_image=png(), lead_image_alt="A picture")
    brief_tasks.make_lead_image_renditions(brief.pk)
    made = Brief.objects.get().lead_image_renditions
    files = files_under(media_root / "briefs" / "renditions")

    brief_tasks.make_lead_image_renditions(brief.pk)
    Brief.objects.get().save()
    brief_tasks.make_lead_image_renditions(brief.pk)

    assert Brief.objects.get().lead_image_renditions == made
    assert files_under(media_root / "briefs" / "renditions") == files
    assert made["source"] == brief.lead_image.name and len(files) == 8


def test_renditions_made_for_an_image_replaced_meanwhile_are_thrown_away(media_root):
    brief = BriefFactory(lead_image=png(), lead_image_alt="A picture")
    write_renditions = images.write_renditions

    def replaced_while_writing(*args, **kwargs):
        made = write_renditions(*args, **kwargs)
        replacing = Brief.objects.get(pk=brief.pk)
        replacing.lead_image = png(colour="#7a2e3a", name="other.png")
        replacing.save()
        return made

    with mock.patch("briefs.models.write_renditions", replaced_while_writing):
        brief_tasks.make_lead_image_renditions(brief.pk)

    assert Brief.objects.get().lead_image_renditions == {}
    assert not files_under(media_root / "briefs" / "renditions")
    # The new image's own renditions come with its own task.
    brief_tasks.make_lead_image_renditions(brief.pk)
    assert Brief.objects.get().lead_picture is not None


def test_a_replaced_lead_image_is_not_shown_in_the_old_ones_renditions(client, media_root):
    brief = BriefFactory(lead_image=png(), lead_image_alt="The first picture")
    brief_tasks.make_lead_image_renditions(brief.pk)
    assert lead_images(client.get(brief.get_absolute_url()))

    brief.refresh_from_db()
    brief.lead_image, brief.lead_image_alt = png(colour="#7a2e3a"), "The second picture"
    brief.save()

    assert Brief.objects.get().lead_image_renditions == {}
    assert lead_images(client.get(brief.get_absolute_url())) == []
    brief_tasks.make_lead_image_renditions(brief.pk)
    shown = lead_images(client.get(brief.get_absolute_url()))
    assert [img["alt"] for img in shown] == ["The second picture"]


def test_renditions_whose_message_was_lost_are_made_by_the_sweep(eager_worker, media_root):
    lost = BriefFactory(lead_image=png(), lead_image_alt="A picture")
    just_saved = BriefFactory(lead_image=png(), lead_image_alt="Another picture")
    Brief.objects.filter(pk=lost.pk).update(updated_at=timezone.now() - timedelta(minutes=10))

    brief_tasks.make_missing_renditions()

    assert Brief.objects.get(pk=lost.pk).lead_picture is not None
    # Saved a moment ago: its own message is still on its way.
    assert Brief.objects.get(pk=just_saved.pk).lead_image_renditions == {}


def test_an_unreachable_broker_loses_no_save_and_the_sweep_makes_the_renditions(
    eager_worker, caplog, media_root, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(
            brief_tasks.make_lead_image_renditions, "apply_async", side_effect=OSError("down")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        brief = BriefFactory(lead_image=png(), lead_image_alt="A picture")

    assert Brief.objects.filter(pk=brief.pk).exists()
    assert "its sweep will do it" in caplog.text
    Brief.objects.filter(pk=brief.pk).update(updated_at=timezone.now() - timedelta(minutes=10))
    brief_tasks.make_missing_renditions()
    assert Brief.objects.get(pk=brief.pk).lead_picture is not None


def test_an_experts_thumbnail_is_shown_once_the_worker_has_made_it_after_the_commit(
    client, editor_client, media_root, django_capture_on_commit_callbacks
):
    expert = ExpertFactory(name="Jane Example")
    ExpertQuoteFactory(expert=expert)
    url = f"/admin/experts/expert/{expert.pk}/change/"
    mark = form_fields(editor_client.get(url), "expert_form")["edit_base_digest"]
    with django_capture_on_commit_callbacks() as callbacks:
        response = editor_client.post(
            url,
            {
                "edit_base_digest": mark,
                "name": expert.name,
                "slug": expert.slug,
                "title": "",
                "program": "",
                "bio": "",
                "photo": png((480, 480)),
            },
        )
    assert response.status_code == 302
    asked = tasks_asked_for(callbacks)
    assert asked == [(expert_tasks.make_photo_thumbnail, (expert.pk,))]
    assert not (media_root / "experts" / "thumbnails").exists()
    assert elements(client.get(expert.get_absolute_url()), "img") == []

    run_as_the_worker(asked)

    thumbnail = Expert.objects.get().photo_thumbnail
    images_shown = elements(client.get(expert.get_absolute_url()), "img")
    assert [img["src"] for img in images_shown] == [thumbnail.url]
    with Image.open(thumbnail.path) as made:
        assert made.size == (320, 320)


def test_a_thumbnail_whose_message_was_lost_is_made_by_the_sweep(eager_worker, media_root):
    lost, just_saved = ExpertFactory(photo=png()), ExpertFactory(photo=png())
    Expert.objects.filter(pk=lost.pk).update(updated_at=timezone.now() - timedelta(minutes=10))

    expert_tasks.make_missing_thumbnails()

    assert Expert.objects.get(pk=lost.pk).photo_thumbnail
    assert not Expert.objects.get(pk=just_saved.pk).photo_thumbnail
