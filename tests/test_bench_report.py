"""The benchmark's results table (bench/report.py): the verdicts it prints follow the figures."""
from bench import report
from bench.__main__ import MAX_WORKER_PROCESSES, default_worker_processes


def _rows(sections: dict) -> dict:
    return {row[0]: row for row in report.rows({"sections": sections})}


def _e2e(p95: float, memory: dict, processes: int = 2, received: int = 600) -> dict:
    return {"e2e": {"rate": 20, "worker_processes": processes, "sent": 600, "received": received,
                    "p50_ms": 100.0, "p95_ms": p95, "memory": memory}}


def test_end_to_end_row_names_the_worker_processes_and_fails_on_a_lost_message():
    rows = _rows(_e2e(450.0, {"worker_rss_mb": 540.0}))
    (name,) = [n for n in rows if n.startswith("end to end")]
    assert "2 worker processes" in name and rows[name][-1] == "PASS"
    rows = _rows(_e2e(450.0, {"worker_rss_mb": 540.0}, received=599))
    assert [r[-1] for n, r in rows.items() if n.startswith("end to end")] == ["FAIL"]
    rows = _rows(_e2e(1200.0, {"worker_rss_mb": 540.0}, processes=1))
    (name,) = [n for n in rows if n.startswith("end to end")]
    assert "1 worker process)" in name and rows[name][-1] == "FAIL"


def test_a_forked_worker_process_over_the_memory_target_fails_the_row():
    within = _rows(_e2e(450.0, {"worker_rss_mb": 540.0, "work_horse_rss_mb": 610.0}))
    (name,) = [n for n in within if n.startswith("worker RSS with model")]
    assert within[name][1] == "610.00 MB" and within[name][-1] == "PASS"
    over = _rows(_e2e(450.0, {"worker_rss_mb": 540.0, "work_horse_rss_mb": 720.0}))
    assert [r[-1] for n, r in over.items() if n.startswith("worker RSS with model")] == ["FAIL"]


def test_default_worker_processes_is_one_per_core_within_bounds(monkeypatch):
    import os

    for cores, expected in ((None, 1), (1, 1), (2, 2), (64, MAX_WORKER_PROCESSES)):
        monkeypatch.setattr(os, "cpu_count", lambda cores=cores: cores)
        assert default_worker_processes() == expected


def _open_pages(served: int = 500, ratio: float = 1.1, reached: float | None = 34.0, rss: float = 130.0,
                cpu_now: float = 0.6, last_refresh: float = 540.0) -> dict:
    refresh = {"lists": 200, "rounds": 3, "now": {"cpu_s": cpu_now, "last_refresh_ms": last_refresh},
               "before": {"cpu_s": 2.8, "last_refresh_ms": 2200.0}, "cpu_ratio": round(cpu_now / 2.8, 3)}
    return {"open_pages": {"pages": 500, "events_server_served": served, "ratio": ratio,
                           "list_no_page_open": {"p95_ms": 30.0}, "list_with_pages_open": {"p95_ms": 30.0 * ratio},
                           "event_to_all_pages_ms": reached, "events_rss_mb": rss, "gthread_served": 16,
                           "gthread_refused": 484, "list_with_pages_on_gthread": {"p95_ms": 32.0},
                           "refresh": refresh}}


def test_open_pages_rows_fail_on_a_refused_page_a_slow_list_a_missed_event_memory_or_a_costly_refresh():
    def verdicts(**figures):
        return {n: r[-1] for n, r in _rows(_open_pages(**figures)).items() if r[-1] != "-"}

    assert set(verdicts().values()) == {"PASS"}
    assert len(verdicts()) == 5
    for figures in ({"served": 499}, {"ratio": 1.6}, {"reached": None}, {"rss": 210.0},
                    {"cpu_now": 1.5}, {"last_refresh": 1600.0}):
        assert list(verdicts(**figures).values()).count("FAIL") == 1, figures


def test_live_refresh_fragments_are_shown_without_a_verdict_and_pages_keep_theirs():
    side = {"inbox_list": {"p95_ms": 60.0}, "live_refresh_counts": {"p95_ms": 7.0}}
    rows = _rows({"pages": {"large": side, "baseline": {"inbox_list": {"p95_ms": 20.0},
                                                        "live_refresh_counts": {"p95_ms": 4.0}},
                            "ratios": {"inbox_list": 3.0, "live_refresh_counts": 1.75}}})
    assert rows["inbox_list p95 (large vs 10k)"][-1] == "FAIL"
    assert rows["live_refresh_counts p95 (large vs 10k)"][3:] == ("1.75", "(part of the list page)", "-")
