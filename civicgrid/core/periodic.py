"""Jobs the background worker runs every pass on behalf of apps above its own layer.

The worker lives in `tickets`; apps higher up (engagement) cannot be imported by it, so they register their jobs
here from `AppConfig.ready()` and the worker runs whatever is registered. A job takes the pass's time and returns how
many things it did; one failing job is logged and does not stop the others or the pass.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

log = logging.getLogger("civicgrid.worker")


@dataclass(frozen=True)
class Job:
    name: str
    label: str  # shown in the worker's line, e.g. 「志愿服务积分」
    run: Callable[[datetime], int]


_jobs: dict[str, Job] = {}


def register(name: str, label: str, run: Callable[[datetime], int]) -> None:
    """Register (or replace, so a reloaded app does not run twice) the job called `name`."""
    _jobs[name] = Job(name, label, run)


def jobs() -> list[Job]:
    return list(_jobs.values())


def run_registered(now: datetime) -> dict[str, int]:
    """Run every registered job once; returns label -> count (a failed job is logged and left out)."""
    done = {}
    for job in jobs():
        try:
            done[job.label] = job.run(now)
        except Exception:
            log.exception("periodic job %s failed", job.name)
    return done
