"""Refusing a stale save: a form opened before someone else saved the same row.

For models with no version column (an expert, an issue). When the change form is made, a
hidden field (`edit_base_digest`) records what the row held: for each model field the form
edits, a digest of its stored value (a file field's stored name), and when the form was
opened. When the form comes back, the row is locked (`select_for_update`, inside the admin's
transaction, so two saves at once cannot both pass) and its fields' digests are worked out
again. If any differs, the save is refused with a form-wide error: the person's text stays in
the form, the notice (templates/admin/includes/_stale_save_notice.html) shows which fields
someone else changed, what they hold now, and who saved (the admin's history, LogEntry), and
the hidden field now carries the row as it is, so saving again keeps this person's version.

A form without the field, or with one that cannot be read, is treated as stale: it cannot
say what it was opened at. A save that changed none of the form's fields, or one of a field
this form does not edit, does not make the form stale: nothing in it would be lost.

Use: `StaleSaveAdmin` before `admin.ModelAdmin` in the bases (its form is a `StaleSaveForm`,
or a subclass of it), and `{% include "admin/includes/_stale_save_notice.html" %}` in the
model's change form template, in `{% block form_top %}`.
"""

import hashlib
import json
import re
from datetime import UTC, datetime

from django import forms
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import router, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.text import capfirst

DIGEST_FIELD = "edit_base_digest"

# How many of the object's latest history entries the notice may list.
SAVES_SHOWN = 5

# "<opened at, ms since the epoch>:<field>=<digest>,<field>=<digest>..."
_TOKEN = re.compile(r"(\d{1,13}):(\w+=[0-9a-f]{16}(?:,\w+=[0-9a-f]{16})*)?")


class _DigestField(forms.CharField):
    """The hidden mark of what the form was opened at. Never a change of the object's, so it
    stays out of the history's "Changed ..." message."""

    widget = forms.HiddenInput

    def has_changed(self, initial, data):
        return False


def _stored(field, obj):
    value = field.value_from_object(obj)
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


def field_digests(obj, names):
    """{name: a short digest of the stored value}, for the named concrete fields of obj."""
    label, digests = obj._meta.label_lower, {}
    for name in names:
        value = json.dumps(_stored(obj._meta.get_field(name), obj), default=str)
        text = f"{label}\0{obj.pk}\0{name}\0{value}"
        digests[name] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return digests


def make_token(digests, opened_at=None):
    opened_at = opened_at or timezone.now()
    pairs = ",".join(f"{name}={digest}" for name, digest in sorted(digests.items()))
    return f"{int(opened_at.timestamp() * 1000)}:{pairs}"


