"""Sign-in throttling per account and per address, counted in the database; the password policy."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.conftest import Client
from workbench.accounts import passwords
from workbench.accounts import users as accounts
from workbench.app import create_app
from workbench.core import limits
from workbench.core.errors import ValidationError
from workbench.web.unit import database


def _fail(client: Client, username: str) -> Any:
    return client.client.post(
        "/login", data={"username": username, "password": "wrong guess", "csrf_token": client.token}
    )


def _start(client: Client) -> Client:
    from tests.conftest import csrf_token

    client.token = csrf_token(client.get("/login").get_data(as_text=True))
    return client


def test_an_account_is_locked_after_the_limit_even_with_the_right_password(
    app, client, make_user
) -> None:
    app.config.update(LOGIN_FAILURES_PER_ACCOUNT=3, LOGIN_FAILURES_PER_ADDRESS=100)
    make_user("ana")
    _start(client)
    assert [_fail(client, "ana").status_code for _ in range(3)] == [401, 401, 401]
    r = client.login("ana")
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in r.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in


def test_every_spelling_sign_in_accepts_counts_against_the_one_account(
    app, client, make_user
) -> None:
    # Sign-in matches names by their Unicode case fold: so must the count, or each spelling
    # ("boſs" with a long s, "BOSS", a decomposed "ü") would get guesses of its own.
    app.config.update(LOGIN_FAILURES_PER_ACCOUNT=4, LOGIN_FAILURES_PER_ADDRESS=100)
    make_user("boss")
    make_user("jürgen")
    _start(client)
    assert [_fail(client, n).status_code for n in ("boss", "boſs", "BOSS", "bosſ")] == [401] * 4
    assert client.login("boſs").status_code == 429
    assert client.login("boss").status_code == 429
    spellings = ("jürgen", "ju\u0308rgen", "JÜRGEN", "JU\u0308RGEN")
    assert [_fail(client, n).status_code for n in spellings] == [401] * 4
    assert client.login("jürgen").status_code == 429


def test_unknown_names_are_throttled_like_real_ones(app, client) -> None:
    app.config.update(LOGIN_FAILURES_PER_ACCOUNT=2, LOGIN_FAILURES_PER_ADDRESS=100)
    _start(client)
    statuses = [_fail(client, "nobody-here").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


def test_an_address_is_locked_across_account_names(app, client, make_user) -> None:
    app.config.update(LOGIN_FAILURES_PER_ACCOUNT=100, LOGIN_FAILURES_PER_ADDRESS=4)
    make_user("ana")
    _start(client)
    for name in ("a1", "a2", "a3", "a4"):
        assert _fail(client, name).status_code == 401
    assert client.login("ana").status_code == 429
    # Another address is not affected.
    other = client.client.post(
        "/login",
        data={"username": "ana", "password": PASSWORD, "csrf_token": client.token},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert other.status_code == 302


def test_a_success_clears_the_accounts_count(app, client, make_user) -> None:
    app.config.update(LOGIN_FAILURES_PER_ACCOUNT=3, LOGIN_FAILURES_PER_ADDRESS=100)
    make_user("ana")
    _start(client)
    _fail(client, "ana")
    _fail(client, "ana")
    assert client.login("ana").status_code == 302
    client.post("/logout", htmx=False)
    _start(client)
    _fail(client, "ana")
    _fail(client, "ana")
    assert client.login("ana").status_code == 302


def test_the_count_is_shared_by_every_server(app, db_url, client, make_user, tmp_path) -> None:
    # A second application on the same database stands for another worker or server.
    app.config.update(LOGIN_FAILURES_PER_ACCOUNT=4, LOGIN_FAILURES_PER_ADDRESS=100)
    other_app = create_app(
        {
            "DATABASE_URL": db_url,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "EXPORT_DIR": str(tmp_path / "exports2"),
            "LOGIN_FAILURES_PER_ACCOUNT": 4,
            "LOGIN_FAILURES_PER_ADDRESS": 100,
        }
    )
    try:
        make_user("ana")
        other = _start(Client(other_app.test_client()))
        _start(client)
        for c in (client, other, client, other):
            assert _fail(c, "ana").status_code == 401
        assert client.login("ana").status_code == 429
        assert other.login("ana").status_code == 429
    finally:
        database(other_app).engine.dispose()


def test_guesses_sent_at_once_are_checked_no_more_than_the_limit(app, make_user) -> None:
    # Each guess is counted before its (slow) hash: a burst cannot all read a count under the
    # limit before any of them is recorded.
    app.config.update(LOGIN_FAILURES_PER_ACCOUNT=3, LOGIN_FAILURES_PER_ADDRESS=100)
    make_user("ana")
    clients = [_start(Client(app.test_client())) for _ in range(12)]
    barrier = threading.Barrier(len(clients))

    def guess(client: Client) -> int:
        barrier.wait()
        return int(_fail(client, "ana").status_code)

    with ThreadPoolExecutor(len(clients)) as pool:
        statuses = sorted(pool.map(guess, clients))
    assert statuses == [401] * 3 + [429] * 9
    # Right or wrong, the account now waits.
    assert clients[0].login("ana").status_code == 429


def test_sign_in_checks_exactly_one_hash_whether_or_not_the_name_exists(
    session, make_user, monkeypatch
) -> None:
    ana = make_user("ana")
    calls: list[str] = []
    real = passwords.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        calls.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(passwords, "check_password_hash", counting)
    outcomes = {
        "unknown": accounts.authenticate(session, "nobody", PASSWORD),
        "wrong": accounts.authenticate(session, "ana", "wrong guess"),
        "right": accounts.authenticate(session, "ana", PASSWORD),
    }
    ana.active = False
    session.flush()
    outcomes["inactive"] = accounts.authenticate(session, "ana", PASSWORD)
    assert [k for k, v in outcomes.items() if v is not None] == ["right"]
    assert len(calls) == 4  # one hash each, with the same method for the dummy
    assert calls[0].split("$")[0] == calls[1].split("$")[0]


def test_a_password_past_the_limit_is_wrong_even_when_it_begins_with_the_right_one() -> None:
    # Only the first PASSWORD characters are hashed (a bounded cost); the rest must still count.
    right = "p" * limits.PASSWORD
    stored = passwords.hash_password(right)
    assert passwords.verify(stored, right)
    assert not passwords.verify(stored, right + "anything")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("        ", "only spaces"),
        ("          \t ", "only spaces"),
        ("short", "at least 8"),
        ("password123", "common passwords"),
        ("Qwerty123", "common passwords"),
        ("iloveyou2024", "common passwords"),
        ("zzzzzzzzzz", "common passwords"),
        ("ana-the-coder", "the username"),
        ("x" * 1001, "the limit is 1,000"),
    ],
)
def test_weak_passwords_are_refused(password: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        passwords.check_new_password(password, username="ana-the-coder")


def test_a_good_password_passes_and_the_list_is_shipped() -> None:
    passwords.check_new_password("maple river lantern", username="ana")
    assert len(passwords.common_passwords()) > 1000
    assert "correct horse battery" not in passwords.common_passwords()


def test_changing_to_a_common_password_is_refused_in_the_browser(client, make_user) -> None:
    make_user("ana")
    client.login("ana")
    r = client.post(
        "/account/password", {"current": PASSWORD, "new": "password1", "repeat": "password1"}
    )
    assert r.status_code == 422 and "common passwords" in r.get_data(as_text=True)


def test_the_current_password_is_throttled_like_a_sign_in(app, client, make_user) -> None:
    # A session is not the password: guessing it on the password form counts as on /login.
    app.config.update(LOGIN_FAILURES_PER_ACCOUNT=3, LOGIN_FAILURES_PER_ADDRESS=100)
    make_user("ana")
    client.login("ana")

    def change(current: str, repeat: str = "a-new-passphrase") -> Any:
        form = {"current": current, "new": "a-new-passphrase", "repeat": repeat}
        return client.post("/account/password", form, htmx=False)

    # The right password with new ones that differ: refused, and not counted as a guess.
    assert change(PASSWORD, repeat="another-one").status_code == 422
    statuses = [change(f"guess {n}").status_code for n in range(4)]
    assert statuses == [422, 422, 422, 429]
    assert "Too many wrong passwords" in change(PASSWORD).get_data(as_text=True)
    other = _start(Client(app.test_client()))
    assert other.login("ana").status_code == 429  # one count for the account, wherever
