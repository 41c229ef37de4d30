"""Helpers both apps use: images, Markdown, slugs, storage, author order and the publication
rule. A plain package, not an installed app; it imports neither `briefs` nor `experts`."""
