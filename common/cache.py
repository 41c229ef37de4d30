"""A Redis cache whose outage costs speed, not pages.

Everything the site keeps in the cache can be made again from the database (pages, lists,
counts): when Redis cannot be reached, a read finds nothing and a write keeps nothing, and the
site goes on answering from the database. Each call tries Redis again, so caching resumes by
itself when Redis is back. Connection and socket time-outs (settings) keep a Redis that hangs
from holding requests.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError, TimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (ConnectionError, TimeoutError)
# One warning per this many seconds while Redis is away, not one per request.
WARN_EVERY_SECONDS = 60


class _Outage:
    warned_at = float("-inf")

    def report(self, error):
        now = time.monotonic()
        if now - self.warned_at >= WARN_EVERY_SECONDS:
            self.warned_at = now
            logger.warning("The cache cannot be reached (%s): serving from the database", error)


_outage = _Outage()


def _tolerant(method, fallback):
    def attempt(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except UNREACHABLE as error:
            _outage.report(error)
            return fallback(*args) if callable(fallback) else fallback

    attempt.__name__ = method.__name__
    return attempt


class TolerantRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    get = _tolerant(RedisCacheClient.get, lambda key, default: default)
    get_many = _tolerant(RedisCacheClient.get_many, {})
    has_key = _tolerant(RedisCacheClient.has_key, False)
    add = _tolerant(RedisCacheClient.add, False)
    set = _tolerant(RedisCacheClient.set, None)
    set_many = _tolerant(RedisCacheClient.set_many, [])
    touch = _tolerant(RedisCacheClient.touch, False)
    delete = _tolerant(RedisCacheClient.delete, False)
    delete_many = _tolerant(RedisCacheClient.delete_many, None)
    clear = _tolerant(RedisCacheClient.clear, False)
    # A count that cannot be kept starts over: an allowance counted in the cache (the
    # subscribe form's) is not enforced while Redis is away.
    incr = _tolerant(RedisCacheClient.incr, lambda key, delta: delta)

    def get_client(self, key=None, *, write=False):
        """One client per connection pool, made once: Django makes a client for every call,
        and redis-py builds its table of reply parsers for each, a fifth of what a page kept
        in the cache costs to read."""
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client

    def reachable(self):
        try:
            return bool(self.get_client(write=False).ping())
        except UNREACHABLE:
            return False


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = TolerantRedisCacheClient

    def reachable(self):
        return self._cache.reachable()
