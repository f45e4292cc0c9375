"""Faults under load: two web servers and two workers on PostgreSQL + Redis, driven by wrk, one of each
killed with SIGKILL half-way; then every submission, warning and SMS is checked to have happened once.

`.venv/bin/python bench/bench_loadkill.py [--seconds 60] [--connections 4] [--restart-after 10]
[--assignments 200] [--grids 20] [--drain 150] [--orphans kill|keep] [--sink-delay 0.05] [--logs DIR]
[--format text|json]`

- a scratch database `bench_loadkill` on `--postgres` (default postgres://postgres@127.0.0.1:5432), dropped at the
  end, migrated, with a demo city of `--grids` grids; Redis db `--redis-db` (default 13, flushed before and after)
  as CACHE_URL; an HTTP SMS sink in this process (the "http" gateway of notify.sms points at it) counting every
  request by its Idempotency-Key, answering after `--sink-delay` (50 ms); staff SMS notices go through the same
  outbox (SmsOutboxBackend);
- `--assignments` tickets registered, accepted and dispatched through the services before the run; when the load
  starts their assignments' yellow, red and overdue times are moved into the run (spread over its first 90 %),
  so the workers issue 3 warnings each, red and overdue ones with staff SMS, while under load;
- 2 × `civicgrid serve --workers 2` and 2 × `civicgrid worker --interval 1`, the portal's rate limits raised for
  the run through CIVICGRID_PORTAL_LIMITS (configuration, no code changed);
- one wrk per server (`--connections` threads, one connection each, so a thread's Lua state is one resident's
  browser) for `--seconds`: GET /submit/ (the form: CSRF cookie and token), POST /submit/ (unique phone and
  content), GET /submit/receipt/ (the acknowledged ticket number, logged per thread), and again; two reads a write;
- at `--kill-at` seconds (default half-way) SIGKILL to the first server's gunicorn master and to the first worker;
  both are started again `--restart-after` seconds later (0: never). The master's sync workers, orphaned, keep
  serving while connections wait (gunicorn checks for its parent only when idle); at the restart they are killed
  first, as systemd does with its default KillMode=control-group (`--orphans keep` leaves them: the new master then
  cannot bind while they hold the port, and gunicorn gives up after 5 tries). /healthz is polled on both ports
  every 0.25 s to measure the interval each port refused connections;
- after the load, `--drain` seconds at most (150) for the workers to finish (what the killed worker held is taken
  again when its claim runs out: 60 s for an SMS, 2 min for a notification), then every process is stopped and the checks run:
  every acknowledged number stored once, no two tickets with one phone or one content; every warning (assignment ×
  level) issued once, no notification twice; every SMS key seen by the sink once (a repeat of a message whose
  first attempt died with the worker is the gateway-deduplicated retry notify.sms is built for, counted apart);
  no 5xx outside the interval a process was down.

Prints requests/s, latency p50/p99 per server (wrk's, all three steps together), errors by kind, the checks, and
the load average (`uptime`) before and after. `--format json` prints only the JSON on stdout.
Processes and the database are cleaned up on failure and Ctrl+C; the machine's load decides the figures.
"""

import argparse
import collections
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

WRK = "/usr/bin/wrk"
PHONE_HEADS = ("1991", "1992")  # one per server: 1991 + thread (2 digits) + sequence (5 digits) = 11 digits
SEED_PHONE = "198"
SLACK = 2  # seconds around a down interval in which a 5xx is excused (wrk's log has whole seconds)
# Long enough for what a killed worker held to be taken again: a notification's lease (notify.services.LEASE,
# 2 min) and an SMS claim (notify.sms, max(60 s, 3 × the gateway timeout)).
DRAIN = 150

