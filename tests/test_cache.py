"""Redis away for a moment: the cache misses and skips writes instead of failing the request."""

from artops.cache import ForgivingRedisCache
from tests.processes import free_port


def test_a_cache_whose_redis_cannot_be_reached_misses_and_skips_writes(caplog):
    cache = ForgivingRedisCache(f"redis://127.0.0.1:{free_port()}/0", {})
    assert cache.get("session", "missing") == "missing"
    assert cache.get_many(["a", "b"]) == {} and "a" not in cache
    cache.set("session", {"user": 1})
    assert cache.add("session", 1) is False and cache.delete("session") is False
    assert "Redis cannot be reached" in caplog.text
