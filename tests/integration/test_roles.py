"""The roles through their playbooks against the demo lab, for what molecule does not cover cheaply:
the canary stopping the rollout, report contents, pre-check refusals, check mode per router.

Each test starts its own demo lab (vrpsim/topologies/demo.yml, in-process) and runs the repository's
playbooks with ``ansible-playbook`` (working-tree collection, see the root conftest.py).
"""
import json
import os
import time

import pytest
from harness import ROOT, assert_only_displays, commands_sent, logins, report_files, run_tasks

DEMO = os.path.join(ROOT, "vrpsim", "topologies", "demo.yml")


def _playbook_text(name):
    # passed as text: the harness then writes it (and its results file) into the test's workdir
    with open(os.path.join(ROOT, "playbooks", name)) as handle:
        return handle.read()


ROLLOUT = _playbook_text("bgp_policy_rollout.yml")
PREFLIGHT_DISPLAY = "display configuration trial status"   # the pre-flight play's login check
ROUTERS = ("PE1", "PE2", "RR1")
READINESS_AUDIT = _playbook_text("bgp_readiness_audit.yml")
READINESS_APPLY = _playbook_text("bgp_readiness_apply.yml")


@pytest.fixture
def demo(make_lab):
    return make_lab(DEMO)


def rollout_vars(tmp_path, **overrides):
    """Import change on PE1's CE (route-refresh), VPNv4 export on PE1 and PE2 (no keep-all-routes needed)."""
    report_dir = tmp_path / "reports"
    report_dir.mkdir(exist_ok=True)
    data = {
        "bgp_policy_rollout_changes": [
            {"name": "ce-import-exact", "routers": ["PE1"], "config": "ip ip-prefix PL-CE-IN index 10 permit 10.20.0.0 16\n"},
            {"name": "vpnv4-export", "routers": ["PE1", "PE2"], "config": (
                "route-policy RP-VPNV4-OUT permit node 10\n"
                " apply community 65000:100 additive\n"
                "bgp 65000\n"
                " ipv4-family vpnv4\n"
                "  peer 10.0.0.3 route-policy RP-VPNV4-OUT export\n")},
        ],
        "bgp_policy_rollout_targets": [
            {"name": "CE import", "routers": ["PE1"], "address_family": "vpn-instance", "vpn_instance": "vpna",
             "peers": ["172.16.1.2"], "direction": "import"},
            {"name": "VPNv4 export", "routers": ["PE1", "PE2"], "address_family": "vpnv4", "peers": ["10.0.0.3"],
             "direction": "export"},
        ],
        "bgp_policy_rollout_batch_pause": 0,
        "report_dir": str(report_dir),
    }
    data.update(overrides)
    return data, report_dir


def test_canary_failure_stops_the_rollout(demo, run_playbook, tmp_path):
    """PE1 (the canary) fails verification and rolls back; PE2 and RR1 are never touched."""
    extra, report_dir = rollout_vars(tmp_path, bgp_policy_rollout_max_prefix_loss=0)
    res = run_playbook(ROLLOUT, lab=demo, extra_vars=extra)
    assert not res.ok, res.summary()
    got = report_files(report_dir)
    assert list(got) == ["PE1", "PE2", "RR1"], got.keys()
    pe1 = got["PE1"]
    assert pe1["status"] == "rolled_back"
    assert pe1["rollback"]["aborted"] is True
    assert any("lost 1 routes" in p for p in pe1["problems"]), pe1["problems"]
    sent = commands_sent(demo, "PE1", since=res)
    assert sent.index("abort trial") > sent.index("refresh bgp vpn-instance vpna ipv4-family 172.16.1.2 import")
    assert "commit" not in sent  # the trial was never confirmed
    assert "permit 10.20.0.0 16 less-equal 24" in demo.running_config("PE1")
    assert "RP-VPNV4-OUT" not in demo.running_config("PE1")
    # issue 16 item 9: the routers the stopped rollout never attempted are reported, naming PE1
    for router in ("PE2", "RR1"):
        assert "%s: NOT_ATTEMPTED" % router in res.stdout, res.stdout
        assert got[router]["status"] == "not_attempted" and got[router]["stopped_by"] == "PE1", got[router]
        assert got[router]["message"].startswith("never attempted: the rollout stopped when PE1 ended ROLLED_BACK ("), \
            got[router]
    # PE2 got the pre-flight play's one login (and display), then nothing; RR1 has no work, no login
    assert commands_sent(demo, "PE2", since=res) == [PREFLIGHT_DISPLAY]
    assert commands_sent(demo, "RR1", since=res) == []
    for router in ("PE2", "RR1"):
        assert "RP-VPNV4-OUT" not in demo.running_config(router)


