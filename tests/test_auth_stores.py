"""Every token store keeps the same contract; the file stores also keep their files private and whole."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from auth_support import START, redis_server

from nimble_tools import Secret
from nimble_tools.auth import (
    JsonFileTokenStore,
    MemoryTokenStore,
    PendingAuthorization,
    RedisTokenStore,
    SQLiteTokenStore,
    TokenSet,
    TokenStore,
    TokenStoreError,
    default_token_path,
)

StoreFactory = Callable[[], TokenStore]


@pytest.fixture(params=["memory", "json", "sqlite", "redis"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    """A factory: each call opens the same underlying store anew (as another process would)."""
    kind = request.param
    if kind == "memory":
        store = MemoryTokenStore()
        return lambda: store
    if kind == "json":
        return lambda: JsonFileTokenStore(tmp_path / "tokens.json")
    if kind == "sqlite":
        return lambda: SQLiteTokenStore(tmp_path / "tokens.sqlite3")
    url = request.getfixturevalue("redis_url")
    prefix = f"test-{uuid.uuid4().hex}:"
    return lambda: RedisTokenStore(url, prefix=prefix)


def tokens(n: int = 1, *, refresh: bool = True) -> TokenSet:
    return TokenSet(
        access_token=Secret(f"access-{n}"),
        refresh_token=Secret(f"refresh-{n}") if refresh else None,
        expires_at=START + 599,
        scope=("basic", "contacts"),
    )


def pending(state: str, account: str = "alice", *, created: float = START, ttl: float = 600) -> PendingAuthorization:
    return PendingAuthorization(state, account, "http://127.0.0.1/cb", created, created + ttl)


# --- the contract ---------------------------------------------------------------------------


def test_tokens_round_trip_per_account(make_store: StoreFactory) -> None:
    store = make_store()
    assert store.load("alice") is None
    assert store.accounts() == []
    store.save("alice", tokens(1))
    store.save("bob", tokens(2, refresh=False))
    reopened = make_store()
    assert reopened.load("alice") == tokens(1)
    assert reopened.load("bob") == tokens(2, refresh=False)
    assert reopened.accounts() == ["alice", "bob"]


def test_save_replaces_and_delete_forgets(make_store: StoreFactory) -> None:
    store = make_store()
    store.save("alice", tokens(1))
    store.save("alice", tokens(2))
    assert make_store().load("alice") == tokens(2)
    store.delete("alice")
    store.delete("alice")  # forgetting twice is fine
    assert make_store().load("alice") is None
    assert make_store().accounts() == []


def test_account_names_may_hold_any_character(make_store: StoreFactory) -> None:
    store = make_store()
    for name in ("tenant:42/user*", "Zoë Durand", "a'b\"c"):
        store.save(name, tokens(1))
        assert make_store().load(name) == tokens(1)
    assert make_store().accounts() == sorted(["tenant:42/user*", "Zoë Durand", "a'b\"c"])


def test_a_pending_authorization_is_taken_once(make_store: StoreFactory) -> None:
    store = make_store()
    store.put_pending(pending("s1"))
    store.put_pending(pending("s2", "bob"))
    assert make_store().take_pending("s1") == pending("s1")
    assert make_store().take_pending("s1") is None
    assert store.take_pending("unknown") is None
    assert store.take_pending("s2") == pending("s2", "bob")


def test_expired_pending_authorizations_are_purged(make_store: StoreFactory) -> None:
    store = make_store()
    if isinstance(store, RedisTokenStore):
        pytest.skip("Redis expires pending authorizations itself (test_redis_pending_authorizations_expire_in_redis)")
    store.put_pending(pending("old", created=START, ttl=10))
    store.put_pending(pending("new", created=START + 60))  # "old" expired before this one was made
    assert store.take_pending("old") is None
    assert store.take_pending("new") == pending("new", created=START + 60)


def test_two_takers_racing_for_one_state_get_it_once(make_store: StoreFactory) -> None:
    store = make_store()
    store.put_pending(pending("race"))
    barrier = threading.Barrier(6)
    taken: list[PendingAuthorization | None] = []

    def take() -> None:
        barrier.wait(timeout=10)
        taken.append(make_store().take_pending("race"))

    threads = [threading.Thread(target=take) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert [t for t in taken if t is not None] == [pending("race")]


def test_the_refresh_lock_is_exclusive_per_account(make_store: StoreFactory) -> None:
    holder, other = make_store(), make_store()
    if isinstance(holder, MemoryTokenStore):
        pytest.skip("the memory store relies on the provider's in-process locks")
    events: list[str] = []

    def contender() -> None:
        with other.lock("alice"):
            events.append("contender")

    with holder.lock("alice"):
        with other.lock("bob"):  # another account is not blocked
            events.append("bob")
        thread = threading.Thread(target=contender)
        thread.start()
        time.sleep(0.1)  # give the contender every chance to (wrongly) get in
        events.append("holder")
    thread.join(timeout=10)
    assert events == ["bob", "holder", "contender"]


def test_stores_keep_secrets_out_of_their_repr(make_store: StoreFactory) -> None:
    store = make_store()
    store.save("alice", tokens(1))
    assert "access-1" not in repr(store) and "refresh-1" not in repr(store)
    assert "access-1" not in repr(store.load("alice"))


def test_stores_satisfy_the_protocol(make_store: StoreFactory) -> None:
    assert isinstance(make_store(), TokenStore)


# --- file stores: private, atomic, and loud when damaged ------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_json_file_is_private_and_written_atomically(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "tokens.json"
    store = JsonFileTokenStore(path)
    old_umask = os.umask(0o000)  # even a permissive umask must not widen the file's mode
    try:
        store.save("alice", tokens(1))
        store.save("alice", tokens(2))
    finally:
        os.umask(old_umask)
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    data = json.loads(path.read_text())
    assert data["version"] == 1
    assert data["accounts"]["alice"]["refresh_token"] == "refresh-2"
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_json_file_replaced_not_rewritten_in_place(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    store = JsonFileTokenStore(path)
    store.save("alice", tokens(1))
    inode = os.stat(path).st_ino
    store.save("alice", tokens(2))
    assert os.stat(path).st_ino != inode  # a new file renamed over the old: readers never see half a file


def test_json_writers_in_threads_lose_no_update(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"

    def save(n: int) -> None:
        JsonFileTokenStore(path).save(f"account-{n}", tokens(n))

    threads = [threading.Thread(target=save, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert JsonFileTokenStore(path).accounts() == sorted(f"account-{n}" for n in range(12))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param("{not json", "not valid JSON", id="not-json"),
        pytest.param('{"version": 99}', "unknown format", id="future-version"),
        pytest.param('{"version": 1, "accounts": {"alice": {"expires_at": 1}}}', "damaged", id="no-token"),
        pytest.param('{"version": 1, "accounts": []}', "damaged", id="wrong-shape"),
    ],
)
def test_damaged_json_file_raises_a_clear_store_error(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(content)
    with pytest.raises(TokenStoreError, match=problem) as caught:
        JsonFileTokenStore(path).load("alice")
    assert str(path) in str(caught.value)


def test_sqlite_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "db" / "tokens.sqlite3"
    old_umask = os.umask(0o000)
    try:
        SQLiteTokenStore(path).save("alice", tokens(1))
    finally:
        os.umask(old_umask)
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700


def test_sqlite_failure_raises_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "tokens.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(TokenStoreError, match="failed"):
        SQLiteTokenStore(path).load("alice")


def test_default_sqlite_path_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NIMBLE_TOOLS_TOKEN_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_token_path() == tmp_path / "nimble-tools" / "tokens.sqlite3"
    monkeypatch.setenv("NIMBLE_TOOLS_TOKEN_DB", str(tmp_path / "mine.db"))
    assert default_token_path() == tmp_path / "mine.db"
    assert SQLiteTokenStore().path == tmp_path / "mine.db"


# --- Redis specifics --------------------------------------------------------------------------


def test_redis_pending_authorizations_expire_in_redis(redis_url: str) -> None:
    store = RedisTokenStore(redis_url, prefix=f"test-{uuid.uuid4().hex}:")
    store.put_pending(pending("short", ttl=0.05))
    time.sleep(0.15)
    assert store.take_pending("short") is None


def test_redis_lock_times_out_with_a_clear_error(redis_url: str) -> None:
    prefix = f"test-{uuid.uuid4().hex}:"
    holder = RedisTokenStore(redis_url, prefix=prefix)
    impatient = RedisTokenStore(redis_url, prefix=prefix, lock_wait=0.1)
    with holder.lock("alice"), pytest.raises(TokenStoreError, match=r"Timed out .* account 'alice'"):
        impatient.lock("alice").__enter__()


def test_redis_lock_of_a_crashed_holder_frees_itself(redis_url: str) -> None:
    prefix = f"test-{uuid.uuid4().hex}:"
    crashed = RedisTokenStore(redis_url, prefix=prefix, lock_ttl=0.1)
    crashed.lock("alice").__enter__()  # never released
    with RedisTokenStore(redis_url, prefix=prefix, lock_wait=5).lock("alice"):
        pass


def test_redis_lock_is_not_released_by_a_former_holder(redis_url: str) -> None:
    prefix = f"test-{uuid.uuid4().hex}:"
    slow = RedisTokenStore(redis_url, prefix=prefix, lock_ttl=0.1)
    lock = slow.lock("alice")
    lock.__enter__()
    time.sleep(0.15)  # the lock expired...
    other = RedisTokenStore(redis_url, prefix=prefix, lock_wait=0.1)
    with other.lock("alice"):  # ...and another process took it
        lock.__exit__(None, None, None)  # the former holder's release must not free the new holder's lock
        with pytest.raises(TokenStoreError):
            other.lock("alice").__enter__()


def test_redis_repr_hides_the_password() -> None:
    store = RedisTokenStore("redis://:hunter2@127.0.0.1:1/0")
    assert "hunter2" not in repr(store)
    assert "***" in repr(store)


def test_redis_unreachable_raises_a_store_error_without_the_password() -> None:
    store = RedisTokenStore("redis://:hunter2@127.0.0.1:1/0")
    with pytest.raises(TokenStoreError) as caught:
        store.load("alice")
    assert "hunter2" not in str(caught.value)
    assert "ConnectionError" in str(caught.value)


def test_redis_store_needs_a_url_or_client() -> None:
    with pytest.raises(TokenStoreError, match="needs a url"):
        RedisTokenStore()


def test_without_redis_server_the_redis_tests_skip_saying_how_to_run_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("auth_support.shutil.which", lambda name: None)
    with pytest.raises(pytest.skip.Exception, match=r"apt-get install -y redis-server.*make test"), redis_server():
        pass
