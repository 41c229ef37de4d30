import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "briefs_site.settings")
application = get_wsgi_application()
# What the process loaded to serve (Django, the apps, the URLs) lives as long as it does: out of
# the collector's sight, a full collection walks only what requests made since, 13 ms instead
# of 68 for a request that happened to start one (issue 16).
gc.freeze()
