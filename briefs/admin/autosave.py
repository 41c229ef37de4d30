"""The brief form's autosave (briefs/static/briefs/autosave.js), apart from revisions:

- POST /admin/briefs/brief/<id>/autosave/ (or add/autosave/ for a new brief) keeps what the
  form holds as the person's UnsavedEdit, and says they still have the form open;
- with `alive`, only says they still have the form open (every minute);
- with `discard`, forgets it (the person chose not to restore it);
- with `closed`, sent as the page goes away, says they no longer have the form open, so the
  presence banner stops naming them.

Reopening the form offers the unsaved edit back when it is newer than the brief's last save;
a save of the form removes it (BriefAdmin.save_related).
"""

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone

from ..models import EditingSession, UnsavedEdit
from .form_endpoints import form_endpoint_urls

# Sent by the form and meaningless to restore: the CSRF token and the new form's one-time key.
NOT_KEPT = {"csrfmiddlewaretoken", "add_form_key", "_move"}


def autosave_urls(model_admin):
    return form_endpoint_urls(model_admin, "autosave", autosave)


def autosave(request, brief):
    mine = UnsavedEdit.objects.filter(user=request.user, brief=brief)
    if "closed" in request.POST:
        if brief is not None:
            EditingSession.objects.filter(brief=brief, user=request.user).delete()
        return HttpResponse(status=204)
    if "discard" in request.POST:
        mine.delete()
        return HttpResponse(status=204)
    now = timezone.now()
    if "alive" not in request.POST:
        fields = fields_of(request.POST)
        try:
            with transaction.atomic():
                if not mine.update(fields=fields, saved_at=now):
                    UnsavedEdit.objects.create(user=request.user, brief=brief, fields=fields)
        except IntegrityError:
            # Two tabs' autosaves at once: the other one's is kept; the next one wins.
            pass
    if brief is not None:
        EditingSession.objects.update_or_create(
            brief=brief, user=request.user, defaults={"opened_at": now}
        )
    return HttpResponse(status=204)


def fields_of(data):
    """The posted form as [name, value, label] rows; labels come as `<name>:label`."""
    rows = []
    for name, values in data.lists():
        if name in NOT_KEPT or name.endswith(":label"):
            continue
        labels = data.getlist(f"{name}:label")
        for index, value in enumerate(values):
            label = labels[index] if index < len(labels) else ""
            rows.append([name, value, label])
    return rows


def forget(user, brief):
    """After a save of the form: nothing of it is unsaved any more."""
    UnsavedEdit.objects.filter(user=user, brief=brief).delete()


def offered(user, brief):
    """The person's unsaved edit of this form to offer back, if newer than the last save."""
    edit = UnsavedEdit.objects.filter(user=user, brief=brief).first()
    if edit is None or (brief is not None and edit.saved_at <= brief.updated_at):
        return None
    return edit