LUA = r"""
-- Written by bench_loadkill.py. One connection per thread: a thread's state is one browser's.
local count = 0
function setup(thread)
  count = count + 1
  thread:set("tid", count)
end

function init(args)
  dir, label, head = os.getenv("LOADKILL_DIR"), os.getenv("LOADKILL_LABEL"), os.getenv("LOADKILL_PHONE")
  out = io.open(string.format("%s/log-%s-%02d.txt", dir, label, tid), "w")
  out:setvbuf("line")
  step, n = "form", 0
end

local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function cookies()
  local parts = {}
  if csrf then parts[#parts + 1] = "csrftoken=" .. csrf end
  if session then parts[#parts + 1] = "sessionid=" .. session end
  if #parts == 0 then return {} end
  return {["Cookie"] = table.concat(parts, "; ")}
end

local function phone()
  return string.format("%s%02d%05d", head, tid, n)
end

function request()
  if step == "post" then
    n = n + 1
    local content = string.format("压测诉求%s-%d-%d：小区门口路灯不亮，晚上出行很不方便，请尽快维修。", label, tid, n)
    local body = "csrfmiddlewaretoken=" .. urlencode(token) .. "&request_type=QZ&content=" .. urlencode(content)
      .. "&address=" .. urlencode("幸福小区3号楼门口") .. "&requester_name=" .. urlencode("李四")
      .. "&requester_phone=" .. phone()
    local headers = cookies()
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", "/submit/", headers, body)
  elseif step == "receipt" then
    return wrk.format("GET", "/submit/receipt/", cookies())
  end
  return wrk.format("GET", "/submit/", cookies())
end

function response(status, headers, body)
  local set = headers["Set-Cookie"] or headers["set-cookie"] or ""
  csrf = set:match("csrftoken=([^;]+)") or csrf
  session = set:match("sessionid=([^;]+)") or session
  local was, note = step, "-"
  if step == "form" then
    token = body:match('name="csrfmiddlewaretoken" value="([^"]+)"')
    if status == 200 and token and csrf then step = "post" end
  elseif step == "post" then
    note = phone()
    if status == 200 then
      local why = body:match('invalid%-feedback[^>]*>%s*([^<]-)%s*<') or "?"
      note = note .. " " .. why:gsub("%s+", "")
    end
    -- 302: stored, now read the receipt; anything else (form error, 403, 429, 5xx): start from the form.
    if status == 302 then step = "receipt" else step = "form" end
  else
    note = body:match('class="number my%-2">%s*([^<%s]+)') or "-"
    step = "form"
  end
  out:write(string.format("%d %s %d %s\n", os.time(), was, status, note))
end

function done(summary, latency, requests)
  local f = io.open(string.format("%s/summary-%s.json", os.getenv("LOADKILL_DIR"), os.getenv("LOADKILL_LABEL")), "w")
  local e = summary.errors
  f:write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, '
    .. '"timeout": %d}, "latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
  f:close()
end
"""


# ---------------------------------------------------------------- pure helpers (tests/bench/test_loadkill.py)


def parse_log_line(line: str) -> tuple[int, str, int, str] | None:
    """One line of a wrk thread's log: (epoch second, step, status, note); None for a torn line."""
    parts = line.rstrip("\n").split(" ", 3)
    if len(parts) < 3 or not parts[0].isdigit() or not parts[2].isdigit():
        return None
    return int(parts[0]), parts[1], int(parts[2]), parts[3] if len(parts) > 3 else "-"


def read_logs(lines) -> dict:
    """What the wrk threads saw: counts by step and status, acknowledged numbers, phones posted,
    form errors by message and the seconds at which a 5xx came."""
    steps: collections.Counter = collections.Counter()
    acks, posted, errors, fives = [], [], collections.Counter(), []
    for line in lines:
        parsed = parse_log_line(line)
        if parsed is None:
            continue
        at, step, status, note = parsed
        steps[f"{step} {status}"] += 1
        if status >= 500:
            fives.append(at)
        if step == "post":
            posted.append(note.split(" ", 1)[0])
            if status == 200:
                errors[note.split(" ", 1)[1] if " " in note else "?"] += 1
        elif step == "receipt" and status == 200 and note != "-":
            acks.append(note)
    return {"steps": dict(sorted(steps.items())), "acks": acks, "posted": posted, "form_errors": dict(errors),
            "five_xx_at": fives}  # fmt: skip


def repeated(items) -> dict:
    """Items that occur more than once, with their counts."""
    return {item: n for item, n in collections.Counter(items).items() if n > 1}


