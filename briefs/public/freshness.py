"""Caching that is never wrong.

What the public may see changes in two ways only: a save (of a brief, its parts, an issue,
an expert, a format), or the clock passing a scheduled time (a brief's `publish_at`, or its
`withdraw_at`). So everything cached for the public is kept under

- the content version's token, which every save changes in its own transaction (one row,
  `ContentVersion`, read with one query per request): a save is seen by the very next
  request, in every process, whatever the cache backend; or, for what lists share (counts,
  page ids, the newest of a list), the lists token in the same row, which a save changes only
  when it changes what a list holds; or, for what shows one brief (its card), its brief's
  token (brief_token()), which changes only when that brief or a name it shows does: after
  an edit of a brief's words, the next request renders that brief's card again and works
  out no list; and
- the next scheduled change, kept in the same row: an entry is valid only until the next
  brief is due to appear or leave, so a scheduled brief appears at its time, cache or no cache.

`remember()` keeps derived data this way (`lists=True` for counts, page boundaries and short
lists of ids), and briefs.public.middleware keeps whole public pages this way.

An entry's key names what it holds, not the version: the token and the moment it is valid
until are kept in the entry, and an entry of an older version is simply overwritten by the
next request that needs it. So the cache holds one entry per page or list however many saves
come, and old versions never pile up until they expire.

Public requests read the database and never write to it (so they could be served from a
replica): when a scheduled moment has passed, the one after it is worked out by the request
that finds it passed and shared through the cache, and the row is brought up to date by the
next save.
"""

import hashlib
import threading
import uuid
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from ..models import Brief, ContentVersion

# Nothing is kept longer than this, so entries of old versions leave the cache by themselves.
LONGEST_KEPT = timedelta(hours=24)

_held_for_request = ContextVar("briefs_content_version", default=None)
# In a version given to bump(): the next scheduled change stands as it is.
UNCHANGED = object()
NEXT_CHANGE_KEY = "briefs:next-change"
# Briefs changed since the cards token last changed, at most: the row holding them is read by
# every request, so past this every card is made again once and the list starts afresh.
MOST_CHANGED_BRIEFS = 100


def soonest_change():
    """The soonest scheduled publication or withdrawal after now, or None. Each is the first
    row of its own index after now: a minimum over every brief still to come read them all
    (100 ms for the 20,000 scheduled among a million generated briefs)."""
    now = timezone.now()
    approved = Brief.objects.filter(status=Brief.Status.PUBLISHED)
    publication = approved.filter(publish_at__gt=now).order_by("publish_at")
    withdrawal = approved.filter(withdraw_at__gt=now).order_by("withdraw_at")
    moments = (
        publication.values_list("publish_at", flat=True).first(),
        withdrawal.values_list("withdraw_at", flat=True).first(),
    )
    return min((moment for moment in moments if moment is not None), default=None)


def current_version():
    """(token, next change, lists token, cards token, changed briefs) of the content as it
    stands; within a request, read once."""
    held = _held_for_request.get()
    if held is not None:
        return held
    row = read_version_row()
    if row is None:
        # A database flushed by a test framework has lost the row its migration made.
        bump()
        row = read_version_row()
    return tuple(row)


_VERSION_QUERY = (
    ContentVersion.objects.filter(pk=1)
    .values_list("token", "next_change_at", "lists_token", "cards_token", "changed_briefs")
    .query
)
# {database vendor: (SQL, parameters, converters)} of the read above.
_version_statements = {}


def read_version_row():
    """The version row's fields, converted as the ORM converts them, or None. Every request
    reads it, those served a kept page included: the ORM would build and compile the query
    each time, a quarter of what serving a kept page costs, so it is compiled once."""
    compiler = _VERSION_QUERY.get_compiler(connection=connection)
    statement = _version_statements.get(connection.vendor)
    if statement is None:
        sql, params = compiler.as_sql()
        converters = compiler.get_converters([column for column, _, _ in compiler.select])
        statement = _version_statements[connection.vendor] = (sql, params, converters)
    sql, params, converters = statement
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return next(iter(compiler.apply_converters(rows, converters)), None)


def content_token():
    return current_version()[0]


def lists_token():
    return current_version()[2]


def brief_token(brief_id):
    """What a brief's own fragments (its card, its search hit, the front page's lead) are kept
    under: they show its rows and the names of its issues and format, so they are made again
    when it changes or a name does, not after every save of another brief."""
    _, _, _, cards, changed = current_version()
    return cards, changed.get(str(brief_id))


