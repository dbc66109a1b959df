"""vrp_config / vrp_commit logic over FakeTransport: exact command lists, error paths, check mode."""
import difflib
import re
from unittest import mock

import pytest
from fake_transport import FakeTransport

from ansible_collections.netops.vrp.plugins.action.vrp_commit import ActionModule as CommitAction
from ansible_collections.netops.vrp.plugins.action.vrp_config import ActionModule as ConfigAction
from ansible_collections.netops.vrp.plugins.module_utils import commit, config, parsers
from ansible_collections.netops.vrp.plugins.module_utils.cli import VrpCli, render_commit
from ansible_collections.netops.vrp.plugins.module_utils.transport import (
    Reply,
    VrpCommandError,
    VrpConnectionError,
    VrpTimeout,
)
from ansible_collections.netops.vrp.plugins.module_utils.validate import ValidationError

RUNNING = """\
#
sysname PE1
#
bgp 65000
 router-id 10.0.0.1
 peer 10.0.0.2 as-number 65000
 peer 10.0.0.3 as-number 65000
 undo peer 10.0.0.3 capability-advertise route-refresh
 #
 ipv4-family unicast
  undo synchronization
  peer 10.0.0.2 enable
  peer 10.0.0.2 route-policy RP-OLD import
  peer 10.0.0.3 enable
#
route-policy RP-IN permit node 10
 if-match ip-prefix PFX-OLD
 apply local-preference 100
#
ip ip-prefix PFX-IN index 10 permit 10.1.0.0 16
ip ip-prefix PFX-IN index 20 permit 10.2.0.0 16 greater-equal 17 less-equal 24
ip ip-prefix PFX-OTHER index 10 permit 10.9.0.0 16
#
return"""

DISPLAYS = ["display configuration trial status", "display current-configuration"]
COMMIT_LIST = ("No.  CommitId    Label             User            TimeStamp\n"
               "1    1000000007  -                 admin           2024-01-01 10:00:00")
# the verbose list the rollback pre-check reads: two points, the newer labelled
COMMIT_POINTS = "\n\n".join(
    " %d) CommitId: %s\n        Label: %s\n        User: admin\n        User-Intf: VTY 0\n        Type: CLI\n"
    "        TimeStamp: 2024-01-01 10:00:00\n        Description: " % row
    for row in ((1, "1000000003", "before-change"), (2, "1000000002", "-")))
VIEWS = [  # view-entering lines and the prompt suffix VRP shows for them
    (r"bgp \d+", "bgp"),
    (r"ipv4-family unicast", "bgp-af-ipv4"),
    (r"route-policy \S+ (?:permit|deny) node \d+", "route-policy"),
]


def _enter(suffix):
    def reply(command, transport):
        return Reply("", "[*%s-%s]" % (transport.hostname, suffix))
    return reply


def fake(running=RUNNING, trial=False, extra=None):
    """FakeTransport that knows the views vrp_config enters, the running config and the commit list."""
    replies = {"display current-configuration": running, "display configuration commit list 1": COMMIT_LIST,
               commit.COMMIT_POINTS_DISPLAY: COMMIT_POINTS}
    for pattern, suffix in VIEWS:
        replies[re.compile(pattern)] = _enter(suffix)
    replies.update(extra or {})
    transport = FakeTransport(replies, host="PE1")
    transport.trial = trial
    return transport


def plan(blocks, running=RUNNING, **kw):
    return config.plan_config(blocks, running, **kw)


# -- wanted configuration -------------------------------------------------------------------------------
def test_src_blocks_in_order_with_views_and_hash_lines_ignored():
    blocks = config.wanted_from_src(
        "#\nip ip-prefix P index 10 permit 10.1.1.1 24\n#\nroute-policy RP permit node 10\n if-match ip-prefix P\n"
        "#\nroute-policy RP deny node 20\n#\nbgp 65000\n #\n ipv4-family unicast\n  peer 10.0.0.2 route-policy RP import\n")
    assert blocks == [
        config.WantedBlock((), ["ip ip-prefix P index 10 permit 10.1.1.0 24"]),
        config.WantedBlock(("route-policy RP permit node 10",), ["if-match ip-prefix P"]),
        config.WantedBlock(("route-policy RP deny node 20",), []),
        config.WantedBlock(("bgp 65000", "ipv4-family unicast"), ["peer 10.0.0.2 route-policy RP import"]),
    ]


@pytest.mark.parametrize("line", ["commit", "com", "quit", "return", "system-view", "abort trial",
                                  "rollback configuration last 1", "save", "display this", "reset bgp all"])
