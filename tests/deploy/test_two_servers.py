"""A department deployment as real processes: two app servers, one PostgreSQL, Redis, a worker.

The schema is upgraded once (`workbench db upgrade`); a server started before that refuses
to run. Two `workbench serve` (gunicorn) on two ports share the database, the secret key and a
Redis queue; one `workbench worker` runs the jobs. A lead signs in on one server, codes on both,
starts an export on the first and downloads it from the second, then checks a codebook import
on the first and applies it on the second. Nothing here shares a file between the servers: the
finished file and the waiting upload travel through the database.

Runs on the PostgreSQL leg (WORKBENCH_TEST_DATABASE_URL) with its own database; needs Redis
(WORKBENCH_TEST_REDIS_URL, default redis://127.0.0.1:6379/15), with keys under a name of its
own. Outside CI a missing service skips it; under CI (CI=true) it fails.
"""

from __future__ import annotations

import io
import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from openpyxl import Workbook
from openpyxl import load_workbook
from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.deploy.processes import Stack
from tests.deploy.processes import free_ports
from tests.deploy.processes import missing
from tests.deploy.processes import sign_in
from tests.deploy.processes import wait_up

pytestmark = pytest.mark.deploy


@pytest.fixture()
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database of this test's own, dropped afterwards."""
    base = os.environ.get("WORKBENCH_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        pytest.skip("the deployment test runs on the PostgreSQL leg")
    url = make_url(base).set(drivername="postgresql+psycopg")
    suffix = "_".join(
        p
        for p in (
            os.environ.get("WORKBENCH_TEST_DB_SUFFIX", ""),
            os.environ.get("PYTEST_XDIST_WORKER", ""),
        )
        if p
    )
    name = f"{url.database}_deploy{'_' + suffix if suffix else ''}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture()
def redis_url() -> Iterator[tuple[str, str]]:
    """The Redis URL and a queue name no other run uses; its keys are deleted afterwards."""
    import redis

    url = os.environ.get("WORKBENCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        missing(f"Redis is not reachable at {url}: {exc}")
    name = f"wbtest-{uuid.uuid4().hex[:12]}"
    try:
        yield url, name
    finally:
        for key in client.scan_iter(f"*{name}*"):
            client.delete(key)
        client.close()


@pytest.fixture()
def stack(
    tmp_path: Path, pg_url: str, redis_url: tuple[str, str]
) -> Iterator[tuple[Stack, str, str]]:
    """The environment every process of the deployment shares; the processes stopped after."""
    queue_url, queue_name = redis_url
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WORKBENCH_", "DATABASE_URL"))}
    env.update(
        WORKBENCH_DATABASE_URL=pg_url,
        WORKBENCH_SECRET_KEY="a secret every server of the department shares",
        WORKBENCH_QUEUE_URL=queue_url,
        WORKBENCH_QUEUE_NAME=queue_name,
        WORKBENCH_AUTO_MIGRATE="0",
        WORKBENCH_EXPORT_INLINE_ROWS="0",  # every export runs on the queue
    )
    made = Stack(tmp_path, env)
    try:
        yield made, pg_url, queue_name
    finally:
        made.stop()


def test_two_servers_a_redis_queue_and_a_worker(stack: tuple[Stack, str, str]) -> None:
    deployment, pg_url, _ = stack
    one, two = free_ports(2)
    a, b = f"http://127.0.0.1:{one}", f"http://127.0.0.1:{two}"

    # With automatic upgrades off, nothing starts on a schema that is not the newest.
    refused = deployment.run("serve", "--port", str(one), timeout=120)
    assert refused.returncode != 0 and "workbench db upgrade" in refused.stderr, refused.stderr
    upgraded = deployment.run("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    demo = deployment.run("demo", "--no-serve")
    assert demo.returncode == 0, demo.stderr
    password = re.search(r"^\s+lead\s+lead\s+(\S+)\s*$", demo.stdout, re.M)
    assert password, demo.stdout

    for port in (one, two):
        # Each server has a folder of its own, as on two machines; job files stay in the
        # database, so nothing one server wrote on its disk could reach the other.
        own = {
            "WORKBENCH_EXPORT_DIR": str(deployment.root / f"server-{port}"),
            "WORKBENCH_JOB_FILES": "database",
        }
        deployment.start(f"serve-{port}", "serve", "--port", str(port), "--workers", "2", env=own)
    deployment.start("worker", "worker", "--threads", "2")
    wait_up(a, deployment)
    wait_up(b, deployment)

    engine = create_engine(make_url(pg_url).set(drivername="postgresql+psycopg"))
    with engine.connect() as conn:
        slug = conn.execute(text("SELECT slug FROM project")).scalar_one()
        passages = (
            conn.execute(text("SELECT id FROM passage WHERE codable ORDER BY id LIMIT 2"))
            .scalars()
            .all()
        )
        code_id, code_key = conn.execute(
            text("SELECT id, key FROM code WHERE is_codable ORDER BY id LIMIT 1")
        ).one()
    engine.dispose()

    http = requests.Session()  # one browser: its cookie goes to both servers, as via a proxy
    token = sign_in(http, a, "lead", password[1])
    headers = {"X-CSRFToken": token, "HX-Request": "true"}
    for base, passage_id in ((a, passages[0]), (b, passages[1])):
        coded = http.post(
            f"{base}/p/{slug}/code/apply",
            data={"passage_id": passage_id, "code_id": code_id},
            headers=headers,
        )
        assert coded.status_code == 200, (base, coded.status_code, coded.text[:500])

    started = http.post(
        f"{a}/p/{slug}/export/download",
        data={"format": "xlsx", "bootstrap": "0"},
        headers={"X-CSRFToken": token},
        allow_redirects=False,
    )
    assert started.status_code == 303, started.text[:500]
    job_path = started.headers["Location"].replace(a, "")
    again = http.post(
        f"{b}/p/{slug}/export/download",
        data={"format": "xlsx", "bootstrap": "0"},
        headers={"X-CSRFToken": token},
        allow_redirects=False,
    )
    assert again.headers["Location"].replace(b, "") == job_path  # the running job, not a new one

    status = ""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        page = http.get(f"{b}{job_path}", headers={"HX-Request": "true"}).text
        found = re.search(r'data-status="(\w+)"', page)
        status = found[1] if found else ""
        if status in ("done", "failed"):
            break
        time.sleep(0.5)
    assert status == "done", f"job {status!r}\n{deployment.logs()}"

    download = http.get(f"{b}{job_path}/file")
    assert download.status_code == 200, download.text[:500]
    sheet = load_workbook(io.BytesIO(download.content))["Annotations"]
    rows = list(sheet.iter_rows(values_only=True))
    at = next(i for i, row in enumerate(rows) if "passage_id" in row)
    header = list(rows[at])
    coded = {
        (row[header.index("coder")], row[header.index("passage_id")])
        for row in rows[at + 1 :]
        if row[header.index("code_key")] == code_key
    }
    assert coded == {("lead", passages[0]), ("lead", passages[1])}, rows[: at + 4]

    # A codebook import checked on one server is applied on the other: the upload waits in
    # the database between the two requests, not in the first server's folder.
    book = Workbook()
    sheet = book.active
    sheet.title = "Codebook"
    sheet.append(["name", "parent path", "colour", "takes_stance"])
    sheet.append(["Brought in across servers", "", "#aabbcc", "yes"])
    upload = io.BytesIO()
    book.save(upload)
    checked = http.post(
        f"{a}/p/{slug}/codebook/import",
        files={"file": ("codes.xlsx", upload.getvalue())},
        headers=headers,
    )
    assert checked.status_code == 200, checked.text[:500]
    kept = re.search(r'name="token" value="([^"]+)"', checked.text)
    assert kept, checked.text[:1000]
    applied = http.post(
        f"{b}/p/{slug}/codebook/import/apply", data={"token": kept[1]}, headers=headers
    )
    assert applied.status_code == 200, applied.text[:500]
    engine = create_engine(make_url(pg_url).set(drivername="postgresql+psycopg"))
    with engine.connect() as conn:
        names = conn.execute(text("SELECT name FROM code WHERE deleted_at IS NULL")).scalars()
        assert "Brought in across servers" in set(names)
        assert conn.execute(text("SELECT count(*) FROM pending_import")).scalar_one() == 0
    engine.dispose()
