"""`manage.py load_demo`: demo content and accounts for development, safe to run again."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from PIL import Image

from briefs.models import Brief, Issue, RelatedLink
from experts.models import Expert, ExpertQuote

# The documented demo accounts: username, password.
DEMO_LOGINS = [("analyst", "analyst-demo"), ("editor", "editor-demo"), ("admin", "admin-demo")]


def load_demo():
    call_command("load_demo", verbosity=0)


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    # The default hasher is slow on purpose; the demo sets three passwords per load.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo()


def counts():
    return {
        "briefs": Brief.objects.count(),
        "issues": Issue.objects.count(),
        "experts": Expert.objects.count(),
        "quotes": ExpertQuote.objects.count(),
        "related links": RelatedLink.objects.count(),
        "users": get_user_model().objects.count(),
        "group memberships": get_user_model().groups.through.objects.count(),
    }


def test_second_demo_load_adds_nothing(demo):
    first = counts()

    load_demo()

    assert counts() == first


def test_demo_has_enough_content_to_browse(demo):
    assert Brief.objects.count() >= 8
    assert Issue.objects.count() >= 10
    assert Expert.objects.count() >= 5


def test_every_demo_brief_is_filed_under_an_issue(demo):
    assert not Brief.objects.filter(issues=None).exists()


def test_every_demo_expert_has_a_photo_and_a_square_thumbnail(demo):
    for expert in Expert.objects.all():
        assert expert.photo, expert.name
        assert expert.photo_thumbnail, expert.name
        with expert.photo.open("rb"), Image.open(expert.photo) as photo:
            photo.verify()
        with expert.photo_thumbnail.open("rb"), Image.open(expert.photo_thumbnail) as thumbnail:
            assert thumbnail.size == (320, 320), expert.name


def test_demo_shows_every_workflow_state(demo):
    assert Brief.objects.filter(status=Brief.Status.DRAFT).count() == 1
    assert Brief.objects.filter(status=Brief.Status.REVIEW).count() == 1
    assert Brief.objects.scheduled().count() == 1
    assert Brief.objects.published().exists()


def test_scheduled_demo_brief_is_not_public_yet(demo):
    scheduled = Brief.objects.scheduled().get()

    assert not Brief.objects.published().filter(pk=scheduled.pk).exists()
    assert scheduled.state == "scheduled"


@pytest.mark.parametrize(("username", "password"), DEMO_LOGINS)
def test_demo_account_can_log_in(demo, client, username, password):
    assert client.login(username=username, password=password)


def test_demo_accounts_have_their_roles(demo):
    users = get_user_model().objects.in_bulk(["analyst", "editor", "admin"], field_name="username")

    assert list(users["analyst"].groups.values_list("name", flat=True)) == ["Analysts"]
    assert list(users["editor"].groups.values_list("name", flat=True)) == ["Editors"]
    assert users["admin"].is_superuser
    assert not users["analyst"].is_superuser
    assert not users["editor"].is_superuser
    assert users["editor"].has_perm("briefs.publish_brief")
    assert not users["analyst"].has_perm("briefs.publish_brief")


@pytest.mark.django_db
def test_demo_refuses_to_load_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError):
        load_demo()

    assert not get_user_model().objects.exists()
    assert not Brief.objects.exists()


def test_edit_to_a_demo_brief_survives_another_load(demo):
    brief = Brief.objects.published().first()
    brief.title = "Retitled by an editor"
    brief.save()

    load_demo()

    brief.refresh_from_db()
    assert brief.title == "Retitled by an editor"


def test_edit_to_a_demo_expert_survives_another_load(demo):
    expert = Expert.objects.first()
    expert.title = "Visiting Fellow"
    expert.save()

    load_demo()

    expert.refresh_from_db()
    assert expert.title == "Visiting Fellow"


def test_changed_demo_password_is_not_reset_by_another_load(demo, client):
    analyst = get_user_model().objects.get(username="analyst")
    analyst.set_password("a-private-password")
    analyst.save()

    load_demo()

    assert not client.login(username="analyst", password="analyst-demo")
    assert client.login(username="analyst", password="a-private-password")


def test_demo_lead_images_are_stored_with_their_dimensions(demo):
    with_images = Brief.objects.exclude(lead_image="")
    assert with_images.exists()
    assert not with_images.filter(lead_image_width__isnull=True).exists()
