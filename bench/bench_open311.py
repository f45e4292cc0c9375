"""Open311 GeoReport v2: civicgrid's server against the Python peer 6aika issue-reporting, same calls, same run.

`.venv/bin/python bench/bench_open311.py [--requests 1000] [--seconds 10] [--connections 4] [--rounds 1]
[--peer /tmp/open311-peer] [--install-peer SOURCE] [--no-peer] [--format text|json]`

- ours: a fresh SQLite database (migrated: the seeded category tree is the service list), an integration client
  with the scope "open311" acting as an operator, and `--requests` service requests registered through
  open311.services.open311_submit (the full intake path: placement, suggestion, receipt), spread over the last
  60 days;
- the peer: 6aika/issue-reporting (Django 3.2 + DRF, GeoReport v2) checked out in `--peer`/src with its own
  virtualenv in `--peer`/venv, never inside this repository. `--install-peer SOURCE` clones SOURCE (a git URL or
  a local clone) there and installs its requirements.txt and gunicorn into that venv first (its GIS imports need
  the GDAL library: Debian `apt-get install -y libgdal32`). Its SQLite database gets our service list (same codes,
  names, groups, keywords) and `--requests` issues with the same texts and places, stored through its ORM;
- both served by gunicorn with 2 sync workers, no access log, on SQLite; then wrk (`--connections` connections,
  2 threads) drives, peer then ours for each call, `--seconds` each: GET services.json; GET requests.json pages of
  100 (`page_size=100&page=1..10` in turn, the peer's pagination parameters, which ours also reads); POST
  requests.json (form-encoded, a new description each time; ours with its api_key). Requests/s is the median over
  `--rounds`, peer and ours taking turns; any non-2xx answer is counted and reported.

Prints requests/s per call and server, the ratio ours/peer, and the load average (`uptime`) before and after.
Aim: the GETs at least twice the peer's; the POST ratio is reported (ours runs the full registration path).
"""

import argparse
import contextlib
import io
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ROOT, django_setup  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--requests", type=int, default=1000)
parser.add_argument("--seconds", type=int, default=10)
parser.add_argument("--connections", type=int, default=4)
parser.add_argument("--rounds", type=int, default=1)
parser.add_argument("--peer", default="/tmp/open311-peer", help="the peer's checkout (src/) and venv (venv/)")
parser.add_argument("--install-peer", metavar="SOURCE", help="clone SOURCE into --peer and install it first")
parser.add_argument("--no-peer", action="store_true", help="measure ours alone")
parser.add_argument("--format", choices=["text", "json"], default="text")
args = parser.parse_args()

WRK = shutil.which("wrk") or "/usr/bin/wrk"
PEER = Path(args.peer)
PEER_ROOT = "/api/georeport/v2"
OURS_ROOT = "/open311/v2"
PAGES = max(1, args.requests // 100)

DATA_DIR = django_setup("open311")

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from civicgrid.integrations.models import IntegrationClient  # noqa: E402
from civicgrid.integrations.tokens import issue_token  # noqa: E402
from civicgrid.open311 import selectors  # noqa: E402
from civicgrid.open311.services import Submission, open311_submit  # noqa: E402
from civicgrid.registry.models import Role, Staff  # noqa: E402
from civicgrid.tickets.models import Ticket  # noqa: E402

PLACES = ["嘉积镇银海路 12 号", "博鳌镇滨海大道 3 号", "万泉镇市场路 8 号", "长坡镇椰林路 21 号"]
WORDS = [
    "路灯不亮",
    "井盖缺失",
    "垃圾未清运",
    "夜间施工噪音",
    "占道经营",
    "下水道堵塞",
    "树木倒伏",
    "违章搭建",
]


def say(text: str) -> None:
    if args.format == "text":
        print(text, flush=True)


def uptime() -> str:
    return subprocess.run(
        ["uptime"], capture_output=True, text=True, env={**os.environ, "TZ": "UTC"}
    ).stdout.strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def samples(n: int) -> list[dict]:
    rng = random.Random(311)
    return [
        {
            "description": f"{rng.choice(WORDS)}，已经好几天了，请尽快处理（第 {i + 1} 件）",
            "address": rng.choice(PLACES),
            "lat": round(19.20 + rng.random() * 0.05, 6),
            "lon": round(110.40 + rng.random() * 0.05, 6),
            "days_ago": rng.random() * 60,
        }
        for i in range(n)
    ]


# --- ours -------------------------------------------------------------------------------------------------


def load_ours(rows: list[dict]) -> tuple[str, float]:
    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="open311-app", password="x-long-password-1")
    staff = Staff.objects.create(user=user, name="Open311 对接")
    staff.roles.set(Role.objects.filter(code=Role.OPERATOR))
    IntegrationClient.objects.create(
        name="Open311 应用", code="open311-app", account=user, scopes=["open311"]
    )
    _, key = issue_token(actor=user, owner=user, name="bench")
    services = selectors.services()
    leaves = [s for s in services if len(s["service_code"]) > 2] or services
    codes = {s["service_code"]: s for s in leaves}
    from civicgrid.routing.models import Category

    categories = {
        c.code: c for c in Category.objects.filter(code__in=codes, version=selectors.category_version())
    }
    now = timezone.now()
    started = time.perf_counter()
    for i, row in enumerate(rows):
        code = leaves[i % len(leaves)]["service_code"]
        open311_submit(
            actor=user,
            submission=Submission(
                category=categories[code],
                description=row["description"],
                lat=row["lat"],
                lon=row["lon"],
                address=row["address"],
                first_name="小明",
                last_name="王",
                phone=f"139{i:08d}",
            ),
            at=now - timedelta(days=row["days_ago"]),
        )
        row["service_code"] = code
    seconds = time.perf_counter() - started
    return key, seconds


