"""One web process of a concurrency test: THREADS threads, released together at START (a Unix time),
each doing one portal action against the database named by the environment. Prints the outcomes
as JSON. Run by tests/portal/test_ratelimit_processes.py as `python -m tests.portal.race_worker`."""

import json
import sys
import threading
import time


def main(mode: str, threads: int, start: float, tag: str) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from civicgrid.portal import ratelimit

    def action(index: int):
        if mode == "take":
            return ratelimit.take(ratelimit.SUBMIT, "10.0.0.1")
        if mode == "submit":
            data = {
                "request_type": "ZX",
                "content": "请问社区老年食堂每天几点开始供应午餐,需要提前预约吗?",
                "requester_phone": f"139{int(tag) % 10}{index:07d}",  # 11 digits: a mainland mobile
            }
            return Client(REMOTE_ADDR="10.7.7.7").post(reverse("portal:submit"), data).status_code
        if mode == "guess":
            data = {"number": sys.argv[5], "code": f"ZZZZ{index:02d}"}
            body = Client(REMOTE_ADDR=f"10.8.{tag}.{index}").post(reverse("portal:track"), data).content
            return (
                "locked" if "暂时锁定" in body.decode() else "not found" if "未找到" in body.decode() else "?"
            )
        raise SystemExit(f"unknown mode {mode}")

    barrier = threading.Barrier(threads)
    outcomes = [None] * threads

    def run(index: int) -> None:
        try:
            barrier.wait()
            time.sleep(max(0.0, start - time.time()))
            outcomes[index] = action(index)
        except Exception as error:
            outcomes[index] = repr(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(json.dumps(outcomes))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
