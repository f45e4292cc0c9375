"""The pure helpers of bench/bench_loadkill.py: reading the wrk threads' logs and judging the checks."""

import importlib.util
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[2] / "bench" / "bench_loadkill.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_loadkill", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_log_lines_are_parsed_and_torn_ones_skipped(bench):
    assert bench.parse_log_line("1765000000 post 302 19910100001\n") == (
        1765000000,
        "post",
        302,
        "19910100001",
    )
    assert bench.parse_log_line("1765000000 form 200") == (1765000000, "form", 200, "-")
    assert bench.parse_log_line("17650") is None
    assert bench.parse_log_line("x post 302 -") is None


def test_logs_give_acknowledged_numbers_form_errors_and_5xx_times(bench):
    seen = bench.read_logs(
        [
            "100 form 200 -",
            "100 post 302 19910100001",
            "101 receipt 200 20261207000001",
            "102 post 200 19910100002 请填写反映内容",
            "103 post 502 19910100003",
            "104 receipt 200 -",
            "10",
        ]
    )
    assert seen["acks"] == ["20261207000001"]
    assert seen["posted"] == ["19910100001", "19910100002", "19910100003"]
    assert seen["form_errors"] == {"请填写反映内容": 1}
    assert seen["five_xx_at"] == [103]
    assert seen["steps"] == {"form 200": 1, "post 200": 1, "post 302": 1, "post 502": 1, "receipt 200": 2}


def test_repeated_items_are_counted(bench):
    assert bench.repeated(["a", "b", "a", "c", "a", "b"]) == {"a": 3, "b": 2}
    assert bench.repeated([]) == {}


def test_refused_polls_make_down_intervals_and_timeouts_do_not(bench):
    samples = [
        (0, "ok"),
        (1, "refused"),
        (2, "timeout"),
        (3, "refused"),
        (4, "ok"),
        (5, "timeout"),
        (6, "refused"),
    ]
    assert bench.down_intervals(samples) == [(1, 4), (6, 6)]
    assert bench.down_intervals([(0, "ok"), (1, "timeout")]) == []


def test_5xx_outside_every_widened_window_is_reported(bench):
    windows = [(10.0, 20.0)]
    assert bench.outside([7, 8, 15, 22, 23], windows, slack=2) == [7, 23]
    assert bench.outside([5], [], slack=2) == [5]
