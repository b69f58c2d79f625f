"""How fast the served workbench is through boto3, beside moto's server, in one run.

Run: ``.venv/bin/python bench/served.py`` (``--quick`` for a short run, ``--help`` for the rest).
It starts each stack itself on 127.0.0.1, runs the same client against each, and prints one
Markdown table per workload with the ratio to moto:

- stacks: the workbench embedded (``manage.py serve`` on its own temporary SQLite database,
  migrated first), distributed with 1 and with 2 ``celery -A workbench worker`` processes
  (PostgreSQL + Redis; the database named by ``--database-url`` is DROPPED and re-created, the
  two Redis dbs are flushed), and ``moto_server`` with executions turned on through its config
  endpoint (``POST /moto-api/config``, moto docs "stepfunctions": ``execute_state_machine``) and
  its Docker-free Lambda (``"lambda": {"use_docker": false}``, which answers an invoke with its
  payload).
- workloads: (a) Standard executions of a 10-state Pass chain, (b) a 3-state machine whose
  middle Task calls a function (the workbench's registered python function ``echo``; a moto
  Lambda function), both as 8 client threads each doing StartExecution then DescribeExecution
  until the execution ends; (c) PutEvents of 10 entries onto a bus with 300 rules whose
  targets start an Express machine (each entry matches one rule); (d) the machine of (b)
  started at a fixed 50 executions per second (open loop), for the issue's latency goal; (e) a
  1-state machine whose Task is an activity: 8 client threads each StartExecution, then act as
  the activity's worker (GetActivityTask, SendTaskSuccess with the task's input), then
  DescribeExecution until their own execution ends (a thread may answer another thread's task;
  every thread starts one task before it polls, so no poll waits for nothing); (f) a parent
  whose one Task runs ``arn:aws:states:::states:startExecution.sync:2`` on a 3-state Pass
  child, driven as (a) (4 transitions: the parent's state and the child's three).
  ``--workloads`` picks a subset. Where moto cannot run a workload (its check execution
  fails), its ratio is "n/a".
- ``null``: the same client against bench/null_server.py, a server that answers every call at
  once and keeps nothing. Its row is the client's own ceiling on this machine: no server,
  however fast, can be measured above it here, because boto3 shares the two cores.

Figures: executions (or entries) per second, transitions per second (states entered, checked
against GetExecutionHistory of a sample execution), p50/p99 from StartExecution to the end as
the client sees it (PutEvents: the call's latency), the client's own CPU share
(``getrusage`` of this process over wall time: the client shares the cores with the server),
the server's CPU per execution or entry (its processes' /proc times over the run: on a busy
machine rates fall while this stays near its quiet value) and the 1-minute load average
before and after each run, since a busy machine skews all.
Every loop is bounded by time: a run lasts ``--seconds``, an execution is given up after
``EXECUTION_TIMEOUT`` seconds and counted as timed out.

``--profile DIR`` samples the workbench's processes with py-spy during every run (raw
folded stacks, ``--nonblocking`` so sampling does not pause the server) and prints the top
inclusive and leaf shares, at 50 samples a second (``BENCH_PYSPY_RATE`` sets another rate,
for more samples in a short run). ``--profile-gil`` samples only the thread holding the interpreter
lock (py-spy ``--gil``): the share of samples taken against the run's length says how busy the
interpreter was, which tells a server bound by its GIL from one waiting on a lock or the
database (issue 10's Task workload: 46 to 48 %, so the SQLite write turn was the limit).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/bench"
CLIENT_THREADS = 8
EXECUTION_TIMEOUT = 30.0  # seconds before a polled execution counts as timed out
POLL_INTERVAL = 0.005  # between DescribeExecution calls of one client thread
RULES = 300
FIXED_RATE = 50  # executions started per second in workload (d)
FIXED_RATE_THREADS = 24
FIXED_RATE_WORKLOAD = f"(d) 3 states, Task calls a function, {FIXED_RATE} started per second"
ENTRIES_PER_CALL = 10


# ---------------------------------------------------------------- stacks


@dataclass
class Stack:
    name: str
    url: str
    kind: str  # "workbench", "moto" or "null" (the client's ceiling: bench/null_server.py)
    pids: list[int] = field(default_factory=list)  # processes worth profiling
    probe: Callable[[], int] | None = None  # distributed mode: open PostgreSQL connections


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, processes: list[subprocess.Popen[bytes]], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args} exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answered at {url} within {timeout}s:\n{log.read_text()[-3000:]}")


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in reversed(processes):
        if process.poll() is None:
            process.terminate()
    for process in reversed(processes):
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _workbench_env(work: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "CHANNEL_LAYER_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="workbench.settings",
        STEPBRIDGE_VAR_DIR=str(work),
        STEPBRIDGE_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def _migrate(env: dict[str, str], log: Path) -> None:
    with log.open("ab") as out:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=300,
        )


@contextlib.contextmanager
def _workbench(name: str, env: dict[str, str], work: Path, workers: int) -> Iterator[Stack]:
    log = work / f"{name}.log"
    _migrate(env, log)
    port = _free_port()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for index in range(workers):
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "workbench",
                        "worker",
                        "--pool=threads",
                        "--concurrency=4",
                        "--loglevel=WARNING",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                        "-n",
                        f"bench{index}@%h",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log.open("ab"),
                    stderr=subprocess.STDOUT,
                )
            )
        processes.append(
            subprocess.Popen(
                [sys.executable, "manage.py", "serve", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=log.open("ab"),
                stderr=subprocess.STDOUT,
            )
        )
        url = f"http://127.0.0.1:{port}"
        _wait_http(url + "/machines/", processes, log)
        yield Stack(name, url, "workbench", _with_children([p.pid for p in processes]))
    finally:
        _stop(processes)


@contextlib.contextmanager
def embedded(work: Path) -> Iterator[Stack]:
    """`make run` as a new user gets it: SQLite under a fresh var dir, worker thread inside."""
    with _workbench("embedded", _workbench_env(work, {}), work, workers=0) as stack:
        yield stack


def _recreate_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _pg_connections(url: str) -> int:
    """Connections open to the bench database (pg_stat_activity), the probe's own left out."""
    import psycopg

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,)
        ).fetchone()
    return int(row[0]) if row else 0


