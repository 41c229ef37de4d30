"""Choosing a brief's issues on its form: an autocomplete over the issues there are, which also
takes the name of a new one. The new issue is made when the brief is saved (django-taggit
makes a tag from a name), never by typing alone, and only for people who may add issues."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import ValidationError

from common.validators import validate_single_line

from ..models import Brief, Issue

NAME_LENGTH = Issue._meta.get_field("name").max_length


def split_choices(values):
    """The chosen values as (ids of issues there are, names of new ones)."""
    ids, names = [], []
    for value in values:
        text = " ".join(str(value).split())
        if text.isdigit():
            ids.append(int(text))
        elif text:
            names.append(text)
    return ids, names


class IssuesWidget(AutocompleteSelectMultiple):
    """Select2 with `tags` on: a typed name that matches no issue can be chosen as new."""

    def __init__(self):
        super().__init__(Brief._meta.get_field("issues"), admin.site)

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs.update({"data-tags": "true", "data-placeholder": "Find an issue, or type a new one"})
        return attrs

    def optgroups(self, name, value, attr=None):
        ids, names = split_choices(value or [])
        groups = super().optgroups(name, [str(pk) for pk in ids], attr)
        options = groups[0][1]
        # A new issue typed before a save that was refused stays chosen in the form.
        for text in names:
            options.append(self.create_option(name, text, f"{text} (new)", True, len(options)))
        return groups


class IssuesField(forms.ModelMultipleChoiceField):
    """Issues there are, by id, and new ones, by name: cleaned to Issues and names, which
    TaggableManager.set() takes as they are."""

    widget = IssuesWidget

    # Set by the form: whether the person filling it in may add issues.
    may_add = False

    def __init__(self, **kwargs):
        super().__init__(queryset=Issue.objects.all(), **kwargs)

    def clean(self, value):
        ids, names = split_choices(value or [])
        chosen = {issue.pk: issue for issue in Issue.objects.filter(pk__in=ids)}
        if len(chosen) < len(set(ids)):
            raise ValidationError(
                "An issue you chose no longer exists; choose the issues again.", code="gone"
            )
        new = []
        for name in names:
            # A brief has a few issues: one query per typed name is cheap, and finds an issue
            # there is whatever the case it was typed in.
            issue = Issue.objects.filter(name__iexact=name).first()
            if issue is not None:
                chosen[issue.pk] = issue
            elif name.casefold() not in {n.casefold() for n in new}:
                self.check_new_name(name)
                new.append(name)
        return sorted(chosen.values(), key=lambda issue: issue.name) + new

    def check_new_name(self, name):
        if len(name) > NAME_LENGTH:
            raise ValidationError(
                f"“{name[:40]}…” is too long for an issue's name: at most {NAME_LENGTH} "
                "characters.",
                code="too_long",
            )
        validate_single_line(name)
        if not self.may_add:
            raise ValidationError(
                f"There is no issue named “{name}”, and you may not add issues: choose one "
                "there is, or ask an editor to add it.",
                code="no_permission",
            )
