"""The hosted server's store (SQLite and a real redis-server) and the encryption of Nimble credentials."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from nimble_tools_hosted._store import RecordStore, RedisRecordStore, SQLiteRecordStore, open_store

from nimble_tools import Secret
from nimble_tools.auth import FernetCipher, RedisTokenStore, SQLiteTokenStore, TokenSet, TokenStoreError

KEY = "k" * 40


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RecordStore]:
    if request.param == "sqlite":
        opened: RecordStore = SQLiteRecordStore(tmp_path / "store.sqlite3")
    else:
        url = request.getfixturevalue("redis_url")
        opened = RedisRecordStore(url, prefix=f"test-{id(tmp_path)}:")
    yield opened
    opened.close()


def test_records_round_trip_and_are_taken_once(store: RecordStore) -> None:
    store.put("code:a", {"n": 1, "nested": {"x": [1, 2]}}, ttl=60)
    store.put("code:b", {"n": 2})
    assert store.get("code:a") == {"n": 1, "nested": {"x": [1, 2]}}
    assert store.get_many(["code:b", "missing", "code:a"]) == [{"n": 2}, None, {"n": 1, "nested": {"x": [1, 2]}}]
    assert [k for k, _ in store.scan("code:")] == ["code:a", "code:b"]
    winners: list[object] = []
    threads = [threading.Thread(target=lambda: winners.append(store.take("code:a"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [w for w in winners if w is not None] == [{"n": 1, "nested": {"x": [1, 2]}}]
    assert store.get("code:a") is None
    store.delete("code:b", "never-there")
    assert store.scan("code:") == []
    store.ping()


def test_sqlite_records_expire_on_their_clock(tmp_path: Path) -> None:
    clock = Clock()
    store = SQLiteRecordStore(tmp_path / "s.sqlite3", clock=clock)
    store.put("consent:x", {"ok": True}, ttl=10)
    store.put("person:y", {"ok": True})
    clock.now += 11
    assert store.get("consent:x") is None and store.take("consent:x") is None
    assert store.get("person:y") == {"ok": True}
    assert [k for k, _ in store.scan("")] == ["person:y"]
    store.close()


def test_redis_records_expire(redis_url: str) -> None:
    import time

    store = RedisRecordStore(redis_url, prefix="expiry:")
    store.put("code:x", {"ok": True}, ttl=0.05)
    time.sleep(0.2)  # Redis expires the key itself: this waits for it, it measures nothing
    assert store.get("code:x") is None
    store.close()


def test_open_store_picks_the_backend_and_refuses_nothing(tmp_path: Path, redis_url: str) -> None:
    assert isinstance(open_store(str(tmp_path / "a.sqlite3")), SQLiteRecordStore)
    assert isinstance(open_store(f"sqlite://{tmp_path}/b.sqlite3"), SQLiteRecordStore)
    assert isinstance(open_store(redis_url), RedisRecordStore)
    with pytest.raises(TokenStoreError, match="empty"):
        open_store("sqlite://")


def test_an_unreachable_redis_is_a_store_error_without_its_password() -> None:
    store = RedisRecordStore("redis://:hunter2-password@127.0.0.1:1/0")
    with pytest.raises(TokenStoreError) as caught:
        store.ping()
    assert "hunter2" not in str(caught.value) and "hunter2" not in repr(store)


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_token_stores_keep_credentials_encrypted(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    tokens = TokenSet(Secret("nimble-access-XYZ"), Secret("nimble-refresh-XYZ"), 123.0, ("contacts",))
    if backend == "sqlite":
        path = tmp_path / "tokens.sqlite3"
        sealed = SQLiteTokenStore(path, cipher=FernetCipher(KEY))
        sealed.save("oauth/p1", tokens)
        raw = path.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("tokens.sqlite3-*"))
        other_key = SQLiteTokenStore(path, cipher=FernetCipher("z" * 40))
        rotated = SQLiteTokenStore(path, cipher=FernetCipher("n" * 40, KEY))
        no_key = SQLiteTokenStore(path)
    else:
        import redis

        url = request.getfixturevalue("redis_url")
        client = redis.Redis.from_url(url)
        sealed = RedisTokenStore(client=client, prefix="enc:", cipher=FernetCipher(KEY))
        sealed.save("oauth/p1", tokens)
        raw = b"".join(client.get(k) or b"" for k in client.keys("enc:*"))
        other_key = RedisTokenStore(client=client, prefix="enc:", cipher=FernetCipher("z" * 40))
        rotated = RedisTokenStore(client=client, prefix="enc:", cipher=FernetCipher("n" * 40, KEY))
        no_key = RedisTokenStore(client=client, prefix="enc:")
    assert b"nimble-access-XYZ" not in raw and b"nimble-refresh-XYZ" not in raw and raw
    assert sealed.load("oauth/p1") == tokens
    assert rotated.load("oauth/p1") == tokens  # an older key still opens what it sealed
    with pytest.raises(TokenStoreError, match="cannot open"):
        other_key.load("oauth/p1")
    with pytest.raises(TokenStoreError, match="no key"):
        no_key.load("oauth/p1")


def test_a_short_secret_key_is_refused() -> None:
    with pytest.raises(TokenStoreError, match="at least 32 characters"):
        FernetCipher("too-short")
    assert repr(FernetCipher(KEY)) == "FernetCipher('**********')"
