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