def next_change_at():
    """When what the public sees next changes by itself, or None. Once the moment kept in
    the row has passed, the one after it is found once and shared through the cache."""
    token, soonest, *tokens = current_version()
    now = timezone.now()
    if soonest is None or soonest > now:
        return soonest
    since = (token, soonest)

    def usable(key, entry):
        return entry[0] == since and (entry[1] is None or entry[1] > now)

    kept = recall([NEXT_CHANGE_KEY], usable).get(NEXT_CHANGE_KEY)
    if kept is not None and usable(NEXT_CHANGE_KEY, kept):
        later = kept[1]
    else:
        later = soonest_change()
        keep({NEXT_CHANGE_KEY: (since, later)})
    if _held_for_request.get() is not None:
        _held_for_request.set((token, later, *tokens))
    return later


def bump(schedule_changed=True, lists_changed=True, version=None, briefs=None):
    """A new token for a change to what the public may see; called inside the change's
    transaction, so the token and the content it stands for commit (or vanish) together.
    The next scheduled change is found again when a brief's times may have moved, and the
    lists token changes unless the change leaves every list as it was. `briefs` are the ids
    of the briefs whose rows the change wrote, when nothing else changed (else None: every
    brief's fragments are made again). `version`, from next_version(), is the one to give it,
    when pages were made under it first."""
    with transaction.atomic():
        if version is None:
            version = next_version(lists_changed, briefs, schedule_changed)
        token, next_change, lists, cards, changed = version
        values = {
            "token": token,
            "changed_at": timezone.now(),
            "cards_token": cards,
            "changed_briefs": changed,
        }
        if next_change is not UNCHANGED:
            values["next_change_at"] = next_change
        if lists is not None:
            values["lists_token"] = lists
        if not ContentVersion.objects.filter(pk=1).update(**values):
            values["next_change_at"] = soonest_change()
            values.setdefault("lists_token", uuid.uuid4().hex)
            ContentVersion.objects.update_or_create(pk=1, defaults=values)


def next_version(lists_changed=True, briefs=None, schedule_changed=True):
    """The version (token, next scheduled change or UNCHANGED, new lists token or None, cards
    token, changed briefs) for the content as the current transaction leaves it, when it
    wrote the rows of `briefs` (ids; None when it changed anything else). The row is locked
    first, in the change's transaction: what is worked out under the new version before the
    bump then sees every change committed before this one, none commits between (its bump
    would wait for this one's end), and no change's briefs are lost from the list."""
    row = (
        ContentVersion.objects.select_for_update()
        .filter(pk=1)
        .values_list("cards_token", "changed_briefs")
        .first()
    )
    token = uuid.uuid4().hex
    cards, changed = row or (None, {})
    if cards is None or briefs is None or len(changed) + len(briefs) > MOST_CHANGED_BRIEFS:
        cards, changed = uuid.uuid4().hex, {}
    else:
        changed = {**changed, **{str(brief_id): token for brief_id in briefs}}
    return (
        token,
        soonest_change() if schedule_changed else UNCHANGED,
        uuid.uuid4().hex if lists_changed else None,
        cards,
        changed,
    )


@contextmanager
def as_version(version):
    """Read the content as `version` (from next_version()) within the block, before bump()
    gives it to everyone: pages made inside are kept under it, while the row is locked
    (next_version())."""
    token, next_change, lists, *for_briefs = version
    if lists is None:
        lists = ContentVersion.objects.filter(pk=1).values_list("lists_token", flat=True).first()
    held = _held_for_request.set((token, next_change, lists, *for_briefs))
    try:
        yield
    finally:
        _held_for_request.reset(held)


def still_current(token):
    """Whether `token` is still the content's version, read again from the database."""
    return ContentVersion.objects.filter(pk=1, token=token).exists()


def hold_for_request():
    """Read the version once for a request; returns what lets it go at the request's end."""
    return _held_for_request.set(current_version())


def let_go(held):
    _held_for_request.reset(held)


def seconds_until(moment):
    """How long an entry valid until `moment` may be kept (at least a second)."""
    longest = LONGEST_KEPT.total_seconds()
    if moment is None:
        return longest
    return max(1, min(longest, (moment - timezone.now()).total_seconds()))


def is_valid(until):
    return until is None or timezone.now() < until


def current(entry, token):
    """Whether a kept (token, until, ...) entry holds the content as it stands."""
    return entry is not None and entry[0] == token and is_valid(entry[1])


def entry_key(name):
    digest = hashlib.sha256(name.encode()).hexdigest()[:32]
    return f"briefs:{digest}"


