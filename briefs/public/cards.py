"""Brief cards, rendered once for each brief as it stands (briefs.public.freshness).

A card shows what a save changes and nothing else: the brief's own fields, its format and its
issues. So each card's HTML is kept under its brief's token (freshness.brief_token): made
again when that brief is saved, or when an issue or format is, and not after another brief's
save. A page of a list, which knows the ids of its briefs (briefs.public.listings), reads
their cards by id without reading the briefs: only the cards not kept are rendered, from one
query for their briefs. A page then costs what its layout costs, however many cards and issue
tags it shows; after a publication, the first request renders the new brief's card alone,
where rendering the twenty of a page again took 17 ms on 100,000 briefs.
"""

from django.template.loader import get_template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..models import LISTED_FIELDS, Brief
from .freshness import brief_token, recent_entries, remember_each
from .search import highlighted

CARD = "includes/_brief_card.html"
# A search hit, kept around a slot for its snippet, which is the query's own.
SEARCH_HIT = "includes/_search_hit.html"
SNIPPET_SLOT = "\ue002"
# The front page's lead, larger than a card, and with its image's alt text.
LEAD = "includes/_lead_brief.html"

# A few hundred pages' worth: a busy archive's pages are read in every process.
_cards_in_process = recent_entries(size=4000)


def kept_fragments(kind, ids, render_missing, in_process=_cards_in_process):
    """[what shows a brief] of `kind` (its card's HTML, say) for each of the briefs `ids` in
    order: those kept for the brief as it stands (freshness.brief_token), and
    `render_missing(ids)` ({id: value}) for the others. An id it leaves out is left out."""
    names = {f"{kind}:{pk}": pk for pk in ids}

    def compute(missing):
        rendered = render_missing([names[name] for name in missing])
        return {f"{kind}:{pk}": html for pk, html in rendered.items()}

    found = remember_each(
        list(names),
        compute,
        in_process=in_process,
        token_of=lambda name: brief_token(names[name]),
    )
    return [found[name] for name in names if name in found]


def render_briefs(template_name, briefs):
    template = get_template(template_name)
    return {brief.pk: template.render({"brief": brief}) for brief in briefs}


def cards(ids):
    """The cards of the public briefs with these ids, in the order of the ids."""

    def render_missing(missing):
        briefs = Brief.objects.published().filter(pk__in=missing).for_listing()
        return render_briefs(CARD, briefs)

    return kept_fragments(CARD, ids, render_missing)


def lead(pk):
    """The front page's lead for the public brief `pk`, or None."""

    def render_missing(missing):
        briefs = (
            Brief.objects.published()
            .filter(pk__in=missing)
            .for_listing()
            .only(*LISTED_FIELDS, "lead_image_alt")
        )
        return render_briefs(LEAD, briefs)

    found = kept_fragments(LEAD, [pk], render_missing)
    return found[0] if found else None


def search_hits(found):
    """The search hits for (id, snippet) pairs, in their order: each brief's hit is kept per
    content version with a slot where the snippet, made for this query, goes."""

    def render_missing(missing):
        template = get_template(SEARCH_HIT)
        briefs = Brief.objects.published().filter(pk__in=missing).for_listing()
        return {
            brief.pk: (
                brief.pk,
                *template.render({"brief": brief, "snippet": SNIPPET_SLOT}).split(SNIPPET_SLOT),
            )
            for brief in briefs
        }

    snippets = dict(found)
    return [
        mark_safe(before + snippet_paragraph(snippets[pk]) + after)
        for pk, before, after in kept_fragments(SEARCH_HIT, list(snippets), render_missing)
    ]


def snippet_paragraph(snippet):
    return format_html('<p class="snippet">{}</p>', highlighted(snippet)) if snippet else ""