def test_check_mode_then_rollout_then_rerun(demo, run_playbook, tmp_path):
    """Check mode sends only displays and reports the plan; the run reports paths and deltas; a re-run is a no-op."""
    extra, report_dir = rollout_vars(tmp_path)
    check = run_playbook(ROLLOUT, lab=demo, extra_vars=extra, check=True)
    assert check.ok, check.summary()
    for router in ("PE1", "PE2", "RR1"):
        assert_only_displays(demo, router, since=check)
    got = report_files(report_dir)
    assert got["PE1"]["status"] == "would_change" and got["PE2"]["status"] == "would_change"
    assert got["RR1"]["status"] == "nothing_to_do"
    assert "ip ip-prefix PL-CE-IN index 10 permit 10.20.0.0 16" in got["PE1"]["config_updates"]

    res = run_playbook(ROLLOUT, lab=demo, extra_vars=extra)
    assert res.ok, res.summary()
    got = report_files(report_dir)
    pe1 = got["PE1"]
    assert pe1["status"] == "confirmed", pe1
    peers = {(p["address_family"], p["address"]): p for p in pe1["peers"]}
    ce = peers[("vpn-instance", "172.16.1.2")]
    assert (ce["path"], ce["prefixes_before"], ce["prefixes_after"], ce["delta"]) == ("route-refresh", 2, 1, -1)
    assert peers[("vpnv4", "10.0.0.3")]["path"] == "export"
    assert pe1["sessions_reset"] == [] and pe1["problems"] == []
    assert got["PE2"]["status"] == "confirmed"
    sent = commands_sent(demo, "PE1", since=res)
    trial = "commit trial 600 label %s" % pe1["run_id"]   # the run id labels the trial commit
    assert pe1["run_id"].startswith("netops-") and pe1["run_id"] != got["PE2"]["run_id"], (pe1, got["PE2"])
    assert [c for c in sent if c.startswith("commit")] == [trial, "commit"], sent
    assert sent.index(trial) < sent.index("refresh bgp vpnv4 10.0.0.3 export") < sent.index("commit")
    # the pre-flight play's login is the one the rollout play uses (one session keeper per run)
    assert sent[0] == PREFLIGHT_DISPLAY and logins(demo, "PE1", since=res) == logins(demo, "PE2", since=res) == 1

    again = run_playbook(ROLLOUT, lab=demo, extra_vars=extra)
    assert again.ok, again.summary()
    assert not again.changed_hosts, again.summary()
    assert {r["status"] for r in report_files(report_dir).values()} == {"unchanged", "nothing_to_do"}
    for router in ("PE1", "PE2", "RR1"):
        assert_only_displays(demo, router, since=again)


def test_precheck_refuses_peer_without_soft_reset_path(demo, run_playbook, tmp_path):
    """UPSTREAM has a peer without route-refresh or keep-all-routes: refused before any change."""
    extra, report_dir = rollout_vars(
        tmp_path,
        bgp_policy_rollout_changes=[{"name": "upstream", "config": "ip ip-prefix PL-UPSTREAM-IN index 30 permit 10.51.0.0 16\n",
                                     "routers": ["PE1"]}],
        bgp_policy_rollout_targets=[{"name": "UPSTREAM import", "routers": ["PE1"], "groups": ["UPSTREAM"],
                                     "direction": "import"}])
    res = run_playbook(ROLLOUT, lab=demo, extra_vars=extra)
    assert not res.ok
    pe1 = report_files(report_dir)["PE1"]
    assert pe1["status"] == "precheck_failed"
    assert "198.51.100.1" in pe1["message"] and "keep-all-routes" in pe1["message"]
    assert_only_displays(demo, "PE1", since=res)


