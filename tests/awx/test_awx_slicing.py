"""The rollout's waves as AWX job slicing runs them: concurrent ansible-runner jobs over disjoint slices
(scripts/awx_slices.py; issue 17, docs/awx.md "Sliced waves").

Every job has its own private data dir (inventory slice, ``env/``, artifacts, report dir) and its own
session keeper directory, as each AWX job runs in its own EE container. What is checked, from the lab
routers' transcripts and the jobs' events: the jobs ran at the same time, no two keepers collided (one
login per router per job), every router confirmed, and the jobs' reports merge into one. Two different
rollouts at once on disjoint routers share nothing; a second rollout on a router whose trial commit
belongs to a rollout still running is refused by that router's pre-check (``vrp_commit`` with
``trial_within``: someone else's pending trial stops the router) and changes nothing.
"""
import importlib.util
import json
import os
import threading
import time

import asyncssh
import pytest
from harness import commands_sent

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_spec = importlib.util.spec_from_file_location("awx_slices", os.path.join(ROOT, "scripts", "awx_slices.py"))
awx_slices = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(awx_slices)

USERNAME, PASSWORD = "netops", "Awx-Slice-Cred-5521"
ROUTERS = 60
POLICY_A = "ip ip-prefix PL-UPSTREAM-IN index 20 permit 10.50.0.0 16 greater-equal 17 less-equal 24"
POLICY_B = "ip ip-prefix PL-UPSTREAM-IN index 10 permit 203.0.113.0 24 less-equal 27"
LOGIN_CHATTER = ("", "quit")


def _trial_commits(sent):
    """How many of ``sent`` are the rollout's trial commit (labelled with its run id)."""
    return sum(1 for c in sent if c.startswith("commit trial 120 label netops-"))