def test_session_commands_refused_as_config(line):
    with pytest.raises(ValidationError) as err:
        config.wanted_from_src("bgp 65000\n %s\n" % line)
    assert err.value.field == "src" and "line 2" in str(err.value)
    with pytest.raises(ValidationError):
        config.check_config_line(line, "lines[0]")


def test_src_without_configuration_refused():
    with pytest.raises(ValidationError, match="no configuration lines"):
        config.wanted_from_src("#\n\n#\n")


# -- planning: exact commands ------------------------------------------------------------------------------
def test_lines_under_parents_enter_views_and_send_only_missing():
    p = plan(config.wanted_from_lines(["peer 10.0.0.2 enable", "peer 10.0.0.2 route-policy RP-IN import"],
                                      ["bgp 65000", "ipv4-family unicast"]))
    assert p.commands == ["bgp 65000", "ipv4-family unicast", "peer 10.0.0.2 route-policy RP-IN import"]
    assert p.updates == ["peer 10.0.0.2 route-policy RP-IN import"]
    # the existing binding with the same direction is what the new one replaces
    assert "peer 10.0.0.2 route-policy RP-OLD import" in p.before
    assert "RP-OLD" not in p.after and "peer 10.0.0.2 route-policy RP-IN import" in p.after


def test_nothing_missing_means_no_commands():
    p = plan(config.wanted_from_lines(["peer 10.0.0.2 enable"], ["bgp 65000", "ipv4-family unicast"]))
    assert p.commands == [] and not p.changed


def test_src_several_blocks_quit_between_siblings_and_share_parents():
    src = ("ip ip-prefix PFX-NEW index 10 permit 192.0.2.0 24\n"
           "route-policy RP-NEW permit node 10\n if-match ip-prefix PFX-NEW\n"
           "route-policy RP-NEW permit node 20\n apply local-preference 50\n"
           "ip ip-prefix PFX-NEW index 20 permit 198.51.100.0 24\n"
           "bgp 65000\n peer 10.0.0.2 description to-PE2\n ipv4-family unicast\n"
           "  peer 10.0.0.2 route-policy RP-NEW export\n  peer 10.0.0.3 route-policy RP-NEW export\n")
    p = plan(config.wanted_from_src(src))
    assert p.commands == [
        "ip ip-prefix PFX-NEW index 10 permit 192.0.2.0 24",
        "route-policy RP-NEW permit node 10", "if-match ip-prefix PFX-NEW",
        "quit", "route-policy RP-NEW permit node 20", "apply local-preference 50",
        "quit", "ip ip-prefix PFX-NEW index 20 permit 198.51.100.0 24",
        "bgp 65000", "peer 10.0.0.2 description to-PE2",
        "ipv4-family unicast", "peer 10.0.0.2 route-policy RP-NEW export", "peer 10.0.0.3 route-policy RP-NEW export",
    ]
    assert "route-policy RP-NEW permit node 10" in p.updates and "bgp 65000" not in p.updates


def test_back_to_a_shallower_view_quits_only_the_levels_needed():
    src = ("bgp 65000\n ipv4-family unicast\n  peer 10.0.0.2 route-policy RP-X export\n"
           " peer 10.0.0.2 description x\n")
    assert plan(config.wanted_from_src(src)).commands == [
        "bgp 65000", "ipv4-family unicast", "peer 10.0.0.2 route-policy RP-X export", "quit",
        "peer 10.0.0.2 description x"]


def test_match_none_sends_every_line():
    p = plan(config.wanted_from_lines(["peer 10.0.0.2 enable", "peer 10.0.0.2 route-policy RP-OLD import"],
                                      ["bgp 65000", "ipv4-family unicast"]), match="none")
    assert p.commands == ["bgp 65000", "ipv4-family unicast", "peer 10.0.0.2 enable",
                          "peer 10.0.0.2 route-policy RP-OLD import"]


def test_replace_block_route_policy_node_undoes_unwanted_clauses_first():
    p = plan(config.wanted_from_lines(["if-match ip-prefix PFX-IN", "apply local-preference 100"],
                                      ["route-policy RP-IN permit node 10"]), replace="block")
    assert p.commands == ["route-policy RP-IN permit node 10", "undo if-match ip-prefix PFX-OLD",
                          "if-match ip-prefix PFX-IN"]
    assert p.after == "#\nroute-policy RP-IN permit node 10\n apply local-preference 100\n if-match ip-prefix PFX-IN\n#\n"
    # replace=line keeps the unwanted clause and relies on the router replacing the same-kind clause
    assert plan(config.wanted_from_lines(["if-match ip-prefix PFX-IN"], ["route-policy RP-IN permit node 10"])
                ).commands == ["route-policy RP-IN permit node 10", "if-match ip-prefix PFX-IN"]


