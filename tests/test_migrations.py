"""The migrations describe the models completely and leave the editorial roles in place."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from tests.factories import UserFactory


@pytest.mark.django_db
def test_migrations_are_complete():
    # --check exits with an error (SystemExit) when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_publish_permission_exists_after_migrate():
    assert Permission.objects.filter(
        content_type__app_label="briefs", codename="publish_brief"
    ).exists()


@pytest.mark.django_db
def test_editorial_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {"Analysts", "Editors"}


@pytest.mark.django_db
def test_only_editors_hold_the_publish_permission():
    def codenames(group_name):
        return set(
            Group.objects.get(name=group_name)
            .permissions.filter(content_type__app_label="briefs")
            .values_list("codename", flat=True)
        )

    assert "publish_brief" in codenames("Editors")
    assert "publish_brief" not in codenames("Analysts")


@pytest.mark.django_db
def test_editor_may_publish_and_analyst_may_not():
    editor = UserFactory(group="Editors")
    analyst = UserFactory(group="Analysts")

    assert editor.has_perm("briefs.publish_brief")
    assert not analyst.has_perm("briefs.publish_brief")


@pytest.mark.django_db
def test_analysts_may_write_briefs():
    analyst = UserFactory(group="Analysts")

    assert analyst.has_perms(["briefs.add_brief", "briefs.change_brief", "briefs.view_brief"])