def _flush_redis(*urls: str) -> None:
    import redis

    for url in urls:
        redis.Redis.from_url(url).flushdb()


@contextlib.contextmanager
def distributed(work: Path, args: argparse.Namespace, workers: int) -> Iterator[Stack]:
    _recreate_database(args.database_url)
    _flush_redis(args.broker_url, args.channel_url)
    env = _workbench_env(
        work,
        {
            "DATABASE_URL": args.database_url,
            "CELERY_BROKER_URL": args.broker_url,
            "CHANNEL_LAYER_URL": args.channel_url,
        },
    )
    with _workbench(f"distributed-{workers}w", env, work, workers=workers) as stack:
        stack.probe = lambda: _pg_connections(args.database_url)
        yield stack


@contextlib.contextmanager
def moto(work: Path) -> Iterator[Stack]:
    port = _free_port()
    log = work / "moto.log"
    # MOTO_PORT: moto's ASL interpreter calls its own Lambda through boto3 at this port.
    env = dict(os.environ, MOTO_PORT=str(port))
    process = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_http(url + "/moto-api/", [process], log)
        body = json.dumps({"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}})
        request = urllib.request.Request(
            url + "/moto-api/config", data=body.encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            config = json.load(answer)
        # Its answer omits the stepfunctions part; the check execution of each workload shows it.
        if config.get("lambda", {}).get("use_docker") is not False:
            raise RuntimeError(f"moto did not take the config: {config}")
        yield Stack("moto", url, "moto", [process.pid])
    finally:
        _stop([process])


@contextlib.contextmanager
def null(work: Path) -> Iterator[Stack]:
    """bench/null_server.py: answers every call at once, so a run measures the client alone."""
    port = _free_port()
    log = work / "null.log"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "null_server.py"), str(port)],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_http(url + "/", [process], log)
        yield Stack("null (client ceiling)", url, "null", [process.pid])
    finally:
        _stop([process])


# ---------------------------------------------------------------- clients and resources


def client(stack: Stack, service: str) -> Any:
    """One boto3 client per thread (sessions are not thread-safe); no retries, so an error counts."""
    return boto3.session.Session().client(
        service,
        endpoint_url=stack.url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(
            inject_host_prefix=False,
            retries={"total_max_attempts": 1},
            max_pool_connections=CLIENT_THREADS,
            read_timeout=EXECUTION_TIMEOUT,
        ),
    )


def pass_chain(length: int = 10) -> dict[str, Any]:
    states: dict[str, Any] = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(length - 1)}
    states[f"S{length - 1}"] = {"Type": "Pass", "End": True}
    return {"StartAt": "S0", "States": states}