def test_replace_block_prefix_list_restates_indexes_and_removes_the_rest():
    p = plan(config.wanted_from_lines(["ip ip-prefix PFX-IN index 10 permit 10.1.0.0 16",
                                       "ip ip-prefix PFX-IN index 30 permit 10.3.0.0 16"]), replace="block")
    # new entries first (an in-use list is never emptied), then the entry not wanted; other lists untouched
    assert p.commands == ["ip ip-prefix PFX-IN index 30 permit 10.3.0.0 16", "undo ip ip-prefix PFX-IN index 20"]


def test_replace_block_elsewhere_merges_with_a_warning():
    p = plan(config.wanted_from_lines(["peer 10.0.0.2 route-policy RP-IN import"],
                                      ["bgp 65000", "ipv4-family unicast"]), replace="block")
    assert p.commands == ["bgp 65000", "ipv4-family unicast", "peer 10.0.0.2 route-policy RP-IN import"]
    assert "replace=block applies to route-policy nodes" in p.warnings[0]


def test_route_policy_mode_switch_is_a_change():
    p = plan(config.wanted_from_lines(["if-match ip-prefix PFX-OLD", "apply local-preference 100"],
                                      ["route-policy RP-IN deny node 10"]))
    assert p.commands == ["route-policy RP-IN deny node 10"]
    assert p.updates == ["route-policy RP-IN deny node 10"]


@pytest.mark.parametrize("line,sent", [
    ("undo peer 10.0.0.2 route-policy RP-OLD import", True),    # present -> removed
    ("undo peer 10.0.0.2 route-policy RP-OTHER import", False),  # not present -> nothing to do
    ("undo peer 10.0.0.2 route-policy RP-OLD export", False),
])
def test_undo_sent_only_when_present(line, sent):
    p = plan(config.wanted_from_lines([line], ["bgp 65000", "ipv4-family unicast"]))
    assert p.commands == (["bgp 65000", "ipv4-family unicast", line] if sent else [])


@pytest.mark.parametrize("line,sent", [
    ("undo ip ip-prefix PFX-IN index 20", True),
    ("undo ip ip-prefix PFX-IN index 2", False),       # token match: index 2 is not index 20
    ("undo ip ip-prefix PFX-GONE index 10", False),
    ("undo ip ip-prefix PFX-OTHER", True),
    ("undo route-policy RP-IN node 10", True),
    ("undo route-policy RP-IN node 20", False),
])
def test_undo_top_level(line, sent):
    assert plan(config.wanted_from_lines([line])).commands == ([line] if sent else [])


def test_stored_undo_default_on_capability():
    bgp = ["bgp 65000"]
    # already stored -> done
    assert plan(config.wanted_from_lines(["undo peer 10.0.0.3 capability-advertise route-refresh"], bgp)).commands == []
    # default on for 10.0.0.2 -> the undo is a change although no positive line is displayed
    line = "undo peer 10.0.0.2 capability-advertise route-refresh"
    assert plan(config.wanted_from_lines([line], bgp)).commands == ["bgp 65000", line]
    # the positive form is missing only while the stored undo is there
    assert plan(config.wanted_from_lines(["peer 10.0.0.2 capability-advertise route-refresh"], bgp)).commands == []
    p = plan(config.wanted_from_lines(["peer 10.0.0.3 capability-advertise route-refresh"], bgp))
    assert p.commands == ["bgp 65000", "peer 10.0.0.3 capability-advertise route-refresh"]
    assert "undo peer 10.0.0.3 capability-advertise" in p.before and "capability" not in p.after


def test_ip_prefix_normalised_for_idempotence():
    wanted = config.wanted_from_lines([
        "ip ip-prefix PFX-IN index 10 permit 10.1.2.3 16",                                  # host bits set
        "ip  ip-prefix PFX-IN index 20 permit 10.2.255.255 16 greater-equal 17 less-equal 24",  # double space
        "ip ip-prefix PFX-IN permit 10.1.0.0 16",                                           # no index, same rule
    ])
    assert plan(wanted).commands == []
    p = plan(config.wanted_from_lines(["ip ip-prefix PFX-IN index 10 permit 10.7.7.7 16"]))
    assert p.commands == ["ip ip-prefix PFX-IN index 10 permit 10.7.0.0 16"]
    # the replaced entry keeps its place (issue 16 item 12: index 20 showed as removed and re-added)
    assert p.after == ("#\nip ip-prefix PFX-IN index 10 permit 10.7.0.0 16\n"
                       "ip ip-prefix PFX-IN index 20 permit 10.2.0.0 16 greater-equal 17 less-equal 24\n#\n")
    assert config.normalise_line("ip ipv6-prefix P6 index 5 permit 2001:DB8::1 32") == \
        "ip ipv6-prefix P6 index 5 permit 2001:db8:: 32"


