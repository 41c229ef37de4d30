"""The benchmark's tools: a small app with `manage.py generate_briefs` and the floor page
(floor.py), beside the scripts that measure the site (pages.py, load.py, search.py,
explain.py; bench/README.md). The top layer: nothing in briefs, experts or common imports it."""
