"""Smoke check of the fleet benchmark (issue 8): ``bench/run.py`` at its smallest size still runs every
variant and writes figures that make sense. No timing assertions: the figures only have to exist.

2 routers with 3 peers each (the other router over iBGP, 1 upstream, 1 CE) keep the run short; variant (4)
costs most (a module run per command: about 0.8 CPU-s each on this machine).
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VARIANTS = ("raw", "debug", "rollout", "cli_command")


def test_bench_runs_every_variant_at_the_smallest_size(tmp_path):
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "run.py"), "--sizes", "2", "--peers", "4",
                           "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(str(tmp_path / "results.json")) as handle:
        report = json.load(handle)
    results = report["results"]["2"]

    assert set(results) == set(VARIANTS)
    for variant in VARIANTS:
        entry = results[variant]
        assert entry["status"] == "ok", (variant, entry.get("reason"))
        for key in ("wall_s", "cpu_s", "rss_max_process_mb", "rss_peak_sum_mb", "vrpsim_peak_rss_mb"):
            assert entry[key] > 0, (variant, key, entry[key])

    rollout, raw, debug = results["rollout"], results["raw"], results["debug"]
    assert rollout["logins_per_router"] == [1, 1]               # one SSH login per router for the whole rollout
    assert raw["logins_per_router"] == [1, 1]
    assert rollout["commands_per_router"][0] > 10
    # the raw replay and cli_command sent exactly what the rollout sent, router by router
    assert raw["commands_per_router"] == rollout["commands_per_router"]
    assert raw["same_commands_as_rollout"] is True
    assert results["cli_command"]["same_commands_as_rollout"] is True
    # the Ansible floor touches no router
    assert debug["logins_per_router"] == [0, 0] and debug["commands_total"] == 0
    assert rollout["tasks_per_router"]["executed"] > 5

    assert set(report["ratios"]["2"]) >= {"(3-2)/1 wall_s", "(3-2)/1 cpu_s", "3/4 wall_s", "3/4 cpu_s"}
    with open(str(tmp_path / "results.md")) as handle:
        table = handle.read()
    for label in ("(1) raw netmiko", "(2) Ansible floor", "(3) netops.vrp rollout", "(4) cli_command"):
        assert label in table
