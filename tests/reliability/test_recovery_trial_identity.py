"""Telling a trial left by an interrupted run of the same change from anyone else's (unit level):
``parsers.parse_commit_changes`` + ``commit.foreign_changes`` + ``commit.commit_action(trial_within=...)``."""
import pytest
from fake_transport import FakeTransport

from ansible_collections.netops.vrp.plugins.module_utils import commit, config
from ansible_collections.netops.vrp.plugins.module_utils.cli import VrpCli
from ansible_collections.netops.vrp.plugins.module_utils.parsers import parse_commit_changes
from ansible_collections.netops.vrp.plugins.module_utils.transport import VrpCommandError

# as vrpsim prints it (vrp-cli-reference §1.3 layout, reconstructed)
CHANGES = """Commit changes of commitId 1000000007 2026-11-30 20:34:59
Building configuration
  #
  bgp 65000
   ipv4-family unicast
+   peer 192.0.2.2 route-policy RP-NEW import
-   peer 192.0.2.2 route-policy RP-OLD import
  #
+ route-policy RP-NEW permit node 10
+  if-match ip-prefix PL-NEW
  #
- ip ip-prefix PL-CE-IN index 10 permit 10.20.0.0 16 less-equal 24
+ ip ip-prefix PL-CE-IN index 10 permit 10.20.0.0 16
  #"""

OURS = """route-policy RP-NEW permit node 10
 if-match ip-prefix PL-NEW
ip ip-prefix PL-CE-IN index 10 permit 10.20.0.0 16
bgp 65000
 ipv4-family unicast
  peer 192.0.2.2 route-policy RP-NEW import
"""


def test_parse_commit_changes_paths_and_id():
    parsed = parse_commit_changes(CHANGES)
    assert parsed["commit_id"] == "1000000007"
    assert parsed["changes"] == [
        ("+", ("bgp 65000", "ipv4-family unicast"), "peer 192.0.2.2 route-policy RP-NEW import"),
        ("-", ("bgp 65000", "ipv4-family unicast"), "peer 192.0.2.2 route-policy RP-OLD import"),
        ("+", (), "route-policy RP-NEW permit node 10"),
        ("+", ("route-policy RP-NEW permit node 10",), "if-match ip-prefix PL-NEW"),
        ("-", (), "ip ip-prefix PL-CE-IN index 10 permit 10.20.0.0 16 less-equal 24"),
        ("+", (), "ip ip-prefix PL-CE-IN index 10 permit 10.20.0.0 16"),
    ]
    assert parse_commit_changes("") == {"commit_id": None, "changes": []}


@pytest.mark.parametrize("wanted, foreign", [
    (OURS, []),                                               # exactly our change: replaced lines explained
    (OURS + "ip ip-prefix PL-EXTRA index 5 permit 192.0.2.0 24\n", []),   # ours grew since: still ours
    (OURS.replace(" if-match ip-prefix PL-NEW\n", ""),        # a line of the trial we do not want
     ["+ route-policy RP-NEW permit node 10 / if-match ip-prefix PL-NEW"]),
    ("ip ip-prefix PL-CE-IN index 10 permit 10.20.0.0 16\n", [
        "+ bgp 65000 / ipv4-family unicast / peer 192.0.2.2 route-policy RP-NEW import",
        "- bgp 65000 / ipv4-family unicast / peer 192.0.2.2 route-policy RP-OLD import",
        "+ route-policy RP-NEW permit node 10",
        "+ route-policy RP-NEW permit node 10 / if-match ip-prefix PL-NEW"]),
])
def test_foreign_changes(wanted, foreign):
    blocks = config.wanted_from_src(wanted)
    assert commit.foreign_changes(blocks, parse_commit_changes(CHANGES)["changes"]) == foreign


def test_removal_explained_by_wanted_undo():
    changes = parse_commit_changes("- route-policy RP-OLD permit node 10\n-  apply community 65000:1\n")["changes"]
    assert commit.foreign_changes(config.wanted_from_src("undo route-policy RP-OLD\n"), changes) == []
    assert commit.foreign_changes([], changes) == ["- route-policy RP-OLD permit node 10",
                                                   "- route-policy RP-OLD permit node 10 / apply community 65000:1"]


# [NE40E-CR DisplayTrialState(CFGOM)]
TRIAL_ACTIVE = "Trial status: ACTIVE\nTrial time left (sec): 51\n"
TRIAL_INACTIVE = "Trial status: INACTIVE\nTrial time left (sec): 0\n"
COMMIT_LIST_1 = "1) CommitId: 1000000007\n        Label: -\n"


def _cli(changes=CHANGES):
    transport = FakeTransport({"display configuration trial status": [TRIAL_ACTIVE, TRIAL_INACTIVE],
                               "display configuration commit changes last 1": changes,
                               "display configuration commit list 1": COMMIT_LIST_1}, host="PE1")
    return VrpCli(transport), transport


def test_commit_action_aborts_our_trial():
    cli, transport = _cli()
    result = commit.commit_action(cli, "abort", trial_within=config.wanted_from_src(OURS))
    assert result["changed"] is True and result["trial_commit_id"] == "1000000007"
    assert "abort trial" in transport.sent


@pytest.mark.parametrize("within, changes", [("", CHANGES), (OURS, "Building configuration\n  #\n")],
                         ids=["no-change-of-ours", "unreadable-changes"])
def test_commit_action_refuses_other_trials_sending_only_displays(within, changes):
    cli, transport = _cli(changes)
    blocks = config.wanted_from_src(within) if within else []
    with pytest.raises(VrpCommandError) as err:
        commit.commit_action(cli, "abort", trial_within=blocks)
    assert err.value.step == "pre-check" and str(err.value).startswith("PE1: pre-check: a trial commit")
    assert all(c.startswith("display") or c == "" for c in transport.sent), transport.sent


# Without an argument the display lists EVERY rollback point, newest first [NE40E-CR DisplayCfgCommitChanges(CFGOM);
# fs: "display configuration commit list" CE capture]: older commits of anyone must not count as the trial's.
ALL_POINTS = ("Building configuration\nCommit changes of commitId 1000000007 2026-11-30 20:34:59\n"
              + CHANGES.split("Building configuration\n", 1)[1]
              + "\nCommit changes of commitId 1000000006 2026-11-30 20:00:00\n  #\n- sysname OLD\n+ sysname PE1\n  #")
LAST_1 = "Building configuration\n" + CHANGES.split("Building configuration\n", 1)[1]   # no commitId header


def test_trial_within_reads_only_the_newest_commit_of_a_router_with_history():
    """R4 regression: a router with commit history + our own pending trial is not refused by trial_within."""
    transport = FakeTransport({"display configuration trial status": [TRIAL_ACTIVE, TRIAL_INACTIVE],
                               "display configuration commit changes": ALL_POINTS,
                               "display configuration commit changes last 1": LAST_1,
                               "display configuration commit list 1": COMMIT_LIST_1}, host="PE1")
    result = commit.commit_action(VrpCli(transport), "abort", trial_within=config.wanted_from_src(OURS))
    assert result["changed"] is True and result["trial_commit_id"] == "1000000007"
    assert "display configuration commit changes last 1" in transport.sent
    assert "display configuration commit changes" not in transport.sent
    assert transport.sent[-3:] == ["abort trial", "Y", "display configuration trial status"]
