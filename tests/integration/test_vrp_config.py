"""vrp_config against vrpsim over SSH on every release profile: exact transcript, check mode, idempotence, diff,
failures."""
import pytest
from harness import assert_only_displays, commands_sent
from lab_fixtures import DEFAULT_TOPOLOGY, PLATFORMS, on_platform


@pytest.fixture(params=PLATFORMS)
def lab(make_lab, request):
    """The two-router lab of lab_fixtures, on each release (numbered errors, display timestamp lines...)."""
    return make_lab(on_platform(DEFAULT_TOPOLOGY, request.param))

DISPLAYS = ["display configuration trial status", "display current-configuration"]

POLICY_SRC = """\
ip ip-prefix PFX-PE-IN index 10 permit 10.20.1.1 16 greater-equal 16 less-equal 24
#
route-policy RP-PE-IN permit node 10
 if-match ip-prefix PFX-PE-IN
 apply local-preference 200
#
route-policy RP-PE-IN deny node 20
#
bgp 65000
 ipv4-family unicast
  peer {{ peer }} route-policy RP-PE-IN import
"""


def policy_task(name, **extra):
    """The policy + prefix list + peer binding change, for both routers (each binds to the other)."""
    task = {"name": name,
            "netops.vrp.vrp_config": {"src": POLICY_SRC, "commit_label": "policy-{{ inventory_hostname }}"},
            "vars": {"peer": "{{ '10.0.0.2' if inventory_hostname == 'PE1' else '10.0.0.1' }}"}}
    task.update(extra)
    return task


PE1_COMMANDS = [
    "ip ip-prefix PFX-PE-IN index 10 permit 10.20.0.0 16 greater-equal 16 less-equal 24",
    "route-policy RP-PE-IN permit node 10", "if-match ip-prefix PFX-PE-IN", "apply local-preference 200",
    "quit", "route-policy RP-PE-IN deny node 20",
    "quit", "bgp 65000", "ipv4-family unicast", "peer 10.0.0.2 route-policy RP-PE-IN import",
]


def test_check_apply_then_idempotent(lab, run_tasks):
    res = run_tasks([policy_task("check", check_mode=True), policy_task("apply"), policy_task("again")],
                    diff=True)
    assert res.ok, res.summary()
    check, apply, again = (res[t]["PE1"] for t in ("check", "apply", "again"))

    # check mode: the exact commands, a diff, and nothing but displays on the router
    assert check["changed"] is True
    assert check["commands"] == PE1_COMMANDS + ["commit label policy-PE1"]
    assert "apply local-preference 200" in check["diff"]["after"]
    assert "RP-PE-IN" not in check["diff"]["before"]
    # the real run sends what check mode announced, and reads back the commit id
    assert apply["changed"] is True and apply["commands"] == check["commands"]
    assert apply["diff"] == check["diff"]
    assert apply["commit_id"].isdigit()
    # the second run only looks
    assert again["changed"] is False and again["commands"] == []

    sent = commands_sent(lab, "PE1", since=res)
    assert sent[-1] == "return"   # the keeper's logout: the session was left in the bgp view after commit
    assert sent[:-1] == (
        DISPLAYS                                                        # check
        + DISPLAYS + ["system-view"] + PE1_COMMANDS + ["commit label policy-PE1",
                                                       "display configuration commit list 1"]
        + DISPLAYS)                                                     # again
    running = lab.running_config("PE1")
    assert "ip ip-prefix PFX-PE-IN index 10 permit 10.20.0.0 16 greater-equal 16 less-equal 24" in running
    assert "route-policy RP-PE-IN permit node 10\n if-match ip-prefix PFX-PE-IN\n apply local-preference 200" \
        in running
    assert "route-policy RP-PE-IN deny node 20" in running
    assert "  peer 10.0.0.2 route-policy RP-PE-IN import" in running
    assert res["apply"]["PE2"]["changed"] is True and "peer 10.0.0.1 route-policy RP-PE-IN import" in \
        lab.running_config("PE2")
    # the keeper's bgp model follows the committed policy binding
    session = [s for s in lab.bgp("PE1")["sessions"] if s["address"] == "10.0.0.2"][0]
    assert session["import_policy"].get("ipv4") == "RP-PE-IN"