def test_refuses_to_start_while_a_trial_is_pending(demo, run_playbook, tmp_path):
    """Someone else's trial commit is running on PE1: our commit would confirm it, so the rollout refuses."""
    pending = run_tasks("""
      - name: leave a trial commit running
        netops.vrp.vrp_config:
          lines: ["ip ip-prefix PL-OTHER index 10 permit 192.0.2.0 24"]
          commit_trial: 600
    """, demo.inventory_path, hosts="PE1", workdir=str(tmp_path / "pending"))
    assert pending.ok, pending.summary()
    extra, report_dir = rollout_vars(tmp_path)
    res = run_playbook(ROLLOUT, lab=demo, extra_vars=extra)
    assert not res.ok
    pe1 = report_files(report_dir)["PE1"]
    assert pe1["status"] == "precheck_failed", pe1
    assert "RP-VPNV4-OUT" not in demo.running_config("PE1")
    assert_only_displays(demo, "PE1", since=res)


def test_readiness_audit_changes_nothing(demo, run_playbook):
    res = run_playbook(READINESS_AUDIT, lab=demo)
    assert res.ok, res.summary()
    assert not res.changed_hosts
    for router in ("PE1", "PE2", "RR1"):
        assert_only_displays(demo, router, since=res)
    report = res["netops.vrp.bgp_soft_reset_readiness : Set the readiness report of this router (fact bgp_soft_reset_readiness_report)"]["PE1"]
    facts = report["ansible_facts"]["bgp_soft_reset_readiness_report"]
    assert facts["not_ready"] == ["198.51.100.1 (ipv4)"]
    assert [c["peers"] for c in facts["would_fix"]] == [["198.51.100.1"]]


def demo_topology(**defaults):
    """The demo lab with extra ``defaults`` (platform / readings for every router) and a short establish delay."""
    import yaml
    with open(DEMO) as handle:
        topo = yaml.safe_load(handle)
    topo["defaults"] = dict(topo.get("defaults") or {}, **defaults)
    topo["timing"] = dict(topo.get("timing") or {}, establish_delay=0.3)
    return topo


@pytest.mark.parametrize("platform", ["ne40e-v800r012c10", "ne40e-v800r022c00", "ce-v300r023c00"])
def test_rollout_on_each_release(make_lab, run_playbook, tmp_path, platform):
    """bgp_policy_rollout against each release profile (vrpsim/platform.py): an import change on PE1's CE
    (a VPN-instance form every release has), soft reset, the import policy check, confirm."""
    lab = make_lab(demo_topology(platform=platform))
    extra, report_dir = rollout_vars(tmp_path, bgp_policy_rollout_changes=[rollout_vars(tmp_path)[0][
        "bgp_policy_rollout_changes"][0]], bgp_policy_rollout_targets=[rollout_vars(tmp_path)[0][
            "bgp_policy_rollout_targets"][0]])
    res = run_playbook(ROLLOUT, lab=lab, extra_vars=extra)
    assert res.ok, res.summary()
    pe1 = report_files(report_dir)["PE1"]
    assert pe1["status"] == "confirmed", pe1
    ce = {(p["address_family"], p["address"]): p for p in pe1["peers"]}[("vpn-instance", "172.16.1.2")]
    assert (ce["path"], ce["prefixes_before"], ce["prefixes_after"]) == ("route-refresh", 2, 1)
    sent = commands_sent(lab, "PE1", since=res)
    # route-refresh negotiated: the documented refresh, so no per-peer policy check (bgp_operations.policy_effect_open)
    assert not any(c.endswith("accepted-routes") for c in sent), sent
    assert sent.count("display version") == 1


def keep_all_routes_rollout_vars(tmp_path):
    """Narrow what PE1 accepts from UPSTREAM-B (198.51.100.1, no route-refresh): keep-all-routes first."""
    return rollout_vars(
        tmp_path,
        bgp_policy_rollout_changes=[{"name": "narrow-upstream", "routers": ["PE1"],
                                     "config": "ip ip-prefix PL-UPSTREAM-IN index 10 permit 203.0.113.0 24 "
                                               "less-equal 25\n"}],
        bgp_policy_rollout_targets=[{"name": "UPSTREAM-B import", "routers": ["PE1"], "address_family": "ipv4",
                                     "peers": ["198.51.100.1"], "direction": "import"}],
        bgp_policy_rollout_allow_keep_all_routes=True)


