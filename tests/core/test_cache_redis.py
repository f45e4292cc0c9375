"""CACHE_URL=redis://...: the counters every process shares (rate limits, one-time codes) live in Redis.

Run against the Redis at 127.0.0.1:6379 (database 15, emptied by each test); under CI=true a missing Redis fails."""

import os
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.test import override_settings

from civicgrid.portal import ratelimit

URL = os.environ.get("CIVICGRID_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REDIS_CACHE = {
    "default": {"BACKEND": "civicgrid.core.cache.RedisCache", "LOCATION": URL, "KEY_PREFIX": "test"}
}


@pytest.fixture
def redis_cache():
    host, port = "127.0.0.1", 6379
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but Redis at 127.0.0.1:6379 is not reachable")
        pytest.skip("no Redis at 127.0.0.1:6379")
    with override_settings(CACHES=REDIS_CACHE):
        cache.clear()
        yield cache
        cache.clear()


def test_the_redis_cache_keeps_values_and_counts(redis_cache):
    redis_cache.set("k", {"a": 1}, 30)
    assert redis_cache.get("k") == {"a": 1}
    redis_cache.add("n", 0, timeout=30)
    assert [redis_cache.incr("n") for _ in range(3)] == [1, 2, 3]
    assert redis_cache.decr("n") == 2
    with pytest.raises(ValueError):
        redis_cache.incr("missing")


def test_an_expired_counter_is_not_brought_back_without_an_expiry(redis_cache):
    redis_cache.add("w", 0, timeout=1)
    time.sleep(1.2)
    with pytest.raises(ValueError):
        redis_cache.incr("w")
    assert redis_cache.get("w") is None  # no key left behind, with or without a TTL


def test_thirty_concurrent_takes_get_exactly_the_limit(redis_cache):
    limit = ratelimit.SUBMIT_PER_PHONE
    subject = f"139{uuid.uuid4().int % 10**8:08d}"
    with ThreadPoolExecutor(10) as pool:
        outcomes = list(pool.map(lambda _: ratelimit.take(limit, subject), range(30)))
    assert outcomes.count(True) == limit.count


TAKER = """
import django, sys
django.setup()
from civicgrid.portal import ratelimit
print(sum(ratelimit.take(ratelimit.SUBMIT_PER_PHONE, sys.argv[1]) for _ in range(10)))
"""


def test_two_processes_share_one_limit(redis_cache):
    subject = f"138{uuid.uuid4().int % 10**8:08d}"
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    # One key for both: the limit keys are digests keyed by it.
    environment.update(
        DJANGO_SETTINGS_MODULE="civicgrid.settings", CACHE_URL=URL, CIVICGRID_SECRET_KEY="k" * 50
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", TAKER, subject], stdout=subprocess.PIPE, text=True, env=environment
        )
        for _ in range(2)
    ]
    taken = [int(run.communicate(timeout=120)[0]) for run in runs]
    assert sum(taken) == ratelimit.SUBMIT_PER_PHONE.count, taken


def test_cache_url_must_be_redis(tmp_path):
    environment = dict(os.environ, CIVICGRID_DATA_DIR=str(tmp_path), CACHE_URL="memcached://127.0.0.1:11211")
    out = subprocess.run(
        [sys.executable, "-m", "civicgrid", "check"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert out.returncode != 0 and "CACHE_URL 只支持 Redis" in out.stderr
