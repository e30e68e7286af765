"""The shared cache (Redis in production) may be away for a moment: a restart, a failover. What it
holds can always be had again (sessions are also in the database, throttle counts start over), so
while Redis cannot be reached a read is a miss and a write is skipped, logged, instead of failing
every request that touches a session."""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class ForgivingRedisCache(RedisCache):
    def _away(self, operation: str, error: Exception) -> None:
        log.warning("cache %s skipped: Redis cannot be reached (%s)", operation, error)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE as error:
            self._away("read", error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNREACHABLE as error:
            self._away("read", error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNREACHABLE as error:
            self._away("read", error)
            return False

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNREACHABLE as error:
            self._away("write", error)

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNREACHABLE as error:
            self._away("write", error)
            return list(data)

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE as error:
            self._away("write", error)
            return False

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNREACHABLE as error:
            self._away("write", error)
            return False

    def delete(self, key, version=None):
        # A session deleted at logout stays deleted in the database, which a cache miss reads; a
        # Redis that kept its data on disk through the outage could still hold the old entry.
        try:
            return super().delete(key, version)
        except UNREACHABLE as error:
            log.error("cache delete of %s failed: Redis cannot be reached (%s)", key, error)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except UNREACHABLE as error:
            log.error("cache delete of %d keys failed: Redis cannot be reached (%s)", len(keys), error)
