"""A unique key prefix on the test Redis (127.0.0.1:6379), for tests of shared rate limits."""

from __future__ import annotations

import uuid

import pytest

REDIS_URL = "redis://127.0.0.1:6379"


@pytest.fixture
def redis_prefix():
    """A unique key prefix on the Redis at 127.0.0.1:6379; its keys are deleted afterwards."""
    redis = pytest.importorskip("redis", reason="the redis client is not installed")
    server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.RedisError as err:
        pytest.skip(f"Redis at {REDIS_URL} is not reachable ({err.__class__.__name__}: {err})")
    prefix = f"taskgate-test-{uuid.uuid4().hex}"
    yield prefix
    keys = list(server.scan_iter(match=f"*{prefix}*"))
    if keys:
        server.delete(*keys)
    server.close()