@pytest.mark.parametrize("reading", ["reapply", "noop"])
def test_rollout_keep_all_routes_import_policy_effect(make_lab, run_playbook, tmp_path, reading):
    """R6: UPSTREAM-B has no route-refresh, so the rollout enables keep-all-routes and relies on `refresh bgp
    ... import`, whose effect with keep-all-routes is not settled by the vendor text (reading
    keep_all_routes_refresh; sources in tests/vrpsim/test_bgp_readings.py). The role's soft reset checks the
    policy's effect: confirmed when the kept routes follow the new policy, rolled back (with the reason and
    the operator action) when the router left them alone."""
    lab = make_lab(demo_topology(readings={"keep_all_routes_refresh": reading}))
    extra, report_dir = keep_all_routes_rollout_vars(tmp_path)
    res = run_playbook(ROLLOUT, lab=lab, extra_vars=extra)
    pe1 = report_files(report_dir)["PE1"]
    def accepted():
        return sorted(next(s for s in lab.bgp("PE1")["sessions"] if s["address"] == "198.51.100.1")[
            "ribs"]["ipv4"]["accepted"])
    # issue 16 item 10: the keep-all-routes step waits in the module, so a clean run prints no retries
    assert "RETRYING" not in res.stdout, res.stdout
    if reading == "reapply":
        assert res.ok, res.summary()
        assert pe1["status"] == "confirmed", pe1
        assert accepted() == []
    else:
        assert not res.ok
        assert pe1["status"] == "rolled_back", pe1
        assert "import policy RP-UPSTREAM-IN not in effect" in json.dumps(pe1)
        assert "netops.vrp.bgp_reset" in json.dumps(pe1)
        assert "less-equal 28" in lab.running_config("PE1")


# --- the pre-flight play: a problem anywhere stops the run before any router is touched ----------------------
def assert_untouched(lab, res):
    """Only display commands reached any router, and every running config is as the lab started."""
    for router in ROUTERS:
        assert_only_displays(lab, router, since=res)
        assert "RP-VPNV4-OUT" not in lab.running_config(router), router
        assert lab.candidate_config(router) == lab.running_config(router), router
    assert "permit 10.20.0.0 16 less-equal 24" in lab.running_config("PE1")


def test_preflight_stops_at_a_missing_report_dir(demo, run_playbook, tmp_path):
    """Issue 16 item 3: report_dir missing -> the run stops before the canary, naming the directory, and the
    directory is not created."""
    missing = tmp_path / "no-such-dir"
    extra, _ = rollout_vars(tmp_path, report_dir=str(missing))
    res = run_playbook(ROLLOUT, lab=demo, extra_vars=extra)
    assert not res.ok
    assert "bgp_policy_rollout_report_dir %s does not exist on the controller" % missing in res.stdout, res.summary()
    assert not missing.exists()
    assert_untouched(demo, res)
    for router in ROUTERS:
        assert commands_sent(demo, router, since=res) == [], router
    assert not any(t.name.endswith("Set the rollout report of this router (fact bgp_policy_rollout_report)")
                   for t in res.tasks), "the rollout play ran"

    not_a_dir = tmp_path / "a-file"
    not_a_dir.write_text("")
    res = run_playbook(ROLLOUT, lab=demo, extra_vars=dict(extra, report_dir=str(not_a_dir)))
    assert not res.ok and "%s is not a writable directory" % not_a_dir in res.stdout, res.summary()
    assert_untouched(demo, res)


def test_preflight_stops_when_a_router_cannot_be_logged_in_to(demo, run_playbook, tmp_path):
    """PE2 refuses every login: the run stops in the pre-flight, naming PE2; the canary PE1 is never changed, and
    RR1 (nothing to do in this rollout) is never logged in to."""
    demo.fault("auth_fail", "PE2")
    extra, report_dir = rollout_vars(tmp_path)
    res = run_playbook(ROLLOUT, lab=demo, extra_vars=extra)
    assert not res.ok
    login = res["netops.vrp.bgp_policy_rollout : Log in to every router once (a display command; the session "
                "keeper keeps the session for the rollout)"]
    assert login.failed == {"PE2"}, res.summary()
    assert login["PE2"]["msg"].startswith("PE2: login: authentication failed"), login["PE2"]["msg"]
    assert_untouched(demo, res)
    assert commands_sent(demo, "PE1", since=res) == [PREFLIGHT_DISPLAY]
    assert logins(demo, "RR1", since=res) == 0
    assert list(report_files(report_dir)) == []


