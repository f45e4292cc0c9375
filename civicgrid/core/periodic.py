"""Jobs the background worker runs every pass on behalf of apps above its own layer.

The worker lives in `tickets`; apps higher up (engagement) cannot be imported by it, so they register their jobs
here from `AppConfig.ready()` and the worker runs whatever is registered. A job takes the pass's time and returns how
many things it did; one failing job is logged and does not stop the others or the pass.

Any number of workers may run. A job that claims its own rows (a conditional UPDATE or a row lock per item) needs
nothing more; a job over a whole table (a recount) is registered with `lease`: a worker runs it only while it
holds the job's lease (core.leases), and skips it while another worker does.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from civicgrid.core import leases

log = logging.getLogger("civicgrid.worker")


@dataclass(frozen=True)
class Job:
    name: str
    label: str  # shown in the worker's line, e.g. 「志愿服务积分」
    run: Callable[[datetime], int]
    lease: timedelta | None = None  # longer than the job ever runs: a dead worker's lease lasts this long


_jobs: dict[str, Job] = {}


def register(
    name: str, label: str, run: Callable[[datetime], int], *, lease: timedelta | None = None
) -> None:
    """Register (or replace, so a reloaded app does not run twice) the job called `name`; with `lease`, it runs in
    one worker at a time."""
    _jobs[name] = Job(name, label, run, lease)


def jobs() -> list[Job]:
    return list(_jobs.values())


def run_registered(now: datetime) -> dict[str, int]:
    """Run every registered job once; returns label -> count (a failed job, or one another worker holds the lease
    of, is left out)."""
    done = {}
    for job in jobs():
        holder = None
        try:
            if job.lease is not None:
                holder = leases.take(job.name, now=now, length=job.lease)
                if holder is None:
                    continue
            done[job.label] = job.run(now)
        except Exception:
            log.exception("periodic job %s failed", job.name)
        finally:
            if holder is not None:
                try:
                    leases.release(job.name, holder)
                except Exception:  # the lease then runs out by itself
                    log.exception("periodic job %s: lease not released", job.name)
    return done