# --- the peer ---------------------------------------------------------------------------------------------

PEER_LOADER = r"""
import json, sys
from datetime import timedelta
import django
django.setup()
from django.core.management import call_command
from django.utils import timezone
call_command("migrate", verbosity=0)
from issues.models import Issue, Jurisdiction, Service
data = json.load(open(sys.argv[1]))
jurisdiction = Jurisdiction.autodetermine()
services = {}
for s in data["services"]:
    service = Service.objects.create(
        service_code=s["service_code"], service_name=s["service_name"], description=s["description"],
        keywords=s["keywords"], group=s["group"], metadata=s["metadata"], type=s["type"],
    )
    service.jurisdictions.add(jurisdiction)
    services[s["service_code"]] = service
now = timezone.now()
for i, row in enumerate(data["rows"]):
    Issue.objects.create(
        service=services[row["service_code"]], description=row["description"], address=row["address"],
        lat=row["lat"], long=row["lon"], requested_datetime=now - timedelta(days=row["days_ago"]),
        submitter_first_name="小明", submitter_last_name="王", submitter_phone="139%08d" % i,
        jurisdiction=jurisdiction,
    )
print(Issue.objects.count())
"""


def peer_env(db: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "SECRET_KEY": "open311-bench",
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "cfh.settings",
        "PYTHONPATH": str(PEER / "src"),
    }


def install_peer(source: str) -> None:
    if PEER.exists():
        shutil.rmtree(PEER)
    PEER.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", source, str(PEER / "src")], check=True)
    subprocess.run([sys.executable, "-m", "venv", str(PEER / "venv")], check=True)
    pip = [str(PEER / "venv/bin/pip"), "install", "-q"]
    subprocess.run([*pip, "-r", str(PEER / "src/requirements.txt"), "gunicorn"], check=True)


def load_peer(rows: list[dict], services: list[dict], work: Path) -> Path:
    db = work / "peer.sqlite3"
    spec = work / "peer-data.json"
    spec.write_text(json.dumps({"services": services, "rows": rows}, ensure_ascii=False))
    loader = work / "peer_loader.py"
    loader.write_text(PEER_LOADER)
    subprocess.run(
        [str(PEER / "venv/bin/python"), str(loader), str(spec)],
        cwd=PEER / "src",
        env=peer_env(db),
        check=True,
        capture_output=True,
    )
    return db


# --- serving and driving ----------------------------------------------------------------------------------