def down_intervals(samples: list[tuple[float, str]]) -> list[tuple[float, float]]:
    """Runs of refused /healthz polls as (first refused, first answered again) intervals; a run still going at
    the last sample ends there. Timeouts under load are not counted as down: the server is there, only slow."""
    intervals, start = [], None
    for at, outcome in samples:
        if outcome == "refused":
            start = at if start is None else start
        elif start is not None and outcome != "timeout":
            intervals.append((start, at))
            start = None
    if start is not None:
        intervals.append((start, samples[-1][0]))
    return intervals


def outside(times: list[int], windows: list[tuple[float, float]], slack: float = SLACK) -> list[int]:
    """The times that fall in none of the windows (each widened by `slack` seconds)."""
    return [t for t in times if not any(a - slack <= t <= b + slack for a, b in windows)]


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


# ---------------------------------------------------------------- processes


class Sink(http.server.BaseHTTPRequestHandler):
    """The SMS gateway: acknowledges every request, remembering its idempotency key and when it came."""

    seen: list[tuple[str, float]] = []
    delay = 0.0
    lock = threading.Lock()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        key = self.headers.get("Idempotency-Key") or json.loads(body or b"{}").get("out_id", "")
        time.sleep(self.delay)  # a real gateway's answer takes this long: a kill may land mid-send
        with self.lock:
            self.seen.append((key, time.time()))
            number = len(self.seen)
        answer = json.dumps({"message_id": f"sink-{number}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """Every process this bench starts, each in its own session, so a group kill reaches a killed master's
    orphaned workers too; stopped (TERM, then KILL) whatever happens."""

    def __init__(self, root: Path, env: dict, logs: Path):
        self.root, self.env, self.logs = root, env, logs
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, *args: str, extra_env: dict | None = None) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 (the process writes it until it ends)
        process = subprocess.Popen(
            args if args[0] == WRK else [sys.executable, "-m", "civicgrid", *args],
            cwd=self.root,
            env={**self.env, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 15
        for process in self.started:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            try:  # the group: a master killed earlier leaves its workers in it
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                pass


def poll_health(port: int) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return "ok" if response.status == 200 else f"http{response.status}"
    except urllib.error.HTTPError as error:
        return f"http{error.code}"
    except TimeoutError:
        return "timeout"
    except OSError as error:
        return "timeout" if "timed out" in str(error) else "refused"


class HealthWatch(threading.Thread):
    def __init__(self, port: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.stop, self.samples = port, stop, []

    def run(self):
        while not self.stop.is_set():
            at = time.time()
            self.samples.append((at, poll_health(self.port)))
            self.stop.wait(max(0.0, 0.25 - (time.time() - at)))


def wait_healthy(port: int, seconds: float = 90) -> float:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if poll_health(port) == "ok":
            return time.time()
        time.sleep(0.2)
    raise RuntimeError(f"server on port {port} not healthy after {seconds:.0f} s")


def first_pass_after(log: Path, offset: int, seconds: float = 60) -> float | None:
    """When a restarted worker's first pass line (「黄色预警 …」) appears in its log after `offset` bytes."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        with open(log, "rb") as f:
            f.seek(offset)
            if "黄色预警".encode() in f.read():
                return time.time()
        time.sleep(0.2)
    return None


# ---------------------------------------------------------------- the run


def seed(count: int, log) -> list[int]:
    """`count` dispatched tickets (their lead assignments' ids); deadlines are moved into the run later."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from civicgrid.demo.city import build_city
    from civicgrid.intake import services
    from civicgrid.registry.models import Place
    from civicgrid.routing.models import Category
    from civicgrid.tickets.models import Assignment

    call_command("migrate", verbosity=0)
    build_city(seed=1, grids=args.grids, log=lambda msg: None)
    log(f"migrated, demo city of {args.grids} grids built")
    # The seed's receipts and dispatch SMS are left for the workers to send.
    settings.CIVICGRID_SMS_SEND_ON_COMMIT = False
    users = get_user_model().objects
    operator, dispatcher = users.get(username="operator1"), users.get(username="dispatcher1")
    places = list(Place.objects.exclude(grid=None).order_by("pk"))
    leaves = [c for c in Category.objects.filter(version="2026.1").order_by("pk") if not c.children.exists()]
    now = timezone.now()
    for i in range(count):
        place, category = places[i % len(places)], leaves[(i * 7) % len(leaves)]
        ticket = services.ticket_intake(
            actor=operator,
            channel="phone",
            request_type="QZ",
            title=f"{place.name}{category.name}",
            content=f"{place.name}{category.name}问题，请处理（预警 {i}）。",
            requester_name="王五",
            requester_phone=f"{SEED_PHONE}{i:08d}",
            lat=place.lat,
            lon=place.lon,
            at=now,
        )
        services.ticket_accept(ticket=ticket, actor=operator, category=category, at=now)
        services.ticket_dispatch(ticket=ticket, actor=dispatcher, at=now)
    ids = list(
        Assignment.objects.filter(
            ticket__requester_phone__startswith=SEED_PHONE, state__in=Assignment.ACTIVE_STATES
        ).values_list("pk", flat=True)
    )
    log(f"{count} tickets dispatched, {len(ids)} open assignments")
    return ids


def move_deadlines(ids: list[int], start: float, seconds: float) -> None:
    """Yellow, red and overdue of every seeded assignment inside the run: yellow over its first 60 %, red 15 %
    and overdue 30 % of the run after it."""
    from datetime import UTC, datetime

    from civicgrid.tickets.models import Assignment

    rows = list(Assignment.objects.filter(pk__in=ids).order_by("pk"))
    for i, row in enumerate(rows):
        yellow = datetime.fromtimestamp(start + 2 + 0.6 * seconds * i / max(1, len(rows)), UTC)
        row.yellow_at = yellow
        row.red_at = yellow + timedelta(seconds=0.15 * seconds)
        row.due_at = yellow + timedelta(seconds=0.3 * seconds)
    Assignment.objects.bulk_update(rows, ["yellow_at", "red_at", "due_at"])


def check(ids: list[int], seen: list[tuple[str, float]], logs: dict, windows: list) -> dict:
    from django.db.models import Count

    from civicgrid.core.models import AuditEvent
    from civicgrid.notify.models import Notification, SmsMessage, SmsStatus
    from civicgrid.tickets.models import Event, EventAction, Ticket

    checks = {}
    # Submissions: by number, phone and content.
    acks = logs["acks"]
    loaded = Ticket.objects.filter(requester_phone__regex=rf"^({'|'.join(PHONE_HEADS)})")
    stored = set(loaded.values_list("number", flat=True))
    by_phone = {
        r["requester_phone"]: r["n"]
        for r in loaded.values("requester_phone").annotate(n=Count("id")).filter(n__gt=1)
    }
    by_content = {
        r["content"][:40]: r["n"] for r in loaded.values("content").annotate(n=Count("id")).filter(n__gt=1)
    }
    missing = sorted(set(acks) - stored)
    ack_twice = repeated(acks)
    checks["submissions"] = {
        "pass": not (missing or by_phone or by_content or ack_twice),
        "posted": len(logs["posted"]),
        "acknowledged": len(acks),
        "stored": len(stored),
        "stored_not_acknowledged": len(stored - set(acks)),
        # Answered by no response the client saw: in flight when wrk stopped, or cut off by a kill.
        "stored_without_response": len(
            set(loaded.values_list("requester_phone", flat=True)) - set(logs["posted"])
        ),
        "acknowledged_missing": missing[:20],
        "acknowledged_twice": ack_twice,
        "duplicate_phone": by_phone,
        "duplicate_content": by_content,
    }
    # Warnings: one event per assignment and level; one notification per recipient, ticket and kind.
    actions = [EventAction.WARNING_YELLOW, EventAction.WARNING_RED, EventAction.OVERDUE]
    events = Event.objects.filter(assignment_id__in=ids, action__in=actions)
    counts = collections.Counter(events.values_list("assignment_id", "action"))
    twice = {f"{a}:{action}": n for (a, action), n in counts.items() if n > 1}
    expected = {(a, action) for a in ids for action in actions}
    not_issued = sorted(f"{a}:{action}" for a, action in expected - set(counts))
    tickets = list(Event.objects.filter(assignment_id__in=ids).values_list("ticket_id", flat=True).distinct())
    notes = Notification.objects.filter(ticket_id__in=tickets, kind__startswith="sla_")
    notes_twice = {
        f"{r['recipient_id']}:{r['ticket_id']}:{r['kind']}": r["n"]
        for r in notes.values("recipient_id", "ticket_id", "kind").annotate(n=Count("id")).filter(n__gt=1)
    }
    checks["warnings"] = {
        "pass": not (twice or not_issued or notes_twice),
        "assignments": len(ids),
        "events": sum(counts.values()),
        "expected": len(expected),
        "issued_twice": twice,
        "not_issued": not_issued[:20],
        "not_issued_count": len(not_issued),
        "notifications": notes.count(),
        "notifications_twice": notes_twice,
        "notifications_undelivered": notes.exclude(channels=[]).filter(delivered_at=None).count(),
    }
    # SMS: the sink saw each key once; a repeat is a retry when the message's first attempt was cut off.
    sink = collections.Counter(key for key, _ in seen)
    again = {key: n for key, n in sink.items() if n > 1}
    attempts = dict(SmsMessage.objects.filter(key__in=list(again)).values_list("key", "attempts"))
    retried = {key: n for key, n in again.items() if attempts.get(key, 0) > 1}
    doubled = {key: n for key, n in again.items() if key not in retried}
    sent = set(SmsMessage.objects.filter(status=SmsStatus.SENT).values_list("key", flat=True))
    audit_twice = {
        r["target_id"]: r["n"]
        for r in AuditEvent.objects.filter(action="sms.sent")
        .values("target_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    }
    by_status = dict(SmsMessage.objects.values_list("status").annotate(n=Count("id")))
    checks["sms"] = {
        "pass": not (doubled or audit_twice or sent - set(sink)),
        "messages": sum(by_status.values()),
        "by_status": by_status,
        "sink_requests": sum(sink.values()),
        "sink_keys": len(sink),
        "repeated_keys_retry": retried,
        "repeated_keys_unexplained": doubled,
        "sent_not_seen_by_sink": sorted(sent - set(sink))[:20],
        "sent_audit_twice": audit_twice,
    }
    stray = outside(logs["five_xx_at"], windows)
    checks["no_5xx_outside_down"] = {
        "pass": not stray,
        "five_xx": len(logs["five_xx_at"]),
        "outside_down": len(stray),
        "first_outside": stray[:10],
    }
    return checks


def run(say) -> dict:
    from _setup import ROOT, django_setup

    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    os.environ.update(
        {
            "CACHE_URL": redis_url,
            "CIVICGRID_SMS_GATEWAY": "http",
            "CIVICGRID_SMS_HTTP_TIMEOUT": "5",
            "CIVICGRID_SMS_BACKEND": "civicgrid.notify.sms.SmsOutboxBackend",
            "CIVICGRID_PORTAL_LIMITS": "submit.address=10000000/3600,submit.phone=10000000/3600",
            "CIVICGRID_DB_CONN_MAX_AGE": "60",
            "CIVICGRID_LOG_LEVEL": "WARNING",
        }
    )
    import redis

    redis_db = redis.Redis.from_url(redis_url)
    redis_db.flushdb()
    try:
        return _run(say, ROOT, django_setup)
    finally:
        redis_db.flushdb()


def _run(say, root, django_setup) -> dict:
    Sink.delay = args.sink_delay
    sink = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    os.environ["CIVICGRID_SMS_HTTP_URL"] = f"http://127.0.0.1:{sink.server_address[1]}/sms"
    data_dir = django_setup("loadkill", postgres=args.postgres, data_dir=args.logs)
    out = Path(data_dir) / "loadkill"
    out.mkdir()
    started = time.monotonic()
    ids = seed(args.assignments, say)
    from django.db import connections

    connections.close_all()
    say(f"set-up: {time.monotonic() - started:.1f} s")

    procs = Processes(root, {**os.environ, "PYTHONPATH": str(root)}, out)
    try:
        ports = [free_port(), free_port()]
        servers = [procs.start(f"serve{i}", "serve", "--bind", f"127.0.0.1:{p}", "--workers", "2") for i, p in
                   enumerate(ports)]  # fmt: skip
        workers = [procs.start(f"worker{i}", "worker", "--interval", "1") for i in range(2)]
        for port in ports:
            wait_healthy(port)
        load_before = load()
        say(f"servers on {ports}, workers started; {load_before}")

        stop = threading.Event()
        watches = [HealthWatch(port, stop) for port in ports]
        start = time.time()
        move_deadlines(ids, start, args.seconds)
        connections.close_all()
        for watch in watches:
            watch.start()
        lua = out / "loadkill.lua"
        lua.write_text(LUA)
        n = args.connections
        command = [WRK, f"-t{n}", f"-c{n}", f"-d{args.seconds}s", "--timeout=10s", f"--script={lua}"]
        drivers = [
            procs.start(
                f"wrk{i}",
                *command,
                f"http://127.0.0.1:{port}",
                extra_env={
                    "LOADKILL_DIR": str(out),
                    "LOADKILL_LABEL": f"s{i}",
                    "LOADKILL_PHONE": PHONE_HEADS[i],
                },
            )
            for i, port in enumerate(ports)
        ]
        kill_at = args.kill_at if args.kill_at is not None else args.seconds / 2
        time.sleep(max(0.0, start + kill_at - time.time()))
        killed = time.time()
        os.kill(servers[0].pid, signal.SIGKILL)  # the master only: its workers live on, orphaned
        os.kill(workers[0].pid, signal.SIGKILL)
        say(f"t={killed - start:.1f} s: SIGKILL to serve master {servers[0].pid} and worker {workers[0].pid}")
        events = {"killed": killed - start}
        if args.restart_after > 0:
            time.sleep(max(0.0, killed + args.restart_after - time.time()))
            worker_log = out / "worker0.log"
            offset = worker_log.stat().st_size
            if args.orphans == "kill":  # as systemd does (KillMode=control-group) before Restart=always
                try:
                    os.killpg(servers[0].pid, signal.SIGKILL)
                    events["orphans_killed"] = time.time() - start
                except ProcessLookupError:
                    pass
            servers.append(
                procs.start("serve0", "serve", "--bind", f"127.0.0.1:{ports[0]}", "--workers", "2")
            )
            workers.append(procs.start("worker0", "worker", "--interval", "1"))
            events["restarted"] = time.time() - start
            passed = first_pass_after(worker_log, offset)
            events["worker_first_pass_done"] = passed - start if passed else None
            say(f"t={events['restarted']:.1f} s: both restarted")
        for driver in drivers:
            driver.wait(args.seconds + 60)
        ended = time.time()
        # A restarted server that could not bind (orphans still holding the port) has exited by now.
        events["serving_at_end"] = [s.pid for s in servers if s.poll() is None]
        events["exited"] = {s.pid: s.returncode for s in servers + workers if s.poll() is not None}
        stop.set()
        for watch in watches:
            watch.join()
        drained, left = drain(ended)
        load_after = load()
        say(f"load done; drained after {drained:.1f} s; {load_after}")
    finally:
        procs.stop_all()
        sink.shutdown()

    summaries = {f"s{i}": json.loads((out / f"summary-s{i}.json").read_text()) for i in range(2)}
    lines = [line for path in sorted(out.glob("log-*.txt")) for line in path.read_text().splitlines()]
    logs = read_logs(lines)
    down = {
        f"s{i}": [(a - start, b - start) for a, b in down_intervals(w.samples)] for i, w in enumerate(watches)
    }
    worker_down = (killed - start, events.get("worker_first_pass_done") or (ended - start))
    windows = [(a + start, b + start) for intervals in down.values() for a, b in intervals]
    windows.append((killed, start + worker_down[1]))
    checks = check(ids, list(Sink.seen), logs, windows)
    connections.close_all()
    return {
        "config": {k: v for k, v in vars(args).items() if k != "format"},
        "load_before": load_before,
        "load_after": load_after,
        "events": events,
        "serve_down_s": down,
        "worker_down_s": worker_down,
        "drain_s": drained,
        "left_after_drain": left,
        "wrk": summaries,
        "requests_per_s": sum(s["requests"] for s in summaries.values())
        / max(s["duration_us"] for s in summaries.values())
        * 1e6,
        "steps": logs["steps"],
        "form_errors": logs["form_errors"],
        "checks": checks,
    }


def drain(ended: float) -> tuple[float, dict]:
    """Wait (at most --drain seconds) until no SMS, notification or warning is left for the workers; returns the
    seconds waited and what was left then."""
    from django.db import connections
    from django.utils import timezone

    from civicgrid.notify.models import Notification, SmsMessage, SmsStatus
    from civicgrid.tickets.scan import _due_tickets

    while True:
        left = {
            "sms": SmsMessage.objects.filter(status__in=(SmsStatus.PENDING, SmsStatus.SENDING)).count(),
            "notifications": Notification.objects.filter(delivered_at=None)
            .exclude(next_attempt_at=None)
            .count(),
            "warnings": len(_due_tickets(timezone.now())),
        }
        if not any(left.values()):
            break
        if time.time() - ended > args.drain:
            left["notification_errors"] = dict(
                collections.Counter(
                    Notification.objects.filter(delivered_at=None)
                    .exclude(next_attempt_at=None)
                    .values_list("delivery_error", flat=True)
                ).most_common(3)
            )
            break
        connections.close_all()
        time.sleep(1)
    connections.close_all()
    return time.time() - ended, left


def report(result: dict) -> None:
    print(f"负载前 load before: {result['load_before']}")
    print(f"负载后 load after:  {result['load_after']}")
    print(f"事件 events (s from start): {result['events']}")
    print(f"网页服务不可用 serve refused (s): {result['serve_down_s']}; worker 停止 worker down (s): "
          f"{tuple(round(x, 1) for x in result['worker_down_s'])}")  # fmt: skip
    print(f"每秒请求 requests/s (both servers): {result['requests_per_s']:.1f}")
    for name, s in result["wrk"].items():
        lat = s["latency_us"]
        print(
            f"  {name}: {s['requests']} requests, p50 {lat['p50'] / 1000:.0f} ms, p99 {lat['p99'] / 1000:.0f} ms, "
            f"max {lat['max'] / 1000:.0f} ms; errors {s['errors']}"
        )
    print(f"各步状态 steps: {result['steps']}")
    if result["form_errors"]:
        print(f"表单错误 form errors: {result['form_errors']}")
    print(f"收尾 drained in {result['drain_s']:.1f} s; left {result['left_after_drain']}")
    for name, outcome in result["checks"].items():
        verdict = "通过 PASS" if outcome["pass"] else "失败 FAIL"
        detail = {k: v for k, v in outcome.items() if k != "pass" and v not in ({}, [], 0)}
        print(f"检查 {name}: {verdict} {json.dumps(detail, ensure_ascii=False)}")


def main() -> int:
    global args
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis-db", type=int, default=13, help="Redis database number (flushed)")
    parser.add_argument("--seconds", type=int, default=60, help="length of the load")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections (= threads) per server")
    parser.add_argument(
        "--kill-at", type=float, default=None, help="seconds into the load (default: half-way)"
    )
    parser.add_argument("--restart-after", type=float, default=10, help="seconds; 0: the killed stay dead")
    parser.add_argument(
        "--assignments", type=int, default=200, help="dispatched tickets whose warnings fall due"
    )
    parser.add_argument("--grids", type=int, default=20)
    parser.add_argument(
        "--orphans",
        choices=("kill", "keep"),
        default="kill",
        help="at the restart, the killed master's orphaned workers: killed (as systemd does) or left serving",
    )
    parser.add_argument("--drain", type=float, default=DRAIN, help="seconds to let the workers finish")
    parser.add_argument("--sink-delay", type=float, default=0.05, help="seconds the SMS sink takes to answer")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--logs", metavar="DIR", help="keep the data directory (process logs, wrk logs) here")
    args = parser.parse_args()

    say = (lambda msg: print(msg, file=sys.stderr)) if args.format == "json" else print
    # SIGTERM ends the run like Ctrl+C: the finally blocks and the database drop at exit still run.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    result = run(say)
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        report(result)
    return 0 if all(c["pass"] for c in result["checks"].values()) else 1


args: argparse.Namespace

if __name__ == "__main__":
    sys.exit(main())