def read_token(token):
    """(opened_at, {name: digest}), or None for a missing or garbled token."""
    match = _TOKEN.fullmatch(token or "")
    if match is None:
        return None
    try:
        opened_at = datetime.fromtimestamp(int(match[1]) / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    pairs = match[2].split(",") if match[2] else []
    return opened_at, dict(pair.split("=", 1) for pair in pairs)


class StaleSaveForm(forms.ModelForm):
    """A model form that refuses to save over a newer save of the same row (module doc)."""

    edit_base_digest = _DigestField(required=False, label="Stored values when opened")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Set when a save is refused: what the notice shows.
        self.stale_save = None
        if self.instance.pk is not None:
            self.fields[DIGEST_FIELD].initial = make_token(
                field_digests(self.instance, self.guarded_fields())
            )

    def guarded_fields(self):
        """The concrete model fields this form writes: a newer save of any of them would be
        lost by this one."""
        return [
            field.name
            for field in self._meta.model._meta.concrete_fields
            if field.editable and not field.primary_key and field.name in self.fields
        ]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            self._refuse_stale_save(self.data.get(self.add_prefix(DIGEST_FIELD)))
        return cleaned

    def _refuse_stale_save(self, token):
        names = self.guarded_fields()
        noun = self._meta.model._meta.verbose_name
        try:
            current = self._locked_row(names)
        except self._meta.model.DoesNotExist:
            raise forms.ValidationError(
                f"Someone else deleted this {noun} after you opened it: it cannot be saved.",
                code="stale_save_deleted",
            ) from None
        now = field_digests(current, names)
        opened = read_token(token)
        if opened is None:
            self.stale_save = StaleSave(self, current, opened_at=None, changed=[])
        else:
            opened_at, digests = opened
            changed = [name for name in names if digests.get(name) != now[name]]
            if not changed:
                return
            self.stale_save = StaleSave(self, current, opened_at, changed)
        # Saving again after reading the notice keeps this person's version, on purpose.
        self.data = self.data.copy()
        self.data[self.add_prefix(DIGEST_FIELD)] = make_token(now)
        if opened is None:
            message = (
                f"This form does not say what the {noun} held when you opened it, so it cannot "
                f"tell whether someone else saved the {noun} since. Your changes are not saved "
                "yet: they are still in the form below. Check them against the latest save, "
                "then save again to keep your version."
            )
        else:
            message = (
                f"Someone else saved this {noun} after you opened it. Your changes are not "
                "saved yet: they are still in the form below. Compare them with what changed, "
                "then save again to keep your version."
            )
        raise forms.ValidationError(message, code="stale_save")

    def _locked_row(self, names):
        """The row as stored now, locked until the save's transaction ends (the admin's), so
        that a save passing this check is the only one until it commits."""
        model = self._meta.model
        rows = model._base_manager.only(*names)
        using = router.db_for_write(model, instance=self.instance)
        if transaction.get_connection(using).in_atomic_block:
            rows = rows.select_for_update()
        return rows.using(using).get(pk=self.instance.pk)


class StaleSave:
    """What the notice of a refused save shows: who saved the object since the form was
    opened (the admin's history), and which of the form's fields differ now."""

    def __init__(self, form, current, opened_at, changed):
        self.noun = form._meta.model._meta.verbose_name
        # None when the form could not say what it was opened at.
        self.opened_at = opened_at
        self.changes = [self._change(form, current, name) for name in changed]
        self.has_file_fields = any(
            isinstance(field, forms.FileField) for field in form.fields.values()
        )
        entries = list(
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(current, for_concrete_model=False),
                object_id=str(current.pk),
            )
            .select_related("user")
            .order_by("-action_time", "-pk")[:SAVES_SHOWN]
        )
        # The saves since the form was opened, oldest first; failing those (a change made
        # outside the admin, or a form that cannot say when it was opened), the latest one.
        since = []
        if opened_at is not None:
            since = [entry for entry in entries if entry.action_time >= opened_at]
        self.saves_since_opened = bool(since)
        self.saves = [Save(entry) for entry in reversed(since or entries[:1])]

    @property
    def known(self):
        return self.opened_at is not None

    @staticmethod
    def _change(form, current, name):
        field = current._meta.get_field(name)
        value = _stored(field, current)
        # The same text in this person's form (a file field's value is never a str).
        yours = getattr(form, "cleaned_data", {}).get(name)
        same = (
            isinstance(value, str)
            and isinstance(yours, str)
            and yours.replace("\r\n", "\n") == value.replace("\r\n", "\n")
        )
        if field.flatchoices:
            value = dict(field.flatchoices).get(value, value)
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        return {
            "label": capfirst(form.fields[name].label or field.verbose_name),
            "value": "" if value is None else str(value),
            "same_as_yours": same,
        }


class Save:
    """One entry of the admin's history, as the notice names it."""

    def __init__(self, entry):
        user = entry.user
        self.by = user.get_full_name() or user.get_username()
        self.at = entry.action_time
        self.verb = "Added" if entry.action_flag == ADDITION else "Changed"
        self.message = entry.get_change_message()


class StaleSaveAdmin:
    """For a ModelAdmin (before admin.ModelAdmin in its bases): its change form refuses a
    stale save. The hidden field goes at the end of the last fieldset (a hidden row); the
    notice is the template include's (module doc)."""

    form = StaleSaveForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        if not issubclass(self.form, StaleSaveForm):
            raise ImproperlyConfigured(
                f"{type(self).__name__} refuses stale saves: its form must be a StaleSaveForm."
            )
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None or any(DIGEST_FIELD in _flat(options["fields"]) for _, options in fieldsets):
            return fieldsets
        name, options = fieldsets[-1]
        fields = [*options["fields"], DIGEST_FIELD]
        return [*fieldsets[:-1], (name, {**options, "fields": fields})]


def _flat(fields):
    for field in fields:
        if isinstance(field, list | tuple):
            yield from field
        else:
            yield field
