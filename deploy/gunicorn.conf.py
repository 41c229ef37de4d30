"""gunicorn for the app servers behind Varnish (docs/deploy.md):
gunicorn --config deploy/gunicorn.conf.py briefs_site.wsgi. Flags given beside it win."""

import os

# Varnish is the only client: nothing else should reach an app server.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8101")
# Sync workers: Varnish reads each answer at once and holds slow readers itself, so a worker
# is never tied to a slow client. Two a server; more servers is how the site grows.
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "sync"
# A request still running after 30 s is stuck (a page takes milliseconds): its worker is
# replaced. Varnish's first_byte_timeout (deploy/stack.py) is a little longer.
timeout = 30
graceful_timeout = 20
# Workers are replaced now and then so that no slow leak grows without bound; the jitter keeps
# a server's workers from being replaced at the same moment.
max_requests = 2000
max_requests_jitter = 200
# Varnish logs every request (varnishncsa): an access log here would only repeat the passes.
accesslog = None
errorlog = "-"
# gunicorn's control socket has one path per user by default, which a second app server on the
# same machine would take over from the first; these servers are managed with signals instead.
control_socket_disable = True
