"""The production layout on one machine: Varnish, app servers, PostgreSQL, Redis, the worker."""