def task_machine(function_arn: str) -> dict[str, Any]:
    return {
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Pass", "Result": {"order": "o-1", "amount": 12.5}, "Next": "Call"},
            "Call": {"Type": "Task", "Resource": function_arn, "Next": "Done"},
            "Done": {"Type": "Pass", "End": True},
        },
    }


def parent_machine(child_arn: str) -> dict[str, Any]:
    """One Task running the child to its end (.sync:2: its Output as JSON)."""
    return {
        "StartAt": "Child",
        "States": {
            "Child": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {"StateMachineArn": child_arn, "Input.$": "$"},
                "ResultSelector": {"out.$": "$.Output"},
                "End": True,
            }
        },
    }


def _moto_function(stack: Stack) -> str:
    """A Lambda function in moto (its Docker-free backend echoes the payload)."""
    iam = client(stack, "iam")
    with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
        iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"}))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("echo.py", "def handler(event, context):\n    return event\n")
    answer = client(stack, "lambda").create_function(
        FunctionName="echo",
        Runtime="python3.12",
        Role=ROLE,
        Handler="echo.handler",
        Code={"ZipFile": archive.getvalue()},
    )
    return str(answer["FunctionArn"])


def function_arn(stack: Stack) -> str:
    if stack.kind == "moto":
        return _moto_function(stack)
    # settings.STEPBRIDGE_FUNCTIONS registers `echo`; a Lambda ARN naming it calls it.
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:echo"


def create_machine(stack: Stack, name: str, definition: dict[str, Any], kind: str = "STANDARD") -> str:
    answer = client(stack, "stepfunctions").create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=ROLE, type=kind
    )
    return str(answer["stateMachineArn"])


def states_entered(stack: Stack, execution_arn: str) -> int:
    sfn = client(stack, "stepfunctions")
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
    for _ in range(100):  # bounded paging
        page = sfn.get_execution_history(**kwargs)
        events.extend(page["events"])
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    return sum(1 for event in events if event["type"].endswith("StateEntered"))


# ---------------------------------------------------------------- measuring


