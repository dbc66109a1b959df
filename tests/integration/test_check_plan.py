"""Check mode plans what the real run does (issue 16 item 5): the rollout's check-mode report lists in
``would_send`` every non-display command the real run then sends, in order, keep-all-routes included, and the
summary prints them at default verbosity.

Each test starts a fresh demo lab (vrpsim/topologies/demo.yml), runs the rollout playbook in check mode, then
for real, and compares the check's list with the lab's transcript of the real run, exactly. Moves between views
(``system-view``, ``quit``, ``return``) are left out of both: where a task starts depends on where the previous
one left the session.
"""
import os
import textwrap

import pytest
import yaml
from harness import ROOT, assert_only_displays, commands_sent, report_files, trial_by_hand

DEMO = os.path.join(ROOT, "vrpsim", "topologies", "demo.yml")
NAVIGATION = ("system-view", "quit", "return")

with open(os.path.join(ROOT, "playbooks", "bgp_policy_rollout.yml")) as _handle:
    ROLLOUT = _handle.read()
with open(os.path.join(ROOT, "playbooks", "vars", "demo_rollout.yml")) as _handle:
    DEMO_VARS = yaml.safe_load(_handle)

# what the real run sends on the demo lab (the case: keep-all-routes first, then the group refresh)
RUN_ID = "netops-check-plan"
DEMO_PE1 = [
    "bgp 65000", "ipv4-family unicast", "peer 198.51.100.1 keep-all-routes",
    "commit description netops.vrp bgp_policy_rollout (keep-all-routes)",
    "ip ip-prefix PL-UPSTREAM-IN index 10 permit 203.0.113.0 24 greater-equal 25 less-equal 25",
    "ip ip-prefix PL-UPSTREAM-IN index 20 permit 10.50.0.0 16 greater-equal 17 less-equal 24",
    "ip ip-prefix PL-CE-IN index 10 permit 10.20.0.0 16",
    "route-policy RP-VPNV4-OUT permit node 10", "apply community 65000:100 additive",
    "bgp 65000", "ipv4-family vpnv4", "peer 10.0.0.3 route-policy RP-VPNV4-OUT export",
    "ip ipv6-prefix PL6-UPSTREAM-IN index 20 permit 2001:db8:2000:: 36",
    "commit trial 300 label %s" % RUN_ID,
    "refresh bgp group UPSTREAM import",
    "refresh bgp vpn-instance vpna ipv4-family 172.16.1.2 import",
    "refresh bgp vpnv4 10.0.0.3 export",
    "refresh bgp ipv6 2001:db8:ffff::1 import",
    "commit",
]
DEMO_PE2 = [
    "bgp 65000", "ipv4-family vpn-instance vpna", "peer 172.16.2.2 keep-all-routes",
    "commit description netops.vrp bgp_policy_rollout (keep-all-routes)",
    "route-policy RP-CE-IN permit node 10", "apply local-preference 150",
    "commit trial 300 label %s" % RUN_ID,
    "refresh bgp vpn-instance vpna ipv4-family 172.16.2.2 import",
    "commit",
]


def planned_commands(lab, router, since):
    """The non-display commands the router received since ``since``, moves between views left out."""
    return [c for c in commands_sent(lab, router, since=since)
            if not c.startswith("display ") and c not in NAVIGATION]


def check_then_run(lab, run_playbook, tmp_path, routers, **overrides):
    """Check mode, then the real run, on the same lab: ``(check result, check reports, real result, real reports)``."""
    report_dir = tmp_path / "reports"
    report_dir.mkdir()
    # one run id for both: the label is the only word a check cannot know of a run still to come
    extra = dict(DEMO_VARS, bgp_policy_rollout_batch_pause=0, report_dir=str(report_dir),
                 bgp_policy_rollout_run_id=RUN_ID, **overrides)
    check = run_playbook(ROLLOUT, lab=lab, extra_vars=extra, check=True)
    assert check.ok, check.summary()
    for router in routers:
        assert_only_displays(lab, router, since=check)
    planned = report_files(report_dir)
    real = run_playbook(ROLLOUT, lab=lab, extra_vars=extra)
    assert real.ok, real.summary()
    return check, planned, real, report_files(report_dir)


@pytest.fixture
def demo(make_lab):
    return make_lab(DEMO)


def test_demo_check_lists_exactly_what_the_real_run_sends(demo, run_playbook, tmp_path):
    check, planned, real, done = check_then_run(demo, run_playbook, tmp_path, ("PE1", "PE2", "RR1"))
    assert planned["PE1"]["would_send"] == DEMO_PE1
    assert planned["PE2"]["would_send"] == DEMO_PE2
    assert planned["RR1"]["would_send"] == []
    for router in ("PE1", "PE2", "RR1"):
        assert planned[router]["would_send"] == planned_commands(demo, router, real), router
    assert done["PE1"]["status"] == done["PE2"]["status"] == "confirmed"
    assert done["PE1"]["would_send"] == []   # check mode only


