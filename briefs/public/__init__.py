"""The read side: the public pages, feeds, sitemaps and search, and the caching that keeps
them fast and never stale (freshness, middleware, listings)."""