def test_check_mode_only_displays(lab, run_tasks):
    before = lab.running_config("PE1")
    res = run_tasks([policy_task("check")], check=True)
    assert res.ok, res.summary()
    assert res["check"]["PE1"]["changed"] is True
    assert commands_sent(lab, "PE1", since=res) == DISPLAYS
    assert_only_displays(lab, "PE2", since=res)
    assert lab.running_config("PE1") == before


def test_rejected_commit_fails_and_leaves_nothing(lab, run_tasks):
    before = lab.running_config("PE1")
    lab.fault("reject_commit", "PE1")
    res = run_tasks([policy_task("apply")])
    result = res["apply"]["PE1"]
    assert result["_status"] == "failed" and result["step"] == "commit"
    assert result["msg"].startswith("PE1: commit: 'commit label policy-PE1' failed")
    assert "candidate discarded" in result["msg"]
    assert commands_sent(lab, "PE1", since=res)[-3:] == ["commit label policy-PE1", "return", "N"]
    assert lab.running_config("PE1") == before
    assert lab.candidate_config("PE1") == before        # no session holds a candidate any more
    assert res["apply"]["PE2"]["changed"] is True and not res["apply"]["PE2"].get("failed")


def test_session_dropped_before_commit_fails_clearly(lab, run_tasks):
    before = lab.running_config("PE1")
    lab.fault("drop", "PE1", when="before", match="^commit")
    res = run_tasks([policy_task("apply")], limit="PE1")
    result = res["apply"]["PE1"]
    assert result["_status"] == "failed" and result["step"] == "commit", result
    assert result["msg"].startswith("PE1: commit: ")
    assert "check 'display configuration commit list'" in result["msg"]
    assert lab.running_config("PE1") == before
    assert lab.candidate_config("PE1") == before


def test_configure_error_discards_and_names_the_line(lab, run_tasks):
    before = lab.running_config("PE1")
    res = run_tasks("""
    - name: bad
      netops.vrp.vrp_config:
        parents: [bgp 65000, ipv4-family unicast]
        lines:
          - peer 10.0.0.2 route-policy RP-X import
          - peer 10.9.9.9 route-policy RP-X import
    """, limit="PE1")
    result = res["bad"]["PE1"]
    assert result["_status"] == "failed" and result["step"] == "configure"
    assert "peer 10.9.9.9 route-policy RP-X import" in result["msg"] and "candidate discarded" in result["msg"]
    assert commands_sent(lab, "PE1", since=res)[-2:] == ["return", "N"]
    assert lab.running_config("PE1") == before and lab.candidate_config("PE1") == before


def test_syntax_error_in_any_release_form_discards_and_names_the_line(lab, run_tasks):
    """R3: a line the router refuses with a caret error (``Error[N]: ...`` on releases with numbered errors
    [gnetcli huawei_test.go]) fails the task before the commit and leaves no candidate behind."""
    before = lab.running_config("PE1")
    res = run_tasks("""
    - name: bad
      netops.vrp.vrp_config:
        parents: [bgp 65000]
        lines:
          - peer 10.0.0.2 description fine
          - peer 10.0.0.2 sideways
          - peer 10.0.0.2 description never-typed
    """, limit="PE1")
    result = res["bad"]["PE1"]
    assert result["_status"] == "failed" and result["step"] == "configure", result
    assert "peer 10.0.0.2 sideways" in result["msg"] and "candidate discarded" in result["msg"]
    sent = commands_sent(lab, "PE1", since=res)
    assert "peer 10.0.0.2 description never-typed" not in sent and not any(c.startswith("commit") for c in sent)
    assert sent[-2:] == ["return", "N"]
    assert lab.running_config("PE1") == before and lab.candidate_config("PE1") == before
