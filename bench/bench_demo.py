"""The README's first command, timed: `.venv/bin/python bench/bench_demo.py [-- DEMO ARGS]`.

Runs `civicgrid migrate` and then `civicgrid demo --no-serve` as subprocesses on SQLite in a fresh
temporary data directory (from an installed .venv), as `./scripts/demo` does, and prints JSON: wall
seconds of each phase (read from the moment the demo prints each phase's first line) and in total,
the CPU seconds of each command (close to its wall time on an idle machine, so a figure taken under
load can still be judged), and the load average before and after. Aim: total under 90 s on an idle
2-core machine.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

# The demo's first line of each phase, in order; before the first is start-up (Python, Django, checks).
PHASES = [
    ("city", "正在生成示范城市"),
    ("party", "正在生成党建数据"),
    ("knowledge", "正在生成知识库"),
    ("classifier", "正在训练分类模型"),
    ("tickets", "正在通过办理流程生成"),
    ("engagement", "正在生成社区共建数据"),
    ("ledgers", "正在生成问题台账"),
    ("deliberation", "正在生成协商议事数据"),
    ("mediation", "正在生成人民调解数据"),
    ("reviews", "正在生成述职评议数据"),
    ("hotspots", "正在检查热点预警"),
    ("catalogue", "正在生成村级服务清单"),
    ("weakorgs", "正在排查软弱涣散党组织"),
    ("accounts", "示范数据就绪"),
]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(argv: list[str], env: dict, echo: bool) -> tuple[float, float, list[tuple[float, str]]]:
    """Wall and CPU seconds of one command, and each line it printed with its arrival time."""
    cpu, started = children_cpu(), time.monotonic()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:
        lines.append((time.monotonic() - started, line.rstrip("\n")))
        if echo:
            print(line, end="", file=sys.stderr)
    if proc.wait() != 0:
        tail = "\n".join(text for _, text in lines[-20:])
        sys.exit(f"{' '.join(argv[2:])} 失败（退出码 {proc.returncode}）：\n{tail}")
    return time.monotonic() - started, children_cpu() - cpu, lines


def phases(wall: float, lines: list[tuple[float, str]]) -> dict:
    marks = [("startup", 0.0)]
    for name, marker in PHASES:
        at = next((t for t, text in lines if text.startswith(marker)), None)
        if at is not None:
            marks.append((name, at))
    ends = [at for _, at in marks[1:]] + [wall]
    return {name: round(end - at, 2) for (name, at), end in zip(marks, ends, strict=True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--echo", action="store_true", help="show the commands' output on stderr")
    parser.add_argument("demo_args", nargs="*", help="after --: extra arguments for `civicgrid demo`")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="civicgrid-bench-demo-")
    env = {**os.environ, "CIVICGRID_DATA_DIR": data_dir, "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)  # SQLite, as the README's first command
    civicgrid = [sys.executable, "-m", "civicgrid"]
    load_before = os.getloadavg()
    try:
        migrate_wall, migrate_cpu, _ = run([*civicgrid, "migrate", "--verbosity", "0"], env, args.echo)
        demo_wall, demo_cpu, lines = run([*civicgrid, "demo", "--no-serve", *args.demo_args], env, args.echo)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    summary = next((text.strip() for _, text in lines if text.startswith("工单 ")), "")
    result = {
        "command": "civicgrid migrate && civicgrid demo --no-serve " + " ".join(args.demo_args),
        "wall_seconds": {"migrate": round(migrate_wall, 2), **phases(demo_wall, lines)},
        "total_wall_seconds": round(migrate_wall + demo_wall, 2),
        "cpu_seconds": {"migrate": round(migrate_cpu, 2), "demo": round(demo_cpu, 2)},
        "total_cpu_seconds": round(migrate_cpu + demo_cpu, 2),
        "tickets": summary,
        "cores": os.cpu_count(),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