def serve(command: list[str], cwd: Path, env: dict, port: int, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [*command, "--workers", "2", "--worker-class", "sync", "--bind", f"127.0.0.1:{port}"],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process


def wait_ready(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    for _ in range(20):  # both workers past their first request
                        urllib.request.urlopen(url, timeout=5).read()
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server not ready: {url}\n{log.read_text()[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, 15)
        process.wait(15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, 9)
        except ProcessLookupError:
            pass


PAGES_LUA = """
local n = 0
request = function()
  n = n %% %(pages)d + 1
  return wrk.format("GET", "%(path)s&page=" .. n)
end
"""

POST_LUA = """
local n = 0
local id = 0
setup = function(thread) id = id + 1; thread:set("tid", id) end
init = function() tid = tid or 0 end
request = function()
  n = n + 1
  local body = "%(body)s&description=" .. "wrk%%E6%%8F%%90%%E4%%BA%%A4" .. tid .. "-" .. n
  return wrk.format("POST", "%(path)s", {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
"""


def wrk(url: str, lua: str | None, work: Path) -> dict:
    command = [WRK, "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout=10s", "--latency"]
    if lua:
        script = work / f"s{abs(hash(lua))}.lua"
        script.write_text(lua)
        command.append(f"--script={script}")
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    p50 = re.search(r"50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    return {
        "rps": rate,
        "non2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(0) if errors else "",
        "p50": p50.group(1) if p50 else "",
        "p99": p99.group(1) if p99 else "",
    }


def calls(root: str, key: str | None, code: str) -> list[tuple[str, str, str | None]]:
    body = f"service_code={code}&lat=19.21&long=110.41&address_string=test&phone=13900000000"
    if key:
        body += f"&api_key={key}"
    return [
        ("services.json", f"{root}/services.json", None),
        (
            "requests.json ×100",
            f"{root}/requests.json",
            PAGES_LUA % {"pages": PAGES, "path": f"{root}/requests.json?page_size=100"},
        ),
        (
            "POST requests.json",
            f"{root}/requests.json",
            POST_LUA % {"body": body, "path": f"{root}/requests.json"},
        ),
    ]


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="open311-bench-"))
    before = uptime()
    rows = samples(args.requests)
    # The console SMS gateway prints every receipt.
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        key, load_seconds = load_ours(rows)
    services = selectors.services()
    say(
        f"ours: {Ticket.objects.count()} requests registered in {load_seconds:.1f} s; {len(services)} services"
    )
    code = rows[0]["service_code"]
    processes = []
    servers = {}
    try:
        if not args.no_peer:
            if args.install_peer:
                say(f"installing the peer from {args.install_peer} into {PEER}")
                install_peer(args.install_peer)
            if not (PEER / "venv/bin/gunicorn").exists():
                raise SystemExit(f"no peer at {PEER}: pass --install-peer SOURCE or --no-peer")
            db = load_peer(rows, services, work)
            port = free_port()
            log = work / "peer.log"
            process = serve(
                [str(PEER / "venv/bin/gunicorn"), "cfh.wsgi:application"],
                PEER / "src",
                peer_env(db),
                port,
                log,
            )
            processes.append(process)
            wait_ready(f"http://127.0.0.1:{port}{PEER_ROOT}/services.json", process, log)
            servers["peer"] = (f"http://127.0.0.1:{port}", calls(PEER_ROOT, None, code))
        port = free_port()
        log = work / "ours.log"
        env = {**os.environ, "CIVICGRID_DATA_DIR": DATA_DIR, "DJANGO_SETTINGS_MODULE": "civicgrid.settings"}
        process = serve(
            [sys.executable, "-m", "gunicorn", "civicgrid.wsgi:application"], ROOT, env, port, log
        )
        processes.append(process)
        wait_ready(f"http://127.0.0.1:{port}{OURS_ROOT}/services.json", process, log)
        servers["ours"] = (f"http://127.0.0.1:{port}", calls(OURS_ROOT, key, code))
        for name, (base, plan) in servers.items():
            page = json.loads(urllib.request.urlopen(f"{base}{plan[1][1]}?page_size=100&page=1").read())
            say(f"{name}: a page holds {len(page)} requests")
        results: dict = {name: {} for name in servers}
        for index in range(3):
            runs: dict = {name: [] for name in servers}
            for round_ in range(args.rounds):
                # Peer and ours take turns, so a change in the machine's load falls on both.
                order = list(servers) if round_ % 2 == 0 else list(reversed(servers))
                for name in order:
                    base, plan = servers[name]
                    runs[name].append(wrk(base + plan[index][1], plan[index][2], work))
            for name in servers:
                label = servers[name][1][index][0]
                best = sorted(runs[name], key=lambda r: r["rps"])[len(runs[name]) // 2]
                best = {**best, "rps_rounds": [r["rps"] for r in runs[name]]}
                best["non2xx"] = sum(r["non2xx"] for r in runs[name])
                results[name][label] = best
                say(
                    f"{label:22} {name:5} {best['rps']:8.1f}/s  p50 {best['p50']:>8} p99 {best['p99']:>8}"
                    f"  non-2xx {best['non2xx']}  rounds {best['rps_rounds']}"
                )
    finally:
        for process in processes:
            stop(process)
    after = uptime()
    ratios = {}
    if "peer" in results:
        for label in results["ours"]:
            ratios[label] = round(
                results["ours"][label]["rps"] / max(results["peer"][label]["rps"], 0.001), 2
            )
    report = {
        "requests": args.requests,
        "seconds": args.seconds,
        "connections": args.connections,
        "rounds": args.rounds,
        "ours_load_seconds": round(load_seconds, 1),
        "ours_tickets_after": Ticket.objects.count(),
        "results": results,
        "ratio_ours_over_peer": ratios,
        "uptime_before": before,
        "uptime_after": after,
    }
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for label, ratio in ratios.items():
            say(f"ratio ours/peer {label:22} {ratio:.2f}")
        say(f"load before: {before}")
        say(f"load after:  {after}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