def _diff_lines(p):
    return [line for line in difflib.unified_diff(p.before.splitlines(), p.after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def test_diff_shows_only_the_entries_that_change():
    """A changed or new prefix-list entry shows as itself: the unchanged entries keep their place (as the
    router lists them, by index), so a --diff never shows one as removed and re-added."""
    p = plan(config.wanted_from_lines(["ip ip-prefix PFX-IN index 10 permit 10.7.7.7 16"]))
    assert _diff_lines(p) == ["-ip ip-prefix PFX-IN index 10 permit 10.1.0.0 16",
                              "+ip ip-prefix PFX-IN index 10 permit 10.7.0.0 16"]
    p = plan(config.wanted_from_lines(["ip ip-prefix PFX-IN index 15 permit 10.5.0.0 16",
                                       "ip ip-prefix PFX-IN index 30 permit 10.3.0.0 16"]))
    assert _diff_lines(p) == ["+ip ip-prefix PFX-IN index 15 permit 10.5.0.0 16",
                              "+ip ip-prefix PFX-IN index 30 permit 10.3.0.0 16"]
    assert p.after.splitlines()[1:-1] == [
        "ip ip-prefix PFX-IN index 10 permit 10.1.0.0 16", "ip ip-prefix PFX-IN index 15 permit 10.5.0.0 16",
        "ip ip-prefix PFX-IN index 20 permit 10.2.0.0 16 greater-equal 17 less-equal 24",
        "ip ip-prefix PFX-IN index 30 permit 10.3.0.0 16"]


def test_new_block_created_by_entering_it():
    p = plan(config.wanted_from_src("route-policy RP-IN deny node 20\n"))
    assert p.commands == ["route-policy RP-IN deny node 20"] and p.before == ""
    assert p.after == "#\nroute-policy RP-IN deny node 20\n#\n"
    assert plan(config.wanted_from_src("route-policy RP-IN permit node 10\n")).commands == []


def test_parse_commit_id_and_render_commit():
    assert parsers.parse_commit_id(COMMIT_LIST) == "1000000007"
    assert parsers.parse_commit_id(" 1) CommitId: 1000000012\n        Label: -") == "1000000012"
    assert parsers.parse_commit_id("") is None
    assert render_commit() == "commit"
    assert render_commit("L1", "narrow import") == "commit label L1 description narrow import"
    assert render_commit(trial=300) == "commit trial 300"


# -- applying over VrpCli -----------------------------------------------------------------------------------
BINDING = config.wanted_from_lines(["peer 10.0.0.2 route-policy RP-IN import"], ["bgp 65000", "ipv4-family unicast"])


def test_apply_configures_commits_and_reads_commit_id():
    t = fake()
    cli = VrpCli(t)
    p = plan(BINDING)
    out = commit.apply_config(cli, p, label="before-x")
    assert out == {"changed": True, "commit_id": "1000000007", "warnings": []}
    assert t.sent == ["system-view", "bgp 65000", "ipv4-family unicast", "peer 10.0.0.2 route-policy RP-IN import",
                      "commit label before-x", "display configuration commit list 1"]


def test_error_mid_configure_discards_the_candidate():
    t = fake(extra={"peer 10.0.0.2 route-policy RP-IN import":
                    "                ^\nError: Unrecognized command found at '^' position."})
    cli = VrpCli(t)
    with pytest.raises(VrpCommandError) as err:
        commit.apply_config(cli, plan(BINDING))
    assert err.value.step == "configure" and "candidate discarded" in err.value.message
    assert t.sent == ["system-view", "bgp 65000", "ipv4-family unicast", "peer 10.0.0.2 route-policy RP-IN import",
                      "return", "N"]
    assert t.in_user_view and not t.candidate_pending


def test_rejected_commit_discards_the_candidate():
    t = fake(extra={"commit": "Error: Failed to commit the configuration.\nReason: injected"})
    cli = VrpCli(t)
    with pytest.raises(VrpCommandError) as err:
        commit.apply_config(cli, plan(BINDING))
    assert err.value.step == "commit"
    assert t.sent[-3:] == ["commit", "return", "N"] and t.in_user_view


def test_router_seeing_no_change_means_no_commit():
    t = fake(extra={"peer 10.0.0.2 route-policy RP-IN import": Reply("", "[~PE1-bgp-af-ipv4]")})
    out = commit.apply_config(VrpCli(t), plan(BINDING))
    assert out["changed"] is False and "nothing was committed" in out["warnings"][0]
    assert "commit" not in t.sent and t.sent[-1] == "return"


def test_session_lost_before_commit_says_nothing_was_applied():
    t = fake(extra={"commit": VrpConnectionError("PE1", "send 'commit'", "connection closed by the router")})
    with pytest.raises(VrpConnectionError) as err:
        commit.apply_config(VrpCli(t), plan(BINDING))
    assert err.value.step == "commit" and "check 'display configuration commit list'" in err.value.message


def test_commit_list_timeout_after_the_commit_keeps_changed_and_warns():
    lost = VrpTimeout("PE1", "send 'display configuration commit list 1'", "no prompt within 10 s")
    t = fake(extra={commit.COMMIT_LIST_DISPLAY: lost})
    out = commit.apply_config(VrpCli(t), plan(BINDING), label="x")
    assert out["changed"] is True and out["commit_id"] is None
    assert out["warnings"] == ["the commit succeeded (the change is on the router), but the commit id "
                               "('display configuration commit list 1') could not be read afterwards "
                               "(send 'display configuration commit list 1': no prompt within 10 s)"]


def test_commit_list_refused_after_a_trial_commit_names_the_trial_and_its_timer():
    t = fake(extra={commit.COMMIT_LIST_DISPLAY: "Error: Unrecognized command found at '^' position."})
    out = commit.apply_config(VrpCli(t), plan(BINDING), trial=120)
    assert out["changed"] is True and out["commit_id"] is None and t.trial
    assert "the trial commit succeeded ('commit trial 120'" in out["warnings"][0]
    assert "rolls it back after 120 s unless it is confirmed with netops.vrp.vrp_commit" in out["warnings"][0]
    assert "could not be read afterwards" in out["warnings"][0]


def test_after_commit_returns_the_value_or_the_default_with_a_warning():
    warnings = []
    assert commit.after_commit(lambda: 7, warnings, "x") == 7 and warnings == []

    def boom():
        raise VrpConnectionError("PE1", "send 'display x'", "connection closed")
    assert commit.after_commit(boom, warnings, "the x", trial=True, default="d") == "d"
    assert "after the device default time" in warnings[0] and "the x could not be read" in warnings[0]
    with pytest.raises(ZeroDivisionError):   # only VrpError is turned into a warning
        commit.after_commit(lambda: 1 / 0, [], "x")


# -- the action plugins with a fake connection ------------------------------------------------------------
class FakeTask:
    def __init__(self, args, check_mode=False, diff=False):
        self.args, self.check_mode, self.diff = args, check_mode, diff
        self.async_val = 0
        self.action = "netops.vrp.test"

    def get_name(self):
        return self.action


def run_action(cls, args, transport=None, check_mode=False, diff=False):
    conn = mock.MagicMock()
    conn.transport = conn._load_name = "netops.vrp.netmiko"
    conn._shell.tmpdir = None
    conn.journal_path.return_value = None   # no run journal
    play_context = mock.MagicMock(check_mode=check_mode, diff=diff, remote_addr="127.0.0.1")
    action = cls(FakeTask(args, check_mode, diff), conn, play_context, loader=None, templar=None,
                 shared_loader_obj=None)
    transport = transport or fake()
    used = []

    def factory():
        if action._vrp_cli is None:
            action._vrp_transport, action._vrp_cli = transport, VrpCli(transport)
            used.append(transport)
        return action._vrp_cli

    action._cli_factory = factory
    return action.run(task_vars={"inventory_hostname": "PE1"}), transport, used


POLICY_SRC = ("ip ip-prefix PFX-CE index 10 permit 172.16.0.0 16\n"
              "route-policy RP-CE permit node 10\n if-match ip-prefix PFX-CE\n apply local-preference 200\n"
              "bgp 65000\n ipv4-family unicast\n  peer 10.0.0.2 route-policy RP-CE import\n")
POLICY_COMMANDS = ["ip ip-prefix PFX-CE index 10 permit 172.16.0.0 16", "route-policy RP-CE permit node 10",
                   "if-match ip-prefix PFX-CE", "apply local-preference 200", "quit", "bgp 65000",
                   "ipv4-family unicast", "peer 10.0.0.2 route-policy RP-CE import"]


def test_action_check_mode_sends_only_displays_and_reports_the_same_commands():
    res, t, _ = run_action(ConfigAction, {"src": POLICY_SRC, "commit_trial": 120}, check_mode=True, diff=True)
    assert res["changed"] is True and not res.get("failed"), res
    assert res["commands"] == POLICY_COMMANDS + ["commit trial 120"]
    assert t.sent == DISPLAYS
    assert "route-policy RP-CE permit node 10" in res["diff"]["after"]
    real, t2, _ = run_action(ConfigAction, {"src": POLICY_SRC, "commit_trial": 120})
    assert real["changed"] is True and real["commands"] == res["commands"]
    assert t2.sent == DISPLAYS + ["system-view"] + POLICY_COMMANDS + ["commit trial 120",
                                                                      "display configuration commit list 1"]
    assert real["commit_id"] == "1000000007" and "diff" not in real


def test_action_session_lost_after_a_trial_commit_is_changed_not_failed():
    lost = VrpConnectionError("PE1", "send 'display configuration commit list 1'", "connection closed by the router")
    res, t, _ = run_action(ConfigAction, {"src": POLICY_SRC, "commit_trial": 120},
                           transport=fake(extra={commit.COMMIT_LIST_DISPLAY: lost}))
    assert not res.get("failed") and res["changed"] is True, res
    assert res["commands"] == POLICY_COMMANDS + ["commit trial 120"] and res["commit_id"] is None
    assert any("the trial commit succeeded ('commit trial 120'" in w and "connection closed by the router" in w
               for w in res["warnings"])


def test_action_refuses_when_a_trial_is_pending():
    res, t, _ = run_action(ConfigAction, {"src": POLICY_SRC}, transport=fake(trial=True))
    assert res["failed"] and res["step"] == "pre-check"
    assert "a trial commit is pending on PE1; confirm or abort it with netops.vrp.vrp_commit" in res["msg"]
    assert t.sent == DISPLAYS and res["commands"] == []


def test_action_no_change_with_pending_trial_warns():
    res, t, _ = run_action(ConfigAction, {"lines": ["peer 10.0.0.2 enable"],
                                          "parents": ["bgp 65000", "ipv4-family unicast"]},
                           transport=fake(trial=True))
    assert res["changed"] is False and not res.get("failed") and res["commands"] == []
    assert "trial commit is pending on PE1" in res["warnings"][0] and t.sent == DISPLAYS


def test_action_error_mid_configure_fails_naming_host_step_and_line():
    t = fake(extra={"apply local-preference 200": "Error: Wrong parameter found at '^' position."})
    res, _, _ = run_action(ConfigAction, {"src": POLICY_SRC}, transport=t)
    assert res["failed"] and res["step"] == "configure"
    assert res["msg"].startswith("PE1: configure: router refused 'apply local-preference 200'")
    assert res["commands"][-2:] == ["return", "N"] and "commit" not in t.sent


def test_action_discards_a_candidate_left_in_the_session():
    t = fake()
    t.prompt = "[*PE1]"
    res, _, _ = run_action(ConfigAction, {"src": POLICY_SRC}, transport=t)
    assert res["changed"] is True and "discarded" in res["warnings"][0]
    assert t.sent[:4] == DISPLAYS + ["return", "N"]


@pytest.mark.parametrize("args,field", [
    ({"lines": ["commit"]}, "lines[0]"),
    ({"lines": ["peer 1.1.1.1 enable"], "parents": ["bgp 65000", "quit"]}, "parents[1]"),
    ({"src": "bgp 65000\n return\n"}, "src"),
    ({"lines": ["x"], "commit_trial": 30}, "commit_trial"),
    ({"lines": ["peer 1.1.1.1 enable\nreturn"]}, "lines"),
])
def test_action_bad_arguments_fail_before_connecting(args, field):
    res, t, used = run_action(ConfigAction, args)
    assert res["failed"] and field in res["msg"] and used == [] and t.sent == []


# -- vrp_commit ------------------------------------------------------------------------------------------------
TRIAL_STATUS = "display configuration trial status"


@pytest.mark.parametrize("action,commands", [("confirm", ["commit"]), ("abort", ["abort trial", "Y"])])
def test_commit_confirm_and_abort_when_pending(action, commands):
    check, t, _ = run_action(CommitAction, {"action": action}, transport=fake(trial=True), check_mode=True)
    assert check["changed"] is True and check["trial_pending"] is True and check["commands"] == commands
    assert t.sent == [TRIAL_STATUS]
    res, t, _ = run_action(CommitAction, {"action": action}, transport=fake(trial=True))
    assert res["changed"] is True and res["commands"] == commands and not t.trial
    # sent from a config view (abort trial is not valid in the user view), then the status is read again
    assert t.sent == [TRIAL_STATUS, "system-view"] + commands + [TRIAL_STATUS]


ACTIVE_42 = "Trial status: ACTIVE\nTrial time left (sec): 42"


@pytest.mark.parametrize("action, reply", [
    ("confirm", ""),                                                                  # foreign_trial=silent
    ("confirm", "Error: The trial configuration belongs to another session (session 7)."),   # =refused
    ("abort", "Error: The system is not in the trial configuration mode."),            # =silent
    ("abort", "Error[1]: The trial configuration belongs to another session (session 7)."),  # =refused
])
def test_commit_confirm_and_abort_of_another_sessions_trial_fail_clearly(action, reply):
    """R5: a trial belongs to its session [NE40E-CG Configuration_Precautions_for_Configuration_Management]; from
    another session the confirm / abort is refused or ignored, and the task must fail saying so, never succeed."""
    command = "commit" if action == "confirm" else "abort trial"
    t = fake(extra={TRIAL_STATUS: ACTIVE_42, command: Reply(reply, "[~PE1]")})
    res, t, _ = run_action(CommitAction, {"action": action}, transport=t)
    assert res["failed"] is True, res
    assert "did not end the trial commit pending on PE1" in res["msg"] and "42 seconds left" in res["msg"]
    assert "abort trial session <id>" in res["msg"] and "session that ran 'commit trial'" in res["msg"]
    assert t.sent == [TRIAL_STATUS, "system-view", command, TRIAL_STATUS]


@pytest.mark.parametrize("status", ["CANCELING", "WAITCANCEL"])
def test_commit_confirm_of_a_trial_being_cancelled_sends_nothing(status):
    t = fake(extra={TRIAL_STATUS: "Trial status: %s\nTrial time left (sec): 0" % status})
    res, t, _ = run_action(CommitAction, {"action": "confirm"}, transport=t)
    assert res["failed"] is True and "already being rolled back (trial status %s)" % status in res["msg"]
    assert t.sent == [TRIAL_STATUS]


@pytest.mark.parametrize("action", ["confirm", "abort"])
def test_commit_confirm_and_abort_without_trial_change_nothing(action):
    res, t, _ = run_action(CommitAction, {"action": action})
    assert res["changed"] is False and res["trial_pending"] is False and res["commands"] == []
    assert t.sent == [TRIAL_STATUS]


@pytest.mark.parametrize("args,command", [
    ({"label": "before-change"}, "rollback configuration to label before-change"),
    ({"commit_id": "1000000003"}, "rollback configuration to commit-id 1000000003"),
    ({"last": 2}, "rollback configuration last 2"),
])
def test_rollback(args, command):
    check, t, _ = run_action(CommitAction, dict(args, action="rollback"), check_mode=True)
    assert check["changed"] is True and check["commands"] == [command, "Y"]
    assert t.sent == [TRIAL_STATUS, commit.COMMIT_POINTS_DISPLAY]
    # the router asks [Y/N] first [CE-CR rollback_configuration.md]
    t = fake(extra={re.compile(r"rollback configuration .*"): Reply("", "Continue? [Y/N]:"),
                    "Y": Reply("Configuration rollback succeeded.", "<PE1>")})
    res, t, _ = run_action(CommitAction, dict(args, action="rollback"), transport=t)
    assert res["changed"] is True and res["commands"] == [command, "Y"]
    assert t.sent == [TRIAL_STATUS, commit.COMMIT_POINTS_DISPLAY, command, "Y"]


@pytest.mark.parametrize("check_mode", [False, True])
@pytest.mark.parametrize("args,words", [
    ({"label": "never-made"}, "label never-made is not in the commit list"),
    ({"commit_id": "1000000009"}, "commit id 1000000009 is not in the commit list"),
    ({"last": 3}, "last 3 asks for more commits than the commit list holds (2)"),
])
def test_rollback_to_a_point_not_in_the_commit_list_sends_only_displays(args, words, check_mode):
    res, t, _ = run_action(CommitAction, dict(args, action="rollback"), check_mode=check_mode)
    assert res["failed"] and res["changed"] is False and words in res["msg"] and res["msg"].startswith("PE1: rollback")
    assert t.sent == [TRIAL_STATUS, commit.COMMIT_POINTS_DISPLAY] and res["commands"] == []


def test_parse_commit_points():
    assert parsers.parse_commit_points(COMMIT_POINTS) == [{"commit_id": "1000000003", "label": "before-change"},
                                                         {"commit_id": "1000000002", "label": None}]
    assert parsers.parse_commit_points("") == []


def test_rollback_refused_while_a_trial_is_pending():
    res, t, _ = run_action(CommitAction, {"action": "rollback", "last": 1}, transport=fake(trial=True))
    assert res["failed"] and "trial commit is pending on PE1" in res["msg"] and t.sent == [TRIAL_STATUS]


@pytest.mark.parametrize("args,field", [
    ({"action": "rollback", "commit_id": "12; reset"}, "commit_id"),
    ({"action": "rollback", "label": "bad label"}, "label"),
    ({"action": "rollback", "last": 0}, "last"),
    ({"action": "confirm", "label": "x1"}, "label"),
    ({"action": "rollback"}, "rollback"),
])
def test_commit_bad_arguments_fail_before_connecting(args, field):
    res, t, used = run_action(CommitAction, args)
    assert res["failed"] and field in res["msg"] and used == []


# -- the one guarded commit (vrp_config and the peer-config modules) -------------------------------------
def test_guarded_commit_refuses_a_pending_trial_before_typing_anything():
    transport = fake(trial=True)
    cli = VrpCli(transport)
    blocks = config.wanted_from_src(POLICY_SRC)
    with pytest.raises(VrpCommandError) as err:
        commit.guarded_commit(cli, plan(blocks), {"commit_trial": 120}, [])
    assert err.value.step == "pre-check" and "trial commit is pending" in err.value.message
    assert cli.changes_sent == []


def test_guarded_commit_stops_in_check_mode_and_commits_with_the_task_options():
    blocks = config.wanted_from_src(POLICY_SRC)
    transport = fake()
    cli, warnings = VrpCli(transport), []
    assert commit.guarded_commit(cli, plan(blocks), {}, warnings, check_mode=True) is None
    assert cli.changes_sent == [] and warnings == []
    applied = commit.guarded_commit(cli, plan(blocks), {"commit_label": "L1", "commit_description": "d"}, warnings)
    assert applied["changed"] is True and cli.changes_sent[-1] == "commit label L1 description d"


# -- check mode after the abort of a leftover trial (issue 16 item 12) -----------------------------------------
# RUNNING with a trial of POLICY_SRC's prefix entry and a changed index 10 on top, and that trial's changes
TRIAL_RUNNING = RUNNING.replace(
    "ip ip-prefix PFX-IN index 10 permit 10.1.0.0 16\n",
    "ip ip-prefix PFX-IN index 10 permit 10.7.0.0 16\n").replace(
    "#\nreturn", "ip ip-prefix PFX-CE index 10 permit 172.16.0.0 16\n#\nroute-policy RP-NEW permit node 10\n"
                 " if-match ip-prefix PFX-CE\n#\nreturn")
TRIAL_CHANGES = """Building configuration
  #
- ip ip-prefix PFX-IN index 10 permit 10.1.0.0 16
+ ip ip-prefix PFX-IN index 10 permit 10.7.0.0 16
+ ip ip-prefix PFX-CE index 10 permit 172.16.0.0 16
  #
+ route-policy RP-NEW permit node 10
+  if-match ip-prefix PFX-CE
  #
  bgp 65000
   ipv4-family unicast
-   peer 10.0.0.2 route-policy RP-OLD import
+   peer 10.0.0.2 route-policy RP-TRIAL import
  #"""


def test_config_before_changes_is_what_the_abort_restores():
    running = TRIAL_RUNNING.replace("  peer 10.0.0.2 route-policy RP-OLD import",
                                    "  peer 10.0.0.2 route-policy RP-TRIAL import")
    restored = config.config_before_changes(running, parsers.parse_commit_changes(TRIAL_CHANGES)["changes"])
    assert _lines(restored) == _lines(RUNNING)   # the same lines under the same views (a restored line goes last)


def _lines(text):
    """Every line with its views, order aside."""
    out = []

    def walk(nodes, path):
        for node in nodes:
            out.append(path + (node.line,))
            walk(node.children, path + (node.line,))
    walk(parsers.parse_config_tree(text), ())
    return sorted(out)


def test_check_mode_after_abort_plans_against_the_configuration_before_the_trial():
    """A trial of POLICY_SRC's entry is pending: the rollout's abort (an earlier task) would restore RUNNING, so
    the check plans and diffs the lines the real run types after it, not an empty change."""
    clean, _t, _ = run_action(ConfigAction, {"src": POLICY_SRC, "commit_trial": 120}, check_mode=True, diff=True)
    extra = {commit.TRIAL_CHANGES_DISPLAY: TRIAL_CHANGES}
    res, t, _ = run_action(ConfigAction, {"src": POLICY_SRC, "commit_trial": 120, "check_mode_after_abort": True},
                           transport=fake(TRIAL_RUNNING, trial=True, extra=extra), check_mode=True, diff=True)
    assert not res.get("failed"), res.get("msg")
    assert res["changed"] and res["commands"] == clean["commands"] == POLICY_COMMANDS + ["commit trial 120"]
    assert res["diff"]["before"] == clean["diff"]["before"] and res["diff"]["after"] == clean["diff"]["after"]
    assert res["diff"]["before_header"] == "PE1 (running once the pending trial is aborted)"
    assert all(c.startswith("display ") for c in t.sent), t.sent
    # without the option the pending trial's own lines hide the change (and outside check mode it is ignored)
    res, t, _ = run_action(ConfigAction, {"src": "ip ip-prefix PFX-CE index 10 permit 172.16.0.0 16\n"},
                           transport=fake(TRIAL_RUNNING, trial=True, extra=extra), check_mode=True, diff=True)
    assert not res["changed"] and res["commands"] == [] and commit.TRIAL_CHANGES_DISPLAY not in t.sent