def remember(name, compute, *, lists=False):
    """What `compute()` returns for the public content as it stands now: computed once per
    content version (or, with `lists`, once per lists token: for what depends only on which
    briefs lists hold and in what order) and until the next scheduled change, then shared by
    every request and, through the cache, every process. Treat what it returns as read-only."""
    token = lists_token() if lists else content_token()
    key = entry_key(name)
    kept = recall([key], lambda _, entry: current(entry, token)).get(key)
    if current(kept, token):
        return kept[2]
    # The next change is found before computing: a change that happens meanwhile is then
    # already past, and the value is computed again on the next request.
    until = next_change_at()
    entry = (token, until, compute())
    keep({key: entry})
    return entry[2]


def remember_each(names, compute, in_process=None, token_of=None):
    """{name: value} for each of `names`, as remember() gives one: `compute(missing)` returns
    {name: value} for those of them not kept for the content as it stands, and only those are
    computed (one query for a page's rows, say, instead of one per row). Many small entries
    read together (rendered cards) bring their own `in_process` RecentEntries, so that they do
    not push the lists' entries out of the shared one. `token_of(name)`, when given, is what
    that name's entry is kept under (brief_token(), say), instead of the content's token."""
    in_process = _in_process if in_process is None else in_process
    keys = {entry_key(name): name for name in names}
    if token_of is None:
        tokens = dict.fromkeys(keys, content_token())
    else:
        tokens = {key: token_of(name) for key, name in keys.items()}

    def usable(key, entry):
        return current(entry, tokens[key])

    kept = recall(list(keys), usable, in_process)
    found = {keys[key]: entry[2] for key, entry in kept.items() if usable(key, entry)}
    missing = [name for name in names if name not in found]
    if missing:
        until = next_change_at()
        computed = compute(missing)
        entries = {
            key: (tokens[key], until, computed[name])
            for key, name in keys.items()
            if name in computed
        }
        keep(entries, in_process)
        found.update(computed)
    return found


def recall(keys, usable, in_process=None):
    """{key: entry} for those of `keys` kept: in this process if it read them lately and
    they are still `usable(key, entry)`, else in the shared cache (and then kept in this
    process too)."""
    in_process = _in_process if in_process is None else in_process
    found = {
        key: entry
        for key in keys
        if (entry := in_process.get(key)) is not None and usable(key, entry)
    }
    missing = [key for key in keys if key not in found]
    for key, entry in (cache.get_many(missing) if missing else {}).items():
        in_process.keep(key, entry)
        found[key] = entry
    return found


class RecentEntries:
    """The entries this process read last, unpickled: an entry of the current token and
    within its time is as good as the shared cache's, which need not be asked again. At most
    `size` of them, and, when `weigh(entry)` is given, at most `most_weight` in all (an entry
    heavier than that alone is not kept)."""

    def __init__(self, size, weigh=None, most_weight=None):
        self.size, self.entries = size, OrderedDict()
        self.weigh, self.most_weight = weigh, most_weight
        self.weights, self.weight = {}, 0
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def keep(self, key, entry):
        weight = self.weigh(entry) if self.weigh else 0
        if self.weigh and weight > self.most_weight:
            return
        with self.lock:
            self.weight += weight - self.weights.get(key, 0)
            self.entries[key], self.weights[key] = entry, weight
            self.entries.move_to_end(key)
            while len(self.entries) > self.size or (self.weigh and self.weight > self.most_weight):
                oldest, _ = self.entries.popitem(last=False)
                self.weight -= self.weights.pop(oldest)

    def clear(self):
        with self.lock:
            self.entries.clear()
            self.weights.clear()
            self.weight = 0


_in_process = RecentEntries(size=256)
# Every RecentEntries made, for forget_in_process().
_all_in_process = [_in_process]


def recent_entries(size, weigh=None, most_weight=None):
    """A RecentEntries of its own, for remember_each(in_process=...) or recall()."""
    entries = RecentEntries(size, weigh, most_weight)
    _all_in_process.append(entries)
    return entries


def keep(entries, in_process=None):
    """Keep {key: entry} in the shared cache and in this process (in `in_process`, a
    RecentEntries, if given): entries of one moment, each (token, valid until, value), kept
    no longer than that."""
    if not entries:
        return
    in_process = _in_process if in_process is None else in_process
    until = next(iter(entries.values()))[1]
    cache.set_many(entries, timeout=seconds_until(until))
    for key, entry in entries.items():
        in_process.keep(key, entry)


def forget_in_process():
    """For tests, whose databases start afresh under tokens that may repeat."""
    for entries in _all_in_process:
        entries.clear()