def topology(count, upstreams=1):
    """``count`` edge routers, each with ``upstreams`` simulated upstream peers in group UPSTREAM."""
    routers, externals = [], []
    for i in range(count):
        name, loopback = "E%02d" % (i + 1), "10.0.%d.%d" % (i // 250, i % 250 + 1)
        lines = ["sysname " + name, "bgp 65000", " router-id " + loopback, " group UPSTREAM external"]
        for k in range(1, upstreams + 1):
            lines += [" peer 192.0.2.%d as-number %d" % (k, 64500 + k), " peer 192.0.2.%d group UPSTREAM" % k]
        lines += [" ipv4-family unicast", "  peer UPSTREAM enable",
                  "  peer UPSTREAM route-policy RP-UPSTREAM-IN import",
                  "route-policy RP-UPSTREAM-IN permit node 10", " if-match ip-prefix PL-UPSTREAM-IN",
                  "ip ip-prefix PL-UPSTREAM-IN index 10 permit 203.0.113.0 24 less-equal 28",
                  "ip ip-prefix PL-UPSTREAM-IN index 20 permit 10.50.0.0 16 less-equal 24"]
        routers.append({"name": name, "addresses": [loopback], "config": "\n".join(lines) + "\n"})
        for k in range(1, upstreams + 1):
            externals.append({"name": "%s-UP%d" % (name, k), "router": name, "address": "192.0.2.%d" % k,
                              "as": 64500 + k, "route_refresh": True,
                              "routes": [{"prefix": "203.0.113.0/25", "as_path": [64500 + k]},
                                         {"prefix": "10.50.0.0/16", "as_path": [64500 + k]}]})
    return {"name": "slices", "defaults": {"username": USERNAME, "password": PASSWORD, "host": "127.0.0.1"},
            "base_port": 0, "timing": {"establish_delay": 0.1, "trial_time_scale": 1.0},
            "routers": routers, "external_peers": externals}


def answers(policy, **overrides):
    """The waves job template's survey answers (as AWX passes them)."""
    return dict({"policy_config": policy + "\n", "target_groups": "UPSTREAM", "target_direction": "import",
                 "trial_seconds": 120, "batch_pause": 0, "rollout_canary": 1, "rollout_wave": "25%"}, **overrides)


def known_hosts(lab):
    """Host key checking on: the lab's key for every router, as an EE image would carry it."""
    path = lab.state_dir / "known_hosts"
    if not path.exists():
        key = asyncssh.read_private_key(str(lab.state_dir / "ssh_host_ed25519_key")).export_public_key("openssh")
        path.write_text("".join("[%s]:%s %s\n" % (info.host, info.port, " ".join(key.decode().split()[:2]))
                                for info in lab.routers.values()))
    return str(path)


def job_options(lab):
    return {"collections_path": os.environ["ANSIBLE_COLLECTIONS_PATH"], "known_hosts": known_hosts(lab)}


def run(lab, jobs_spec, out):
    """jobs_spec: [(name, hosts, extravars)] -> the finished jobs (run concurrently)."""
    inventory = awx_slices.read_inventory(lab.inventory_path)
    jobs = [awx_slices.prepare_job(str(out / name), hosts, inventory, extravars, USERNAME, PASSWORD, name=name,
                                   **job_options(lab))
            for name, hosts, extravars in jobs_spec]
    return awx_slices.run_jobs(jobs)


def sessions(lab, router):
    """{session id: [commands]} for ``router``, login chatter left out."""
    out = {}
    for record in lab.transcript(router):
        if record["event"] == "login":
            out.setdefault(record["session"], [])
        elif record["event"] == "command" and record.get("command", "").strip() not in LOGIN_CHATTER \
                and not record["command"].startswith("screen-length "):
            out.setdefault(record["session"], []).append(record["command"])
    return out


def first_and_last(lab, hosts):
    stamps = [r["ts"] for h in hosts for r in lab.transcript(h) if r["event"] in ("login", "command")]
    return min(stamps), max(stamps)


@pytest.fixture
def ansible_env(monkeypatch):
    """AWX's job sees only its private data dir: no test-session ansible.cfg."""
    monkeypatch.delenv("ANSIBLE_CONFIG", raising=False)


def test_sixty_routers_in_three_concurrent_slices_confirm_once_each(make_lab, tmp_path, ansible_env):
    lab = make_lab(topology(ROUTERS))
    jobs = awx_slices.run_slices(lab.inventory_path, 3, answers(POLICY_A), str(tmp_path / "sliced"), USERNAME,
                                 PASSWORD, **job_options(lab))

    assert [j["status"] for j in jobs] == ["successful"] * 3, [(j["name"], j["status"], j["stats"]) for j in jobs]
    slices = [set(j["hosts"]) for j in jobs]
    assert sum(len(s) for s in slices) == ROUTERS and set().union(*slices) == set(lab.routers)  # disjoint, complete
    assert len({j["keeper_dir"] for j in jobs}) == 3 and len({j["pdd"] for j in jobs}) == 3
    for job in jobs:
        assert os.path.isdir(os.path.join(job["pdd"], "artifacts", job["name"])), job["pdd"]
        assert set(job["stats"]["ok"]) == set(job["hosts"]) and not job["stats"].get("failures"), job["stats"]
    # concurrent: every slice's first login came before any slice's last command
    spans = [first_and_last(lab, j["hosts"]) for j in jobs]
    assert max(first for first, _ in spans) < min(last for _, last in spans), spans
    for router in lab.routers:
        assert lab.logins(router) == 1, (router, lab.logins(router))   # one keeper per job, no collision
        sent = commands_sent(lab, router)
        assert _trial_commits(sent) == 1 and "refresh bgp group UPSTREAM import" in sent, (router, sent)
        assert POLICY_A in lab.running_config(router), router

    merged = awx_slices.merge(jobs)
    assert merged["ok"] and merged["not_run"] == [], merged["not_run"]
    assert merged["statuses"] == {"confirmed": ROUTERS}, merged["statuses"]
    assert {r: rep["job"] for r, rep in merged["routers"].items()} == \
        {h: j["name"] for j in jobs for h in j["hosts"]}
    json.dumps(merged)   # one report, serialisable as merged.json


def test_slice_hosts_deals_round_robin_like_awx():
    hosts = ["R%d" % i for i in range(1, 8)]
    assert awx_slices.slice_hosts(hosts, 3) == [["R1", "R4", "R7"], ["R2", "R5"], ["R3", "R6"]]
    assert awx_slices.slice_hosts(hosts, 1) == [hosts]
    with pytest.raises(ValueError, match="at least 1"):
        awx_slices.slice_hosts(hosts, 0)


def test_two_rollouts_at_once_on_disjoint_routers_share_nothing(make_lab, tmp_path, ansible_env):
    lab = make_lab(topology(6))
    left, right = sorted(lab.routers)[:3], sorted(lab.routers)[3:]
    jobs = run(lab, [("rollout-a", left, answers(POLICY_A)), ("rollout-b", right, answers(POLICY_B))], tmp_path)

    assert [j["status"] for j in jobs] == ["successful", "successful"], [j["stats"] for j in jobs]
    assert jobs[0]["keeper_dir"] != jobs[1]["keeper_dir"] and jobs[0]["report_dir"] != jobs[1]["report_dir"]
    for job, mine, other in ((jobs[0], POLICY_A, POLICY_B), (jobs[1], POLICY_B, POLICY_A)):
        for router in job["hosts"]:
            config = lab.running_config(router)
            assert mine in config and other not in config, router
            assert lab.logins(router) == 1, router
        # each job's events name only its own routers
        hosts_seen = {e["event_data"]["host"] for e in job["events"] if e.get("event_data", {}).get("host")}
        assert hosts_seen == set(job["hosts"]), hosts_seen
    merged = awx_slices.merge(jobs)
    assert merged["ok"] and merged["statuses"] == {"confirmed": 6}, merged["statuses"]


def test_second_rollout_on_the_same_router_refuses_and_changes_nothing(make_lab, tmp_path, ansible_env):
    # Rollout A stays in its trial a while: 4 upstreams soft reset one per batch, 3 s apart.
    lab = make_lab(topology(1, upstreams=4))
    (router,) = lab.routers
    slow_a = answers(POLICY_A, batch_size=1, batch_pause=3)
    result = {}
    thread = threading.Thread(target=lambda: result.update(a=run(lab, [("rollout-a", [router], slow_a)], tmp_path)))
    thread.start()
    deadline = time.monotonic() + 120
    while not _trial_commits(commands_sent(lab, router)):
        assert time.monotonic() < deadline and thread.is_alive(), "rollout A never reached its trial commit"
        time.sleep(0.2)

    (job_b,) = run(lab, [("rollout-b", [router], answers(POLICY_B))], tmp_path)
    thread.join(timeout=300)
    (job_a,) = result["a"]

    assert job_a["status"] == "successful", job_a["stats"]
    assert job_b["status"] == "failed" and job_b["stats"]["failures"] == {router: 1}, job_b["stats"]
    failed = [e["event_data"] for e in job_b["events"] if e.get("event") == "runner_on_failed"]
    message = failed[0]["res"]["msg"]
    assert "a trial commit" in message and "pending on %s that this change did not make" % router in message, message
    assert failed[0]["task"].startswith("Abort a trial commit left by an interrupted run"), failed[0]["task"]
    # B's session sent nothing but displays; the router holds A's change only, confirmed.
    by_session = sessions(lab, router)
    session_a = [s for s, cmds in by_session.items() if _trial_commits(cmds)]
    assert len(session_a) == 1 and len(by_session) == 2, by_session
    (session_b,) = set(by_session) - set(session_a)
    assert by_session[session_b] and all(c.startswith("display") for c in by_session[session_b]), by_session[session_b]
    config = lab.running_config(router)
    assert POLICY_A in config and POLICY_B not in config
    with open(os.path.join(job_a["report_dir"], router + ".json")) as handle:
        assert json.load(handle)["status"] == "confirmed"
