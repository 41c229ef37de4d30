"""The two editorial roles, as groups that exist on every database after `migrate`.

Analysts write; Editors also publish. What an editor may do beyond an analyst is carried by
the `briefs.publish_brief` permission, never by the group's name, so a site can grant it to
anyone (and superusers have it).
"""

from django.contrib.auth.models import Group, Permission
from django.db.models.signals import post_migrate

from common.publication import PUBLISH_PERMISSION, Status

_AUTHORING = [
    ("briefs", "brief", ("add", "change", "delete", "view")),
    ("briefs", "briefsection", ("add", "change", "delete", "view")),
    ("briefs", "relatedlink", ("add", "change", "delete", "view")),
    ("briefs", "issue", ("add", "change", "view")),
    ("briefs", "format", ("view",)),
    ("experts", "expert", ("add", "change", "view")),
    ("experts", "expertquote", ("add", "change", "delete", "view")),
    # The activity log and the event log (events/), to see what happened and what failed.
    ("events", "activity", ("view",)),
    ("events", "event", ("view",)),
    ("events", "handlerrun", ("view",)),
]

ROLE_PERMISSIONS = {
    "Analysts": [
        f"{app}.{action}_{model}" for app, model, actions in _AUTHORING for action in actions
    ],
}
ROLE_PERMISSIONS["Editors"] = ROLE_PERMISSIONS["Analysts"] + [
    PUBLISH_PERMISSION,
    "briefs.delete_issue",
    "briefs.add_format",
    "briefs.change_format",
    "experts.delete_expert",
]


# What an analyst may still change: once a brief is published, scheduled or withdrawn, what
# it says goes out with no review, so only an editor changes it.
ANALYST_EDITABLE = {Status.DRAFT, Status.REVIEW}


def can_publish(user):
    return user.has_perm(PUBLISH_PERMISSION)


def may_edit(user, brief):
    """Whether `user` may change `brief` (None: a new one) beyond what their model
    permissions say: the admin's rule, and the write API's."""
    return brief is None or can_publish(user) or brief.status in ANALYST_EDITABLE


def ensure_editorial_groups(using="default", **kwargs):
    """Create the groups and grant them their permissions; never takes a grant away."""
    for group_name, codes in ROLE_PERMISSIONS.items():
        grant(group_name, codes, using=using)


def grant_after_migrate(app_config, group_name, codes):
    """Grant `codes` to the group each time `app_config`'s app is migrated: on the app's own
    post_migrate signal, once Django has made its permissions (on a new database they do not
    exist yet when briefs' post_migrate makes the editorial groups)."""

    def grant_them(using="default", **kwargs):
        grant(group_name, codes, using=using)

    post_migrate.connect(grant_them, sender=app_config, weak=False)


def grant(group_name, codes, using="default"):
    """Give a group (made if missing) these permissions, as "app_label.codename"; never takes
    a grant away. Apps above briefs grant their own permissions to the editorial roles with
    it, on their own post_migrate signal: theirs do not exist yet when briefs' runs."""
    group, _ = Group.objects.using(using).get_or_create(name=group_name)
    wanted = {tuple(code.split(".")) for code in codes}
    permissions = [
        permission
        for permission in Permission.objects.using(using)
        .filter(content_type__app_label__in={app_label for app_label, _ in wanted})
        .select_related("content_type")
        if (permission.content_type.app_label, permission.codename) in wanted
    ]
    group.permissions.add(*permissions)
