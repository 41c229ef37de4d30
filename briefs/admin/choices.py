"""Choosing a brief's issues and a quote's expert on the brief's form: autocompletes over those
there are, which also take the name of a new one. The new issue or expert is made when the
brief is saved, inside the save (never by typing alone), and only for people who may add them;
a name typed in another case finds the one there is."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError

from common.validators import validate_single_line
from experts.models import Expert, ExpertQuote

from ..models import Brief, Issue


def split_choices(values):
    """The chosen values as (ids of rows there are, names of new ones)."""
    ids, names = [], []
    for value in values:
        text = " ".join(str(value).split())
        if text.isdigit():
            ids.append(int(text))
        elif text:
            names.append(text)
    return ids, names


class NamesToo:
    """Select2 with `tags` on: a typed name that matches nothing can be chosen as new, and a
    new name chosen before a refused save stays chosen in the form."""

    placeholder = ""

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs.update({"data-tags": "true", "data-placeholder": self.placeholder})
        return attrs

    def optgroups(self, name, value, attr=None):
        ids, names = split_choices(value or [])
        groups = super().optgroups(name, [str(pk) for pk in ids], attr)
        options = groups[0][1]
        for text in names:
            options.append(self.create_option(name, text, f"{text} (new)", True, len(options)))
        return groups


class IssuesWidget(NamesToo, AutocompleteSelectMultiple):
    placeholder = "Find an issue, or type a new one"

    def __init__(self):
        super().__init__(Brief._meta.get_field("issues"), admin.site)

    def build_attrs(self, base_attrs, extra_attrs=None):
        # Several issues typed at once, separated by commas.
        return {**super().build_attrs(base_attrs, extra_attrs), "data-token-separators": '[","]'}


class ExpertWidget(NamesToo, AutocompleteSelect):
    placeholder = "Find an expert, or type a new one's name"

    def __init__(self):
        super().__init__(ExpertQuote._meta.get_field("expert"), admin.site)


class NewByName:
    """What the fields share: a new name is checked, and refused to those who may not add."""

    noun = ""
    # Set by the form: whether the person filling it in may add one.
    may_add = False

    def check_new_name(self, name, model):
        limit = model._meta.get_field("name").max_length
        if len(name) > limit:
            raise ValidationError(
                f"“{name[:40]}…” is too long for {self.noun}'s name: at most {limit} characters.",
                code="too_long",
            )
        validate_single_line(name)
        if not self.may_add:
            raise ValidationError(
                f"There is no {self.noun.split()[-1]} named “{name}”, and you may not add one: "
                "choose one there is, or ask an editor to add it.",
                code="no_permission",
            )


class IssuesField(NewByName, forms.ModelMultipleChoiceField):
    """Issues there are, by id, and new ones, by name: cleaned to Issues and names, which
    TaggableManager.set() takes as they are (it makes the new ones)."""

    widget = IssuesWidget
    noun = "an issue"

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
            # A brief has a few issues: one query per typed name is cheap.
            issue = Issue.objects.filter(name__iexact=name).first()
            if issue is not None:
                chosen[issue.pk] = issue
            elif name.casefold() not in {n.casefold() for n in new}:
                self.check_new_name(name, Issue)
                new.append(name)
        return sorted(chosen.values(), key=lambda issue: issue.name) + new


class ExpertField(NewByName, forms.ModelChoiceField):
    """An expert there is, by id, or a new one, by name: cleaned to an Expert, unsaved when
    new (ExpertQuoteForm saves it with the quote)."""

    widget = ExpertWidget
    noun = "an expert"

    def __init__(self, **kwargs):
        super().__init__(queryset=Expert.objects.all(), **kwargs)

    def clean(self, value):
        ids, names = split_choices([value] if value not in self.empty_values else [])
        if ids:
            return super().clean(str(ids[0]))
        if not names:
            return super().clean(value)
        # "Jane Doe, Senior Fellow", as a brief names its experts: the title comes along.
        name, _, title = (part.strip() for part in names[0].partition(","))
        expert = Expert.objects.filter(name__iexact=name).first()
        if expert is not None:
            return expert
        self.check_new_name(name, Expert)
        return Expert(name=name, title=title[: Expert._meta.get_field("title").max_length])


class ExpertQuoteForm(forms.ModelForm):
    expert = ExpertField(
        help_text="Type to find an expert. A name that matches none (“Jane Doe, Senior "
        "Fellow”) becomes a new expert when the brief is saved; add their bio and photo under "
        "Experts."
    )

    class Meta:
        model = ExpertQuote
        fields = ["expert", "expert_title", "text", "position"]

    def __init__(self, *args, may_add_experts=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].may_add = may_add_experts

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        expert = self.cleaned_data.get("expert")
        if expert is not None and expert.pk is None:
            # A new expert has no key until the save makes it.
            exclude.add("expert")
        return exclude

    def save(self, commit=True):
        expert = self.cleaned_data.get("expert")
        if expert is not None and expert.pk is None:
            # Inside the brief's save (briefs.editorial.changes.save_form): one operation.
            expert.save()
            self.instance.expert = expert
        return super().save(commit)