def printed_summary(stdout, router):
    """The lines the role's summary task printed for ``router`` (the default callback prints them as YAML)."""
    start = stdout.index("TASK [netops.vrp.bgp_policy_rollout : Print the rollout report of this router]")
    start = stdout.index("ok: [%s] => \n" % router, start)
    body = stdout[start:].split("\n")[1:]
    block = []
    for line in body:
        if not line.startswith("    "):
            break
        block.append(line)
    return yaml.safe_load(textwrap.dedent("\n".join(block)))["msg"]


def test_check_summary_shows_the_plan_without_verbose(demo, run_playbook, tmp_path):
    """ansible-playbook --check without -v: the role's printed summary holds every command, in order."""
    check, planned, _real, _done = check_then_run(demo, run_playbook, tmp_path, ("PE1", "PE2"))
    for router, expected in (("PE1", DEMO_PE1), ("PE2", DEMO_PE2)):
        lines = printed_summary(check.stdout, router)
        start = lines.index("  would send, in this order (moves between views left out):")
        assert lines[start + 1:start + 1 + len(expected)] == ["    " + c for c in expected], lines
        assert not [line for line in lines if line.startswith("  would send: ")], lines   # each command once


def test_hard_reset_and_batched_check_lists_exactly_what_the_real_run_sends(demo, run_playbook, tmp_path):
    """Without keep-all-routes: the peers lacking route-refresh are hard reset, the others refreshed one peer
    per batch; the VPN instance target on PE2 is hard reset."""
    _check, planned, real, done = check_then_run(
        demo, run_playbook, tmp_path, ("PE1", "PE2"), bgp_policy_rollout_allow_keep_all_routes=False,
        bgp_policy_rollout_allow_hard_reset=True, bgp_policy_rollout_batch_size=1)
    assert planned["PE1"]["would_send"][-6:] == [
        "refresh bgp 192.0.2.1 import", "refresh bgp vpn-instance vpna ipv4-family 172.16.1.2 import",
        "refresh bgp vpnv4 10.0.0.3 export", "refresh bgp ipv6 2001:db8:ffff::1 import",
        "reset bgp 198.51.100.1", "commit"]
    assert planned["PE2"]["would_send"] == [
        "route-policy RP-CE-IN permit node 10", "apply local-preference 150", "commit trial 300 label %s" % RUN_ID,
        "reset bgp vpn-instance vpna ipv4-family 172.16.2.2", "commit"]
    for router in ("PE1", "PE2"):
        assert planned[router]["would_send"] == planned_commands(demo, router, real), router
        assert done[router]["status"] == "confirmed", done[router]


APPLY_TASK = "netops.vrp.bgp_policy_rollout : Commit all policy changes as one trial (the router rolls it back unless " \
             "confirmed)"


def task_result(res, name, host):
    """``host``'s result of the task ``name`` (the play runs the role once per serial batch)."""
    found = [t[host] for t in res.tasks if t.name == name and host in t]
    assert len(found) == 1, (name, host, found)
    return found[0]


def test_check_with_our_leftover_trial_shows_the_change_the_real_run_applies_after_aborting_it(
        demo, run_playbook, tmp_path):
    """Issue 16 item 12: a trial of this rollout's own lines is pending on PE2 (an interrupted run). The real run
    aborts it first and then applies the whole change, so the check (and its --diff) shows the whole change
    against the configuration the abort restores, not an empty one."""
    report_dir = tmp_path / "reports"
    report_dir.mkdir()
    extra = dict(DEMO_VARS, bgp_policy_rollout_batch_pause=0, report_dir=str(report_dir),
                 bgp_policy_rollout_run_id=RUN_ID)
    clean = run_playbook(ROLLOUT, lab=demo, extra_vars=extra, check=True, diff=True)
    assert clean.ok, clean.summary()
    before = report_files(report_dir)["PE2"]
    assert before["config_updates"] == ["apply local-preference 150"]

    trial_by_hand(demo, "PE2", ["route-policy RP-CE-IN permit node 10", "apply local-preference 150"])
    check = run_playbook(ROLLOUT, lab=demo, extra_vars=extra, check=True, diff=True)
    assert check.ok, check.summary()
    assert_only_displays(demo, "PE2", since=check)
    pe2 = report_files(report_dir)["PE2"]
    assert pe2["status"] == "would_change" and pe2["recovered"]["trial_aborted"] is True, pe2
    assert pe2["config_updates"] == before["config_updates"]
    assert pe2["would_send"] == ["abort trial", "Y"] + before["would_send"]
    diff, clean_diff = task_result(check, APPLY_TASK, "PE2")["diff"], task_result(clean, APPLY_TASK, "PE2")["diff"]
    assert (diff["before"], diff["after"]) == (clean_diff["before"], clean_diff["after"])
    assert "apply local-preference 150" in diff["after"] and "apply local-preference 150" not in diff["before"]
