"""Load benchmark of the answer save, `PUT /api/v1/sessions/{token}/answers`, against a bare
FastAPI + SQLModel endpoint on the same database (see benchmarks/README.md).

    .venv/bin/python benchmarks/load.py --database sqlite --workers 1
    .venv/bin/python benchmarks/load.py --database postgresql --workers 2

It makes a fresh database, starts `salesfit serve` and the bare endpoint (benchmarks/bare_app.py)
as real processes, prepares a campaign and consented sessions through the API, then runs

1. closed-loop levels (default 4, 16, 64, 256 connections), each against the bare endpoint and
   the app in turn, with wrk (Debian: `apt-get install wrk`) and benchmarks/load.lua: every
   connection is one candidate saving one Likert answer per request, as fast as answered;
2. the human-pace open loop: N candidates (default 200), each saving one answer every 2-5 s
   (uniformly random), sent on schedule whatever the server does (no coordinated omission:
   latency counts from the scheduled moment), with an asyncio client;

and finally reads every session back and reports lost answers (an acknowledged save whose value
is not stored, or fewer stored saves than acknowledged ones: must be 0), errors by status,
successful saves per second, p50/p95/p99 and the ratio app/bare. Targets are printed with
"met" or "NOT met"; a missed target does not change the exit status (timings depend on the
machine); lost answers or a server that stops answering do (exit 1).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LUA = Path(__file__).with_name("load.lua")
DEFAULT_POSTGRES = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
RATIO_TARGET = 0.5
PACE_P99_TARGET_MS = 100.0
ADMIN_EMAIL = "load@bench.example.com"
APP_PATH = "/api/v1/sessions/%s/answers"
BARE_PATH = "/bare/%s/answers"


# ----------------------------------------------------------------------------- set-up


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def fresh_database(kind: str, postgres_url: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'load.db'}"
        return
    name = f"salesfit_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def salesfit(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(  # noqa: S603
        [str(BIN / "salesfit"), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"salesfit {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(name: str, command: list[str], env: dict[str, str], port: int, log: Path) -> Server:
    handle = log.open("wb")
    process = subprocess.Popen(  # noqa: S603
        command, env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited at start:\n{log.read_text()}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code in (200, 404):
                return Server(name, url, process, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{name} did not start in 60 s:\n{log.read_text()}")


@dataclass
class Prepared:
    closed_tokens: list[str]
    pace_tokens: list[str]
    items: list[str]
    low: int
    high: int


def prepare(app_url: str, api_token: str, closed: int, pace: int) -> Prepared:
    """A campaign, invitations and consent for every candidate, all through the API."""
    headers = {"Authorization": f"Bearer {api_token}"}
    with httpx.Client(base_url=app_url, headers=headers, timeout=60) as client:
        campaign = client.post(
            "/api/v1/campaigns",
            json={
                "name": "Load",
                "target_role": "either",
                "battery": "employee",  # opens with the Likert self-report
                "language": "en",
            },
        )
        campaign.raise_for_status()
        people = [
            {"full_name": f"Candidate {i}", "email": f"c{i}@load.example.com"}
            for i in range(closed + pace)
        ]
        tokens: list[str] = []
        for start_at in range(0, len(people), 500):
            invited = client.post(
                f"/api/v1/campaigns/{campaign.json()['id']}/invitations",
                json={"people": people[start_at : start_at + 500]},
            )
            invited.raise_for_status()
            tokens += [entry["url"].rstrip("/").rsplit("/", 1)[1] for entry in invited.json()]
        for token in tokens:
            consent = client.post(f"/api/v1/sessions/{token}/consent", json={"accepted": True})
            consent.raise_for_status()
        session = client.get(f"/api/v1/sessions/{tokens[0]}")
        session.raise_for_status()
        likert = [
            item
            for section in session.json()["sections"]
            for item in section["items"]
            if item["type"] == "likert"
        ]
    return Prepared(
        tokens[:closed],
        tokens[closed:],
        [i["id"] for i in likert],
        likert[0]["min"],
        likert[0]["max"],
    )


# ----------------------------------------------------------------------------- the ledger


@dataclass
class Ledger:
    """What the servers acknowledged, per (token, item): how many saves, and the last value
    (None when the last save's outcome is unknown: refused, timed out or still in flight)."""

    acked: dict[tuple[str, str], int] = field(default_factory=dict)
    last: dict[tuple[str, str], int | None] = field(default_factory=dict)

    def ack(self, token: str, item: str, value: int) -> None:
        key = (token, item)
        self.acked[key] = self.acked.get(key, 0) + 1
        self.last[key] = value

    def unknown(self, token: str, item: str) -> None:
        self.last[(token, item)] = None

    @property
    def total(self) -> int:
        return sum(self.acked.values())


@dataclass
class Run:
    target: str
    connections: int
    seconds: float
    statuses: dict[str, int]
    socket_errors: dict[str, int]
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    @property
    def ok(self) -> int:
        return self.statuses.get("200", 0)

    @property
    def saves_per_s(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> dict[str, int]:
        out = {k: v for k, v in self.statuses.items() if k != "200"}
        out.update({k: v for k, v in self.socket_errors.items() if v})
        return out


def run_wrk(
    target: str,
    url: str,
    path: str,
    connections: int,
    seconds: float,
    prepared: Prepared,
    ledger: Ledger | None,
    workdir: Path,
) -> Run:
    tokens_file = workdir / "tokens.txt"
    tokens_file.write_text("\n".join(prepared.closed_tokens[:connections]) + "\n")
    out = workdir / f"wrk-{target}-{connections}.json"
    env = {
        **os.environ,
        "LOAD_TOKENS": str(tokens_file),
        "LOAD_ITEMS": ",".join(prepared.items),
        "LOAD_PATH": path,
        "LOAD_OUT": str(out),
        "LOAD_MIN": str(prepared.low),
        "LOAD_MAX": str(prepared.high),
    }
    command = [
        "wrk",
        f"-t{connections}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
    ]
    subprocess.run(command, env=env, check=True, capture_output=True)  # noqa: S603
    result = json.loads(out.read_text())
    statuses: dict[str, int] = {}
    for thread in result["threads"]:
        for status, count in thread["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
        if ledger is not None:
            token = thread["token"]
            for item, count in thread["acked"].items():
                ledger.acked[(token, item)] = ledger.acked.get((token, item), 0) + count
            for item, value in thread["last"].items():
                ledger.last[(token, item)] = None if value == -1 else value
    latency = result["latency_us"]
    return Run(
        target,
        connections,
        result["duration_us"] / 1e6,
        statuses,
        result["errors"],
        latency["p50"] / 1000,
        latency["p95"] / 1000,
        latency["p99"] / 1000,
        latency["max"] / 1000,
    )


async def human_pace(
    target: str,
    url: str,
    path: str,
    prepared: Prepared,
    seconds: float,
    ledger: Ledger | None,
    rng: random.Random,
) -> Run:
    """Each candidate saves one answer every 2-5 s, on schedule (an open loop)."""
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    errors: dict[str, int] = {}
    # Idle connections are dropped before uvicorn's 5 s keep-alive ends, as browsers do, so
    # a save never races the server closing its connection (a client artefact, not an error).
    limits = httpx.Limits(
        max_connections=len(prepared.pace_tokens) * 2,
        max_keepalive_connections=None,
        keepalive_expiry=4.0,
    )
    started = time.perf_counter()
    end = started + seconds

    async def candidate(client: httpx.AsyncClient, token: str, index: int) -> None:
        at = started + rng.uniform(0, 5)
        n = 0
        pending: list[asyncio.Task[None]] = []
        while at < end:
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            item = prepared.items[(index + n) % len(prepared.items)]
            value = prepared.low + (n % (prepared.high - prepared.low + 1))
            pending.append(asyncio.create_task(save(client, token, item, value, at)))
            n += 1
            at += rng.uniform(2, 5)
        await asyncio.gather(*pending)

    async def save(
        client: httpx.AsyncClient, token: str, item: str, value: int, scheduled: float
    ) -> None:
        if ledger is not None:
            ledger.unknown(token, item)
        try:
            response = await client.put(path % token, json={"answers": {item: value}})
        except httpx.HTTPError as exc:
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            return
        latencies.append(time.perf_counter() - scheduled)
        key = str(response.status_code)
        statuses[key] = statuses.get(key, 0) + 1
        if response.status_code == 200 and ledger is not None:
            # Saves of one item by one candidate are seconds apart, so they do not overlap.
            ledger.ack(token, item, value)

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        await asyncio.gather(
            *(candidate(client, token, i) for i, token in enumerate(prepared.pace_tokens))
        )
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    return Run(
        target,
        len(prepared.pace_tokens),
        elapsed,
        statuses,
        errors,
        pct(50),
        pct(95),
        pct(99),
        ordered[-1] * 1000,
    )


# ----------------------------------------------------------------------------- checking


def app_stored(app_url: str, tokens: list[str]) -> dict[tuple[str, str], Any]:
    """Every stored answer, read back through the API."""
    stored: dict[tuple[str, str], Any] = {}
    with httpx.Client(base_url=app_url, timeout=60) as client:
        for token in tokens:
            response = client.get(f"/api/v1/sessions/{token}")
            response.raise_for_status()
            for item, value in response.json()["answers"].items():
                stored[(token, item)] = value
    return stored


def revisions(database_url: str, bare: bool) -> dict[tuple[str, str], tuple[Any, int]]:
    """(token hash, item) -> (value, revision) straight from the database."""
    engine = create_engine(database_url)
    if bare:
        query = (
            "SELECT t.token_hash, a.item_id, a.value, a.revision FROM bare_answer a "
            "JOIN bare_token t ON t.id = a.token_id"
        )
    else:
        query = (
            "SELECT i.token_hash, a.item_id, a.value, a.revision FROM answer a "
            "JOIN assessment_session s ON s.id = a.session_id "
            "JOIN invitation i ON i.id = s.invitation_id"
        )
    with engine.connect() as connection:
        rows = connection.execute(text(query)).all()
    engine.dispose()
    out = {}
    for token_hash, item, value, revision in rows:
        if isinstance(value, str):
            value = json.loads(value) if not value.isdigit() else int(value)
        out[(token_hash, item)] = (value, revision)
    return out


def lost_answers(ledger: Ledger, stored: dict[tuple[str, str], tuple[Any, int]]) -> list[str]:
    """Acknowledged saves the database does not hold."""
    import hashlib

    lost = []
    for (token, item), count in ledger.acked.items():
        key = (hashlib.sha256(token.encode()).hexdigest(), item)
        value, revision = stored.get(key, (None, 0))
        last = ledger.last.get((token, item))
        if revision < count:
            lost.append(f"{token[:6]}…/{item}: {count} saves acknowledged, {revision} stored")
        elif last is not None and value != last:
            lost.append(f"{token[:6]}…/{item}: acknowledged {last}, stored {value}")
    return lost


# ----------------------------------------------------------------------------- report


def print_table(title: str, rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def fmt_errors(errors: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(errors.items())) or "none"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--postgres-url", default=DEFAULT_POSTGRES, help="server to make the database on"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes of each server"
    )
    parser.add_argument("--levels", default="4,16,64,256", help="closed-loop connection counts")
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="length of each closed-loop run"
    )
    parser.add_argument("--candidates", type=int, default=200, help="human-pace candidates")
    parser.add_argument(
        "--pace-seconds", type=float, default=60.0, help="length of the human-pace run"
    )
    parser.add_argument(
        "--concurrency", type=int, default=None, help="CONCURRENCY for the app (default: its own)"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument(
        "--keep", action="store_true", help="keep the work folder (logs, wrk output)"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is needed for the closed-loop runs: apt-get install wrk", file=sys.stderr)
        return 2
    levels = [int(level) for level in args.levels.split(",") if level]
    rng = random.Random(20261120)  # noqa: S311 (a reproducible schedule, not a secret)
    workdir = Path(tempfile.mkdtemp(prefix="salesfit-load-"))
    load_before = os.getloadavg()
    print(
        f"SalesFit load benchmark: {args.database}, {args.workers} worker(s), work folder {workdir}"
    )
    print(
        f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, {os.cpu_count()} cores"
    )
    failed = False
    with fresh_database(args.database, args.postgres_url, workdir) as database_url:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "BASE_URL": "http://127.0.0.1",
            "PYTHONUNBUFFERED": "1",
        }
        if args.concurrency:
            env["CONCURRENCY"] = str(args.concurrency)
        salesfit(env, "migrate")
        salesfit(
            env,
            "create-user",
            "--email",
            ADMIN_EMAIL,
            "--role",
            "admin",
            "--org",
            "load",
            "--password-stdin",
            stdin="load-password-0123456789\n",
        )
        api_token = (
            salesfit(env, "create-api-token", "--email", ADMIN_EMAIL).strip().splitlines()[-1]
        )
        sys.path.insert(0, str(ROOT))
        from benchmarks import bare_app

        bare_engine = bare_app.make_bare_engine(database_url)
        bare_app.create_tables(bare_engine)

        app_port, bare_port = free_port(), free_port()
        app = start(
            "app",
            [
                str(BIN / "salesfit"),
                "serve",
                "--port",
                str(app_port),
                "--workers",
                str(args.workers),
            ],
            env,
            app_port,
            workdir / "app.log",
        )
        bare = start(
            "bare",
            [
                str(BIN / "python"),
                "-m",
                "uvicorn",
                "benchmarks.bare_app:app",
                "--port",
                str(bare_port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env,
            bare_port,
            workdir / "bare.log",
        )
        try:
            closed = max(levels) if levels else 0
            prepared = prepare(app.url, api_token, closed, args.candidates)
            bare_app.add_tokens(bare_engine, prepared.closed_tokens + prepared.pace_tokens)
            bare_engine.dispose()
            print(
                f"prepared {closed + args.candidates} consented sessions, {len(prepared.items)} Likert items"
            )
            ledgers = {"app": Ledger(), "bare": Ledger()}
            runs: list[tuple[Run, Run]] = []
            for connections in levels:
                pair = []
                for name, server, path in (("bare", bare, BARE_PATH), ("app", app, APP_PATH)):
                    run_wrk(
                        name, server.url, path, connections, 2, prepared, ledgers[name], workdir
                    )  # warm-up
                    pair.append(
                        run_wrk(
                            name,
                            server.url,
                            path,
                            connections,
                            args.seconds,
                            prepared,
                            ledgers[name],
                            workdir,
                        )
                    )
                    healthy = server.process.poll() is None
                    if not healthy:
                        print(f"{name} died at {connections} connections", file=sys.stderr)
                        failed = True
                runs.append((pair[0], pair[1]))
                print(
                    f"  {connections:>4} connections: bare {pair[0].saves_per_s:7.1f}/s, app {pair[1].saves_per_s:7.1f}/s"
                )
            pace: list[Run] = []
            if args.candidates:
                for name, server, path in (("bare", bare, BARE_PATH), ("app", app, APP_PATH)):
                    pace.append(
                        asyncio.run(
                            human_pace(
                                name,
                                server.url,
                                path,
                                prepared,
                                args.pace_seconds,
                                ledgers[name],
                                rng,
                            )
                        )
                    )
                    print(f"  human pace, {name}: p99 {pace[-1].p99_ms:.1f} ms")
            lost = {
                "app": lost_answers(ledgers["app"], revisions(database_url, bare=False)),
                "bare": lost_answers(ledgers["bare"], revisions(database_url, bare=True)),
            }
            stored_api = app_stored(app.url, prepared.closed_tokens + prepared.pace_tokens)
            api_mismatch = [
                f"{t[:6]}…/{i}"
                for (t, i), value in ledgers["app"].last.items()
                if value is not None and stored_api.get((t, i)) != value
            ]
        finally:
            app.stop()
            bare.stop()
    load_after = os.getloadavg()

    rows = []
    results: dict[str, Any] = {
        "database": args.database,
        "workers": args.workers,
        "load_before": load_before,
        "load_after": load_after,
        "closed": [],
        "pace": [],
    }
    for bare_run, app_run in runs:
        ratio = app_run.saves_per_s / bare_run.saves_per_s if bare_run.saves_per_s else 0.0
        rows.append(
            [
                str(app_run.connections),
                f"{bare_run.saves_per_s:.0f}",
                f"{app_run.saves_per_s:.0f}",
                f"{ratio:.2f}"
                + ("" if ratio >= RATIO_TARGET or app_run.connections > 64 else " NOT met"),
                f"{bare_run.p50_ms:.1f} / {bare_run.p99_ms:.1f}",
                f"{app_run.p50_ms:.1f} / {app_run.p95_ms:.1f} / {app_run.p99_ms:.1f}",
                fmt_errors(bare_run.errors),
                fmt_errors(app_run.errors),
            ]
        )
        results["closed"].append(
            {
                "connections": app_run.connections,
                "ratio": ratio,
                "bare": bare_run.__dict__ | {"saves_per_s": bare_run.saves_per_s},
                "app": app_run.__dict__ | {"saves_per_s": app_run.saves_per_s},
            }
        )
    print_table(
        f"Closed loop, {args.seconds:g} s per run ({args.database}, {args.workers} worker(s); "
        f"target: app/bare >= {RATIO_TARGET} at 4, 16 and 64 connections)",
        rows,
        [
            "conns",
            "bare saves/s",
            "app saves/s",
            "ratio",
            "bare p50/p99 ms",
            "app p50/p95/p99 ms",
            "bare errors",
            "app errors",
        ],
    )
    if pace:
        print_table(
            f"Human pace: {args.candidates} candidates, one answer each every 2-5 s, "
            f"{args.pace_seconds:g} s (target: app p99 < {PACE_P99_TARGET_MS:g} ms)",
            [
                [
                    run.target,
                    str(sum(run.statuses.values())),
                    f"{run.saves_per_s:.1f}",
                    f"{run.p50_ms:.1f}",
                    f"{run.p95_ms:.1f}",
                    f"{run.p99_ms:.1f}"
                    + (
                        ""
                        if run.target == "bare" or run.p99_ms < PACE_P99_TARGET_MS
                        else " NOT met"
                    ),
                    f"{run.max_ms:.1f}",
                    fmt_errors(run.errors),
                ]
                for run in pace
            ],
            ["target", "requests", "saves/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"],
        )
        results["pace"] = [run.__dict__ for run in pace]
    for name in ("app", "bare"):
        print(f"\n{name}: {ledgers[name].total} saves acknowledged, lost: {len(lost[name])}")
        for line in lost[name][:20]:
            print("  " + line)
    print(f"app: read back through the API, {len(api_mismatch)} last acknowledged values differ")
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    results["lost"] = {k: len(v) for k, v in lost.items()}
    results["api_mismatch"] = len(api_mismatch)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed or lost["app"] or lost["bare"] or api_mismatch else 0


if __name__ == "__main__":
    raise SystemExit(main())