@pytest.mark.parametrize("bad, words", [
    ({"bgp_policy_rollout_targets": [{"name": "no instance", "routers": ["PE2"], "address_family": "vpn-instance",
                                      "peers": ["172.16.2.2"], "direction": "import"}]},
     ["PE2: pre-flight: target no instance: vpn_instance is required with address_family vpn-instance"]),
    ({"bgp_policy_rollout_targets": [{"name": "typo", "routers": ["PE3"], "address_family": "vpnv4",
                                      "peers": ["10.0.0.3"], "direction": "export"}]},
     ["routers not in the inventory: PE3"]),
    ({"bgp_policy_rollout_trial_seconds": "ten"}, ["bgp_policy_rollout_trial_seconds", "int"]),
    ({"bgp_policy_rollout_targets": [{"name": "two selectors", "peers": ["10.0.0.3"], "groups": ["RR"],
                                      "direction": "export"}]}, ["parameters are mutually exclusive"]),
], ids=["target-shape", "unknown-router", "argument-type", "argument-exclusive"])
def test_preflight_stops_at_a_bad_variable(demo, run_playbook, tmp_path, bad, words):
    """A bad variable that only PE2's (or no router's) share shows still stops the run before PE1, the canary."""
    extra, report_dir = rollout_vars(tmp_path, **bad)
    res = run_playbook(ROLLOUT, lab=demo, extra_vars=extra)
    assert not res.ok
    assert all(w in res.stdout for w in words), res.summary()
    assert_untouched(demo, res)
    for router in ROUTERS:
        assert commands_sent(demo, router, since=res) == [], router
    assert list(report_files(report_dir)) == []


def test_a_commit_rejected_while_preparing_is_reported_with_the_routers_reason(make_lab, run_playbook, tmp_path):
    """Issue 16 item 6: the keep-all-routes commit (a loop item of prepare.yml) is rejected; the report gives the
    router's refusal, not the loop's "One or more items failed", and nothing was committed."""
    lab = make_lab(demo_topology())
    lab.fault("reject_commit", "PE1")
    extra, report_dir = keep_all_routes_rollout_vars(tmp_path)
    res = run_playbook(ROLLOUT, lab=lab, extra_vars=extra)
    assert not res.ok
    pe1 = report_files(report_dir)["PE1"]
    assert pe1["status"] == "failed", pe1
    assert "One or more items failed" not in pe1["message"], pe1["message"]
    assert "Failed to commit" in pe1["message"], pe1["message"]
    assert "keep-all-routes" not in lab.running_config("PE1")
    assert lab.candidate_config("PE1") == lab.running_config("PE1")
    assert "commit trial 600" not in commands_sent(lab, "PE1", since=res)


def test_readiness_apply_waits_in_the_module_without_retries(make_lab, run_playbook):
    """Issue 16 item 10: the keep-all-routes fix for 198.51.100.1 (no route-refresh) waits in the module until the
    session is Established again, so the run prints no `FAILED - RETRYING` and the report's facts see it up."""
    topology = demo_topology()
    topology["timing"]["establish_delay"] = 3.0    # longer than the first read after the commit takes
    lab = make_lab(topology)
    deadline = time.time() + 20     # the lab's own sessions come up after the same delay
    while any(s["state"] != "Established" for r in ROUTERS for s in lab.bgp(r)["sessions"]) \
            and time.time() < deadline:
        time.sleep(0.2)
    res = run_playbook(READINESS_APPLY, lab=lab, extra_vars={"maintenance_window": True})
    assert res.ok, res.summary()
    assert "RETRYING" not in res.stdout, res.stdout
    facts = res["netops.vrp.bgp_soft_reset_readiness : Set the readiness report of this router (fact "
                "bgp_soft_reset_readiness_report)"]["PE1"]["ansible_facts"]["bgp_soft_reset_readiness_report"]
    assert facts["not_ready"] == [] and facts["not_ready_before"] == ["198.51.100.1 (ipv4)"], facts
    assert [s["address"] for s in facts["sessions_reestablished"]] == ["198.51.100.1"], facts
    upstream = next(s for s in lab.bgp("PE1")["sessions"] if s["address"] == "198.51.100.1")
    assert upstream["state"] == "Established" and upstream["keep_all_routes"], upstream
