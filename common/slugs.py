import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.text import slugify


def unique_slug(instance, source, field="slug", fallback="item"):
    """Django's slugify() of `source`, with a numeric suffix only when the slug is taken."""
    model = type(instance)
    max_length = model._meta.get_field(field).max_length
    base = (slugify(source) or fallback)[:max_length].strip("-")
    taken = model._default_manager.filter(**{f"{field}__startswith": base})
    if instance.pk:
        taken = taken.exclude(pk=instance.pk)
    taken = set(taken.values_list(field, flat=True))
    slug, suffix = base, 2
    while slug in taken:
        ending = f"-{suffix}"
        slug = f"{base[: max_length - len(ending)]}{ending}"
        suffix += 1
    return slug


# A slug that the URL patterns accept and no real slug equals: reversed once, then replaced.
_SLUG_STANDING_IN = "slug-standing-in-0f3a9c"


def slug_url(name, slug):
    """reverse(name, kwargs={"slug": slug}) for the public pages' slug URLs, without resolving
    the pattern again for each of the dozens of links on a page."""
    return _current_pattern(name).replace(_SLUG_STANDING_IN, slug)


def slug_urls(name):
    """slug_url(name, slug) as a function of the slug alone, for thousands of links at once
    (a sitemap page): the URL configuration is looked up once, not per link."""
    before, after = _current_pattern(name).split(_SLUG_STANDING_IN)
    return lambda slug: f"{before}{slug}{after}"


def _current_pattern(name):
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _slug_url_pattern(name, urlconf, get_script_prefix())


@functools.lru_cache(maxsize=64)
def _slug_url_pattern(name, urlconf, script_prefix):
    return reverse(name, urlconf=urlconf, kwargs={"slug": _SLUG_STANDING_IN})