@dataclass
class Run:
    stack: str
    workload: str
    unit: str
    done: int = 0
    failed: int = 0
    timed_out: int = 0
    errors: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    server_cpu: float = 0.0  # CPU seconds of the stack's processes during the run
    services_cpu: float | None = None  # PostgreSQL's and Redis's CPU seconds meanwhile (distributed)
    transitions_each: int = 0
    latencies: list[float] = field(default_factory=list)
    load: tuple[float, float] = (0.0, 0.0)
    note: str = ""

    def count(self, status: str, elapsed: float) -> None:
        """Tally one execution by how it ended (still RUNNING: it timed out for the client)."""
        if status == "SUCCEEDED":
            self.done += 1
            self.latencies.append(elapsed)
        elif status == "RUNNING":
            self.timed_out += 1
        else:
            self.failed += 1

    @property
    def server_ms(self) -> float:
        """Server CPU per unit: steadier than rates on a shared machine, since waits cost none."""
        return 1000 * self.server_cpu / self.done if self.done else float("nan")

    @property
    def services_ms(self) -> str:
        """PostgreSQL's and Redis's CPU per unit: on the same two cores, they compete with the server."""
        if self.services_cpu is None or not self.done:
            return "—"
        return f"{1000 * self.services_cpu / self.done:.1f}"

    @property
    def rate(self) -> float:
        return self.done / self.wall if self.wall else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def _with_children(pids: list[int]) -> list[int]:
    """These processes and their children (distributed `serve` answers from child processes)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    found = list(pids)
    for pid in found:
        found.extend(child for child, parent in parents.items() if parent == pid and child not in found)
    return found


def _process_cpu(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far (Linux /proc)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _services_cpu() -> float:
    """User + system CPU seconds of every PostgreSQL and Redis process so far, with the
    postmaster's exited children (Linux /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            text = stat.read_text()
            name = text[text.index("(") + 1 : text.rindex(")")]
            if name in ("postgres", "redis-server"):
                fields = text.rsplit(")", 1)[1].split()
                total += sum(int(value) for value in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def _measure(
    stack: Stack, run: Run, body: Callable[[int, float], None], seconds: float, threads: int = 0
) -> Run:
    """Run ``body(thread_index, stop_at)`` on the client threads; wall and CPU cover all of them.

    With a probe (distributed mode), PostgreSQL's open connections are sampled meanwhile: the
    count must stay flat however many requests come, not grow per request thread.
    """
    run.load = (os.getloadavg()[0], 0.0)
    finished = threading.Event()
    seen: list[int] = []

    def watch() -> None:
        while stack.probe is not None and not finished.wait(0.5):
            seen.append(stack.probe())

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    server_before = _process_cpu(stack.pids)
    services_before = _services_cpu()
    stop_at = time.monotonic() + seconds
    workers = [
        threading.Thread(target=body, args=(index, stop_at)) for index in range(threads or CLIENT_THREADS)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(seconds + EXECUTION_TIMEOUT + 60)
    after = resource.getrusage(resource.RUSAGE_SELF)
    run.server_cpu = _process_cpu(stack.pids) - server_before
    if stack.probe is not None:  # distributed mode: PostgreSQL and Redis work for the server
        run.services_cpu = _services_cpu() - services_before
    run.wall = time.perf_counter() - started
    run.cpu = (after.ru_utime - usage.ru_utime + after.ru_stime - usage.ru_stime) / run.wall
    run.load = (run.load[0], os.getloadavg()[0])
    finished.set()
    watcher.join(10)
    if seen:
        run.note = f"PostgreSQL connections during the run: {min(seen)}-{max(seen)}. " + run.note
    return run


def _failed_call(run: Run, lock: threading.Lock, exc: Exception) -> None:
    """A call that raised counts as an error; the first one is kept for the table's note."""
    with lock:
        run.errors += 1
        run.note = run.note or f"first error: {exc}"
    time.sleep(0.05)  # a refusing server is not hammered in a tight loop


def executions(stack: Stack, workload: str, machine_arn: str, payload: Any, seconds: float) -> Run:
    """8 threads: StartExecution, then DescribeExecution until the execution ends; repeat."""
    run = Run(stack.name, workload, "executions")
    clients = [client(stack, "stepfunctions") for _ in range(CLIENT_THREADS)]
    lock = threading.Lock()
    text = json.dumps(payload)

    def body(index: int, stop_at: float) -> None:
        sfn = clients[index]
        while time.monotonic() < stop_at:
            _one_execution(sfn, machine_arn, text, time.perf_counter(), run, lock)

    return _measure(stack, run, body, seconds)


def _one_execution(
    sfn: Any, machine_arn: str, text: str, began: float, run: Run, lock: threading.Lock
) -> None:
    """StartExecution, then DescribeExecution until it ends; counted in ``run`` with its latency
    from ``began`` (the call's start, or its scheduled time for a fixed rate)."""
    try:
        # A name of our own: moto's server names every unnamed execution "None".
        started = sfn.start_execution(stateMachineArn=machine_arn, name=uuid.uuid4().hex, input=text)
        arn = started["executionArn"]
        status = "RUNNING"
        while status == "RUNNING" and time.perf_counter() - began < EXECUTION_TIMEOUT:
            status = sfn.describe_execution(executionArn=arn)["status"]
            if status == "RUNNING":
                time.sleep(POLL_INTERVAL)
    except Exception as exc:
        _failed_call(run, lock, exc)
        return
    with lock:
        run.count(status, time.perf_counter() - began)


def fixed_rate(stack: Stack, machine_arn: str, seconds: float) -> Run:
    """Executions started on a fixed schedule of ``FIXED_RATE`` per second (open loop), each
    polled to its end by whichever client thread took its slot.

    Latency counts from the slot's scheduled time, not from when a thread got to it, so a
    server that falls behind shows it in p99 instead of silently slowing the schedule
    ("coordinated omission"). The threads are many more than the rate needs at the goal's
    latency, so they are not what limits it.
    """
    run = Run(stack.name, FIXED_RATE_WORKLOAD, "executions")
    threads = FIXED_RATE_THREADS
    clients = [client(stack, "stepfunctions") for _ in range(threads)]
    lock = threading.Lock()
    slots = iter(range(10**9))
    started_at = time.perf_counter()

    def body(index: int, stop_at: float) -> None:
        sfn = clients[index]
        while True:
            with lock:
                slot = next(slots)
            scheduled = started_at + slot / FIXED_RATE
            if scheduled - started_at >= seconds:
                return
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            _one_execution(sfn, machine_arn, "{}", scheduled, run, lock)

    return _measure(stack, run, body, seconds, threads=threads)


ACTIVITY_WORKLOAD = "(e) 1 state, activity worker answers"


def activity_machine(activity_arn: str) -> dict[str, Any]:
    return {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": activity_arn, "End": True}}}


def _activity_round(
    sfn: Any, machine_arn: str, activity_arn: str, worker: str, payload: str
) -> tuple[str, str]:
    """Start one execution, take one activity task and answer it, wait for our execution's end."""
    began = time.perf_counter()
    arn = sfn.start_execution(stateMachineArn=machine_arn, name=uuid.uuid4().hex, input=payload)[
        "executionArn"
    ]
    task = sfn.get_activity_task(activityArn=activity_arn, workerName=worker)
    if task.get("taskToken"):
        sfn.send_task_success(taskToken=task["taskToken"], output=task["input"])
    answer = sfn.describe_execution(executionArn=arn)
    while answer["status"] == "RUNNING" and time.perf_counter() - began < EXECUTION_TIMEOUT:
        time.sleep(POLL_INTERVAL)
        answer = sfn.describe_execution(executionArn=arn)
    return arn, answer["status"]


def activity_workers(stack: Stack, machine_arn: str, activity_arn: str, seconds: float) -> Run:
    run = Run(stack.name, ACTIVITY_WORKLOAD, "executions")
    clients = [client(stack, "stepfunctions") for _ in range(CLIENT_THREADS)]
    lock = threading.Lock()

    def body(index: int, stop_at: float) -> None:
        sfn = clients[index]
        while time.monotonic() < stop_at:
            began = time.perf_counter()
            try:
                _, status = _activity_round(sfn, machine_arn, activity_arn, f"w{index}", '{"n": 1}')
            except Exception as exc:
                _failed_call(run, lock, exc)
                continue
            with lock:
                run.count(status, time.perf_counter() - began)

    return _measure(stack, run, body, seconds)


def put_events(stack: Stack, seconds: float) -> Run:
    """8 threads of PutEvents, 10 entries each, every entry matching one of the 300 rules."""
    run = Run(stack.name, "(c) PutEvents x10, 300 rules -> Express", "entries")
    clients = [client(stack, "events") for _ in range(CLIENT_THREADS)]
    lock = threading.Lock()

    def body(index: int, stop_at: float) -> None:
        events = clients[index]
        sent = index * 37
        while time.monotonic() < stop_at:
            entries = [
                {
                    "Source": "bench",
                    "DetailType": "tick",
                    "Detail": json.dumps({"n": (sent + k) % RULES}),
                    "EventBusName": "bench",
                }
                for k in range(ENTRIES_PER_CALL)
            ]
            sent += ENTRIES_PER_CALL
            began = time.perf_counter()
            try:
                answer = events.put_events(Entries=entries)
            except Exception as exc:
                _failed_call(run, lock, exc)
                continue
            elapsed = time.perf_counter() - began
            with lock:
                run.failed += answer.get("FailedEntryCount", 0)
                run.done += ENTRIES_PER_CALL - answer.get("FailedEntryCount", 0)
                run.latencies.append(elapsed)

    return _measure(stack, run, body, seconds)


def prepare_bus(stack: Stack, machine_arn: str) -> None:
    """300 rules on one bus, rule n matching detail.n == n, each targeting the Express machine.

    moto's PutEvents fails with NotImplementedError on a state machine target, so there the
    rules target an SQS queue, the nearest target moto delivers to.
    """
    if stack.kind == "moto":
        machine_arn = client(stack, "sqs").create_queue(QueueName="bench")["QueueUrl"].rsplit("/", 1)[-1]
        machine_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{machine_arn}"
    events = client(stack, "events")
    events.create_event_bus(Name="bench")
    for n in range(RULES):
        events.put_rule(
            Name=f"r{n}",
            EventBusName="bench",
            EventPattern=json.dumps({"source": ["bench"], "detail": {"n": [n]}}),
        )
        events.put_targets(
            Rule=f"r{n}", EventBusName="bench", Targets=[{"Id": "x", "Arn": machine_arn, "RoleArn": ROLE}]
        )


def _check(stack: Stack, machine_arn: str, payload: Any, expected_output: Any, transitions: int) -> None:
    """One execution end to end before timing: right output, right number of states entered."""
    sfn = client(stack, "stepfunctions")
    arn = sfn.start_execution(stateMachineArn=machine_arn, name="check", input=json.dumps(payload))[
        "executionArn"
    ]
    deadline = time.monotonic() + EXECUTION_TIMEOUT
    answer = sfn.describe_execution(executionArn=arn)
    while answer["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.05)
        answer = sfn.describe_execution(executionArn=arn)
    if answer["status"] != "SUCCEEDED" or json.loads(answer.get("output", "null")) != expected_output:
        ended = {key: answer.get(key) for key in ("status", "error", "cause", "output")}
        raise RuntimeError(f"{stack.name}: check execution ended {ended}")
    entered = states_entered(stack, arn)
    if entered != transitions:
        raise RuntimeError(f"{stack.name}: {entered} states entered, expected {transitions}")


NESTED = "(f) child execution, startExecution.sync:2 on 3 Pass states"


def _nested(stack: Stack, seconds: float, profiler: Profiler | None, order: Any) -> Run:
    try:
        child = create_machine(stack, "child", pass_chain(3))
        parent = create_machine(stack, "parent", parent_machine(child))
        _check(stack, parent, order, {"out": order}, 1)
    except Exception as exc:
        return Run(stack.name, NESTED, "executions", note=f"cannot run: {exc}"[:300])
    with _profiled(profiler, stack, "f-nested", seconds):
        run = executions(stack, NESTED, parent, order, seconds)
    run.transitions_each = 4
    return run


def bench_stack(
    stack: Stack, seconds: float, profiler: Profiler | None, workloads: str = "abcdef"
) -> list[Run]:
    runs: list[Run] = []
    order = {"order": {"id": "o-1", "amount": 12.5}}
    real = stack.kind != "null"  # the null server keeps nothing: there is nothing to check

    if "a" in workloads:
        chain = create_machine(stack, "chain", pass_chain())
        if real:
            _check(stack, chain, order, order, 10)
        with _profiled(profiler, stack, "a-pass-chain", seconds):
            run = executions(stack, "(a) 10-state Pass chain, Standard", chain, order, seconds)
        run.transitions_each = 10 if real else 0
        runs.append(run)

    if "b" in workloads or "d" in workloads:
        try:
            task = create_machine(stack, "task", task_machine(function_arn(stack)))
            if real:
                _check(stack, task, {}, {"order": "o-1", "amount": 12.5}, 3)
        except Exception as exc:
            for workload in ("(b) 3 states, Task calls a function", FIXED_RATE_WORKLOAD):
                runs.append(Run(stack.name, workload, "executions", note=f"cannot run: {exc}"))
        else:
            if "b" in workloads:
                with _profiled(profiler, stack, "b-task", seconds):
                    run = executions(stack, "(b) 3 states, Task calls a function", task, {}, seconds)
                run.transitions_each = 3 if real else 0
                runs.append(run)
            if "d" in workloads:
                with _profiled(profiler, stack, "d-fixed-rate", seconds):
                    run = fixed_rate(stack, task, seconds)
                run.transitions_each = 3 if real else 0
                runs.append(run)

    if "c" in workloads:
        express = create_machine(
            stack, "express", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, "EXPRESS"
        )
        if real:
            prepare_bus(stack, express)
        with _profiled(profiler, stack, "c-put-events", seconds):
            run = put_events(stack, seconds)
        run.transitions_each = 1 if stack.kind == "workbench" else 0  # the Express machine has one state
        if stack.kind == "moto":
            run.note += "; " if run.note else ""
            run.note += "moto cannot start an execution from a rule; its rules target an SQS queue"
        runs.append(run)

    if "e" in workloads:
        runs.append(bench_activity(stack, seconds, profiler))

    if "f" in workloads and real:
        runs.append(_nested(stack, seconds, profiler, order))
    return runs


def bench_activity(stack: Stack, seconds: float, profiler: Profiler | None) -> Run:
    """Workload (e), after one checked execution; "n/a" with the reason where the stack cannot
    run it (moto's server: no GetActivityTask)."""
    try:
        sfn = client(stack, "stepfunctions")
        activity_arn = sfn.create_activity(name="bench")["activityArn"]
        worked = create_machine(stack, "activity", activity_machine(activity_arn))
        arn, status = _activity_round(sfn, worked, activity_arn, "check", '{"n": 1}')
        # The null server keeps nothing: there is no history to check.
        if stack.kind != "null" and (status != "SUCCEEDED" or states_entered(stack, arn) != 1):
            raise RuntimeError(f"the check execution ended {status}")
    except Exception as exc:
        # The first line, without an HTML error page (moto's server answers GetActivityTask so).
        reason = str(exc).splitlines()[0].split(" <", 1)[0] if str(exc) else type(exc).__name__
        return Run(stack.name, ACTIVITY_WORKLOAD, "executions", note=f"n/a: {reason}")
    with _profiled(profiler, stack, "e-activity", seconds):
        run = activity_workers(stack, worked, activity_arn, seconds)
    run.transitions_each = 1
    return run


# ---------------------------------------------------------------- profiling


@dataclass
class Profiler:
    directory: Path
    gil_only: bool = False


@contextlib.contextmanager
def _profiled(profiler: Profiler | None, stack: Stack, label: str, seconds: float) -> Iterator[None]:
    if profiler is None or stack.kind != "workbench":
        yield
        return
    samplers = []
    for pid in stack.pids:
        out = profiler.directory / f"{stack.name}-{label}-{pid}.txt"
        samplers.append(
            (
                out,
                subprocess.Popen(
                    [
                        str(BIN / "py-spy"),
                        "record",
                        "-p",
                        str(pid),
                        "-d",
                        str(int(seconds)),
                        "-r",
                        os.environ.get("BENCH_PYSPY_RATE", "50"),
                        "-f",
                        "raw",
                        "--nonblocking",
                        *(["--gil"] if profiler.gil_only else []),
                        "-o",
                        str(out),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                ),
            )
        )
    try:
        yield
    finally:
        for out, sampler in samplers:
            try:
                sampler.wait(timeout=seconds + 30)
            except subprocess.TimeoutExpired:
                sampler.kill()
            if out.exists():
                print(f"\nprofile {out.name}:\n{shares(out)}")


def shares(raw: Path, top: int = 15) -> str:
    """Top inclusive and leaf shares of a py-spy raw (folded) profile; idle threads left out."""
    inclusive: collections.Counter[str] = collections.Counter()
    leaf: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [
            frame.split(" (")[0] + " " + frame.rsplit("/", 1)[-1].split(":")[0].rstrip(")")
            for frame in stack.split(";")
        ]
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        leaf[frames[-1]] += count
    lines = [f"{total} samples; inclusive:"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    lines.append("leaf:")
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in leaf.most_common(top)]
    return "\n".join(lines)


# ---------------------------------------------------------------- report


SINGULAR = {"executions": "execution", "entries": "entry"}


def table(runs: list[Run]) -> str:
    by_workload: dict[str, list[Run]] = collections.defaultdict(list)
    for run in runs:
        by_workload[run.workload].append(run)
    out = []
    for workload, group in by_workload.items():
        moto_rate = next((r.rate for r in group if r.stack == "moto" and r.done), 0.0)
        unit = group[0].unit
        out.append(f"\n### {workload}\n")
        out.append(
            f"| stack | {unit}/s | transitions/s | p50 ms | p99 ms | done / failed / timed out / errors "
            f"| client CPU | server CPU ms per {SINGULAR[unit]} | PostgreSQL + Redis CPU ms per "
            f"{SINGULAR[unit]} | load 1m before→after | vs moto |"
        )
        out.append("|---|---:|---:|---:|---:|---|---:|---:|---:|---|---:|")
        for run in group:
            if run.note and not run.wall:
                na = "n/a" if run.stack == "moto" and run.note.startswith("cannot run") else ""
                out.append(f"| {run.stack} | — | — | — | — | {run.note} | | | | | {na} |")
                continue
            moto_cannot = any(r.stack == "moto" and r.note.startswith("cannot run") for r in group)
            ratio = f"{run.rate / moto_rate:.2f}x" if moto_rate else ("n/a" if moto_cannot else "—")
            if workload == FIXED_RATE_WORKLOAD:
                ratio = "— (fixed rate: see p99)"
            out.append(
                f"| {run.stack} | {run.rate:.1f} | {run.rate * run.transitions_each:.1f} | "
                f"{run.percentile(0.50):.1f} | {run.percentile(0.99):.1f} | "
                f"{run.done} / {run.failed} / {run.timed_out} / {run.errors} | {100 * run.cpu:.0f}% | "
                f"{run.server_ms:.1f} | {run.services_ms} | "
                f"{run.load[0]:.2f}→{run.load[1]:.2f} | {ratio} |"
            )
        notes = [f"{r.stack}: {r.note}" for r in group if r.note and r.wall]
        out.extend(f"\n{note}" for note in notes)
    return "\n".join(out)


def main() -> None:
    global CLIENT_THREADS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 s per run instead of 20")
    parser.add_argument("--seconds", type=float, help="length of each timed run")
    parser.add_argument(
        "--stacks",
        default="embedded,distributed-1,distributed-2,moto,null",
        help="comma-separated subset of embedded, distributed-1, distributed-2, moto, null "
        "(null: a server that does nothing, the client's own ceiling on this machine)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/stepbridge_bench"),
        help="PostgreSQL database for distributed mode; DROPPED and re-created",
    )
    parser.add_argument(
        "--broker-url", default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
    )
    parser.add_argument(
        "--channel-url", default=os.environ.get("BENCH_CHANNEL_URL", "redis://127.0.0.1:6379/15")
    )
    parser.add_argument("--workloads", default="abcdef", help="which workloads to run: letters of a to f")
    parser.add_argument("--threads", type=int, default=CLIENT_THREADS, help="client threads (default 8)")
    parser.add_argument("--profile", type=Path, help="directory for py-spy profiles of the workbench")
    parser.add_argument(
        "--profile-gil", action="store_true", help="with --profile: sample only the thread holding the GIL"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    seconds = args.seconds or (4.0 if args.quick else 20.0)
    profiler = None
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        profiler = Profiler(args.profile, gil_only=args.profile_gil)

    work = Path(tempfile.mkdtemp(prefix="stepbridge-bench-"))
    runs: list[Run] = []
    stacks: dict[str, Callable[[Path], contextlib.AbstractContextManager[Stack]]] = {
        "embedded": embedded,
        "distributed-1": lambda path: distributed(path, args, 1),
        "distributed-2": lambda path: distributed(path, args, 2),
        "moto": moto,
        "null": null,
    }
    CLIENT_THREADS = args.threads
    print(f"{os.cpu_count()} CPUs, {CLIENT_THREADS} client threads, {seconds:g} s per run, work dir {work}")
    try:
        for name in args.stacks.split(","):
            directory = work / name
            directory.mkdir()
            with stacks[name](directory) as stack:
                print(f"{name}: serving at {stack.url}, pids {stack.pids}", flush=True)
                runs.extend(bench_stack(stack, seconds, profiler, args.workloads))
    except BaseException:
        print(f"stopped; the stacks' logs are kept in {work}", file=sys.stderr)
        raise
    else:
        shutil.rmtree(work, ignore_errors=True)
    finally:
        print(table(runs))
        if args.json:
            figures = [run.__dict__ | {"rate": run.rate, "server_ms": run.server_ms} for run in runs]
            args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
