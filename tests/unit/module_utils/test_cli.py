"""VrpCli over FakeTransport: exact command sequences, including the error paths."""
import re

import pytest
from fake_transport import FakeTransport

from ansible_collections.netops.vrp.plugins.module_utils.cli import VrpCli, error_line, parse_trial_status
from ansible_collections.netops.vrp.plugins.module_utils.transport import (
    Reply,
    VrpCommandError,
    VrpConnectionError,
    VrpError,
    VrpTimeout,
    error_from_dict,
    parse_prompt,
    split_reply,
)

CARET_ERROR = "           ^\nError: Unrecognized command found at '^' position."


def make(replies=None, prompt=None, **kw):
    t = FakeTransport(replies or {}, host="PE1", prompt=prompt, **kw)
    return t, VrpCli(t)


# -- transport basics ----------------------------------------------------------------------------
def test_error_str_and_roundtrip():
    e = VrpConnectionError("PE1", "login", "authentication failed", reason="auth")
    assert str(e) == "PE1: login: authentication failed"
    back = error_from_dict(e.to_dict())
    assert isinstance(back, VrpConnectionError) and back.reason == "auth" and str(back) == str(e)
    c = error_from_dict(VrpCommandError("PE1", "configure", "bad", command="x", output="Error: y").to_dict())
    assert isinstance(c, VrpCommandError) and c.command == "x" and c.output == "Error: y"
    assert isinstance(error_from_dict({"class": "VrpTimeout", "message": "m"}, host="R"), VrpTimeout)
    assert isinstance(error_from_dict({"class": "Nope"}), VrpError)


@pytest.mark.parametrize("prompt,kind,mark,view", [
    ("<PE1>", "user", "", "PE1"),
    ("[~PE1]", "config", "~", "PE1"),
    ("[*PE1-bgp-af-ipv4]", "config", "*", "PE1-bgp-af-ipv4"),
    ("[PE1]", "config", "", "PE1"),
    ("Warning: The trial configuration will be rolled back. Continue? [Y/N]:", "question", "", None),
    ("Warning: Uncommitted configurations found, commit them before exiting? [Y(yes)/N(no)/C(cancel)]:",
     "question", "", None),
    ("garbage", "unknown", "", None),
])
def test_parse_prompt(prompt, kind, mark, view):
    info = parse_prompt(prompt)
    assert (info["kind"], info["mark"], info["view"]) == (kind, mark, view)


def test_split_reply():
    assert split_reply("line1\nline2\n<PE1>") == Reply("line1\nline2", "<PE1>")
    assert split_reply("<PE1>") == Reply("", "<PE1>")
    assert split_reply("a\r\nContinue? [Y/N]:") == Reply("a", "Continue? [Y/N]:")
    assert split_reply("no prompt here") == Reply("no prompt here", "")


# -- display / operational -------------------------------------------------------------------------
def test_display_only_displays():
    t, cli = make({"display bgp peer": "BGP local router ID : 10.0.0.1"})
    assert cli.display("display bgp peer") == "BGP local router ID : 10.0.0.1"
    with pytest.raises(ValueError):
        cli.display("reset bgp all")
    assert t.sent == ["display bgp peer"]


def test_display_error_raises():
    t, cli = make({"display bgp pear": Reply(CARET_ERROR, "<PE1>")})
    with pytest.raises(VrpCommandError) as exc:
        cli.display("display bgp pear")
    assert "Unrecognized command" in str(exc.value) and exc.value.command == "display bgp pear"
    assert str(exc.value).startswith("PE1: display: ")


def test_control_characters_refused_before_sending():
    t, cli = make()
    with pytest.raises(ValueError):
        cli.configure(["bgp 65000\nundo bgp 65000"])
    with pytest.raises(ValueError):
        cli.display("display bgp peer\r")
    assert t.sent == []


def test_operational_answers_question_in_user_view():
    t, cli = make({"reset bgp 10.0.0.2": Reply("", "Warning: This will reset the BGP connection. Continue? [Y/N]:"),
                   "Y": Reply("Info: done.", "<PE1>")})
    out = cli.operational("reset bgp 10.0.0.2")
    assert t.sent == ["reset bgp 10.0.0.2", "Y"]
    assert "Info: done." in out


def test_operational_from_system_view_returns_first():
    t, cli = make(prompt="[~PE1-bgp]")
    cli.operational("refresh bgp all import")
    assert t.sent == ["return", "refresh bgp all import"]


def test_operational_discards_pending_candidate_first():
    t, cli = make(prompt="[*PE1-bgp]")
    cli.operational("refresh bgp all import")
    assert t.sent == ["return", "N", "refresh bgp all import"]


def test_operational_question_without_answer_is_cancelled():
    t, cli = make({"reset bgp all": Reply("", "Continue? [Y/N]:"), "N": Reply("", "<PE1>")})
    with pytest.raises(VrpCommandError, match="unexpected question"):
        cli.operational("reset bgp all", answer=None)
    assert t.sent == ["reset bgp all", "N"]


def test_operational_error():
    t, cli = make({"refresh bgp 1.1.1.1 import": Reply("Error: The peer does not exist.", "<PE1>")})
    with pytest.raises(VrpCommandError, match="peer does not exist"):
        cli.operational("refresh bgp 1.1.1.1 import")


# -- configure / commit ----------------------------------------------------------------------------
BGP = {"bgp 65000": Reply("", "[*PE1-bgp]"),
       "ipv4-family unicast": Reply("", "[*PE1-bgp-af-ipv4]")}


def test_configure_and_commit_sequence():
    t, cli = make(dict(BGP))
    cli.configure(["bgp 65000", " ipv4-family unicast", "  peer 10.0.0.2 keep-all-routes", "#", ""])
    assert cli.candidate_pending
    cli.commit()
    assert t.sent == ["system-view", "bgp 65000", "ipv4-family unicast", "peer 10.0.0.2 keep-all-routes",
                      "commit"]
    assert not cli.candidate_pending and cli.view_kind == "config"
    # the next configure goes back to the system view root with quit, never a redundant system-view
    cli.configure(["bgp 65000"])
    assert t.sent[5:] == ["quit", "quit", "bgp 65000"]
    # operational after that: candidate pending -> discarded
    cli.operational("display bgp peer")
    assert t.sent[8:] == ["return", "N", "display bgp peer"]


def test_configure_already_in_system_view_sends_no_system_view():
    t, cli = make(prompt="[~PE1]")
    cli.configure(["route-policy RP permit node 10"])
    assert t.sent == ["route-policy RP permit node 10"]


def test_configure_error_mid_way_discards_candidate():
    t, cli = make(dict(BGP, **{"peer 10.0.0.9 keep-all-routes": Reply(
        "Error: The peer does not exist.", "[*PE1-bgp]")}))
    with pytest.raises(VrpCommandError) as exc:
        cli.configure(["bgp 65000", "peer 10.0.0.2 keep-all-routes", "peer 10.0.0.9 keep-all-routes",
                       "peer 10.0.0.3 keep-all-routes"])
    assert exc.value.command == "peer 10.0.0.9 keep-all-routes"
    assert "candidate discarded" in str(exc.value) and str(exc.value).startswith("PE1: configure:")
    assert t.sent == ["system-view", "bgp 65000", "peer 10.0.0.2 keep-all-routes",
                      "peer 10.0.0.9 keep-all-routes", "return", "N"]
    assert cli.view_kind == "user" and not t.candidate_pending


def test_configure_unexpected_question_cancelled_and_discarded():
    t, cli = make({"undo bgp 65000": Reply("", "Warning: All BGP configurations will be deleted. Continue? [Y/N]:"),
                   "N": [Reply("", "[~PE1]"), Reply("", "<PE1>")]})
    with pytest.raises(VrpCommandError, match="unexpected question"):
        cli.configure(["undo bgp 65000"])
    assert t.sent == ["system-view", "undo bgp 65000", "N", "return"]


def test_configure_with_answer():
    t, cli = make({"undo bgp 65000": Reply("", "Continue? [Y/N]:"), "Y": Reply("", "[*PE1]")})
    cli.configure(["undo bgp 65000"], answer="Y")
    assert t.sent == ["system-view", "undo bgp 65000", "Y"]


def test_commit_rejected_discards():
    t, cli = make(dict(BGP, commit=Reply("Error: Failed to commit the configuration.\nReason: test", "[*PE1-bgp]")))
    cli.configure(["bgp 65000", "peer 10.0.0.2 keep-all-routes"])
    with pytest.raises(VrpCommandError) as exc:
        cli.commit()
    assert str(exc.value).startswith("PE1: commit: 'commit' failed: Error: Failed to commit")
    assert t.sent[-3:] == ["commit", "return", "N"]
    assert cli.view_kind == "user"


def test_commit_failed_without_error_prefix():
    t, cli = make({"commit": "Failed to generate committed config"}, prompt="[*PE1]")
    with pytest.raises(VrpCommandError):
        cli.commit()
    assert t.sent == ["commit", "return", "N"]


def test_commit_still_pending_is_failure():
    t, cli = make({"commit": Reply("", "[*PE1]")}, prompt="[*PE1]")
    with pytest.raises(VrpCommandError, match="still pending"):
        cli.commit()


def test_commit_options_and_trial():
    """``commit [ trial [ <time> ] [ label <label> ] ] [ description <description> ]`` [NE40E-CR Commit(CFGOM)]."""
    t, cli = make(prompt="[*PE1-bgp]")
    cli.commit(trial=300, label="rollout-1", description="try it")
    assert t.sent == ["commit trial 300 label rollout-1 description try it"]
    assert cli.pending_state() == {"candidate_pending": False, "trial_pending": True, "trial_status": "ACTIVE",
                                   "trial_seconds_left": 600}
    cli.confirm_trial()
    assert t.sent[-1] == "commit"
    with pytest.raises(ValueError):
        cli.commit(label="has space")
    cli.configure(["bgp 65000"])
    cli.commit(label="rollout-1", description="policy rollout")
    assert t.sent[-1] == "commit label rollout-1 description policy rollout"


def test_commit_from_user_view_enters_system_view():
    t, cli = make()
    cli.commit(trial=True)
    assert t.sent == ["system-view", "commit trial"]


def test_abort_trial():
    """``abort trial`` runs in a config view, never the user view [NE40E-CR CfgTrial(CFGOM); CE-CR abort_trial.md]."""
    t, cli = make(prompt="[~PE1]")
    cli.commit(trial=60)
    cli.abort_trial()
    assert t.sent == ["commit trial 60", "abort trial", "Y"]
    assert cli.pending_state()["trial_pending"] is False
    t, cli = make(prompt="<PE1>")
    cli.abort_trial()
    assert t.sent == ["system-view", "abort trial", "Y"]


def test_discard_variants():
    t, cli = make()
    cli.discard()
    assert t.sent == []
    t, cli = make(prompt="[~PE1-bgp]")
    cli.discard()
    assert t.sent == ["return"]
    t, cli = make(prompt="[*PE1-bgp]")
    cli.discard()
    assert t.sent == ["return", "N"] and cli.view_kind == "user"


def test_rollback():
    t, cli = make({re.compile(r"rollback configuration .*"): Reply("", "Continue? [Y/N]:"),
                   "Y": Reply("Info: Rollback succeeded.", "<PE1>")}, prompt="[~PE1]")
    out = cli.rollback(commit_id="1000000012")
    assert t.sent == ["return", "rollback configuration to commit-id 1000000012", "Y"]
    assert "succeeded" in out
    cli.rollback(label="before-rollout")
    cli.rollback(last=1)
    assert t.sent[3:] == ["rollback configuration to label before-rollout", "Y",
                          "rollback configuration last 1", "Y"]
    with pytest.raises(ValueError):
        cli.rollback()
    with pytest.raises(ValueError):
        cli.rollback(commit_id="1", last=2)


def test_rollback_failure():
    t, cli = make({"rollback configuration last 1": "Error: The rollback point does not exist."})
    with pytest.raises(VrpCommandError, match="does not exist"):
        cli.rollback(last=1)


def test_pending_state_candidate():
    t, cli = make(prompt="[*PE1-bgp]")
    assert cli.pending_state() == {"candidate_pending": True, "trial_pending": False, "trial_status": "INACTIVE",
                                   "trial_seconds_left": 0}
    assert t.sent == ["display configuration trial status"]


def test_unknown_prompt_is_learned_with_empty_line():
    t = FakeTransport({"": Reply("", "[~PE1-bgp]")}, host="PE1")
    t.prompt = None
    cli = VrpCli(t)
    cli.operational("refresh bgp all import")
    assert t.sent == ["", "return", "refresh bgp all import"]


def test_transport_errors_propagate():
    t, cli = make({"display bgp peer": VrpTimeout("PE1", "command 'display bgp peer'", "no prompt after 5s")})
    with pytest.raises(VrpTimeout, match="PE1: command"):
        cli.display("display bgp peer")


@pytest.mark.parametrize("text,status,left,pending", [
    # the four [NE40E-CR DisplayTrialState(CFGOM); CE-CR display_configuration_trial_status.md] examples
    ("Trial status: INACTIVE \nTrial time left (sec): 0", "INACTIVE", 0, False),
    ("Trial status:  ACTIVE\nTrial time left (sec): 51", "ACTIVE", 51, True),
    ("Trial status: ACTIVE \nPersist id: IQ,d4668\nTrial time left (sec): 30", "ACTIVE", 30, True),
    # the other documented values: a rollback under way still blocks a new commit
    ("Trial status: CANCELING\nTrial time left (sec): 0", "CANCELING", 0, True),
    ("Trial status: WAITCANCEL\nTrial time left (sec): 3", "WAITCANCEL", 3, True),
    # newer NE40E print the time first [netdis]
    ("2024-06-08 13:04:22.667 +03:00\nTrial status: ACTIVE\nTrial time left (sec): 7", "ACTIVE", 7, True),
])
def test_parse_trial_status(text, status, left, pending):
    assert parse_trial_status(text) == {"status": status, "seconds_left": left, "pending": pending}


@pytest.mark.parametrize("text", ["", "Info: No trial configuration exists.", "Trial state : running"])
def test_parse_trial_status_refuses_an_unknown_layout(text):
    """Never read an unknown layout as "no trial" (a commit would then confirm someone's trial)."""
    with pytest.raises(ValueError, match="Trial status"):
        parse_trial_status(text)
    t, cli = make({"display configuration trial status": text})
    with pytest.raises(VrpCommandError, match="cannot tell whether a trial commit is pending"):
        cli.pending_state()


def test_display_drops_the_timestamp_line_of_newer_releases():
    """``2024-06-08 13:04:22.667 +03:00`` first on every display of NE40E V800R022C00 [netdis]."""
    t, cli = make({"display current-configuration configuration bgp":
                   "2024-06-08 13:04:22.667 +03:00\n#\nbgp 65000\n#"})
    assert cli.display("display current-configuration configuration bgp") == "#\nbgp 65000\n#"


@pytest.mark.parametrize("refusal", ["Error[1]: Unrecognized command found at '^' position.",
                                     "Error:Too many parameters found at '^' position.",
                                     "Error: Unrecognized command found at '^' position."])
def test_configure_refused_numbered_error_discards_and_raises(refusal):
    """R3: ``Error[N]:`` [gnetcli huawei_test.go] and ``Error:Too many`` (no space) are refusals: the candidate
    is discarded (``return`` answered N) and nothing is committed."""
    t, cli = make({"peer 10.0.0.9 bogus": Reply("           ^\n" + refusal, "[*PE1-bgp]")})
    with pytest.raises(VrpCommandError, match="candidate discarded"):
        cli.configure(["bgp 65000", "peer 10.0.0.9 bogus", "peer 10.0.0.9 as-number 1"])
    assert t.sent == ["system-view", "bgp 65000", "peer 10.0.0.9 bogus", "return", "N"]
    assert not any(c.startswith("commit") for c in t.sent)


def test_error_line():
    assert error_line("   ^\nError[2]: Incomplete command found at '^' position.") == \
        "Error[2]: Incomplete command found at '^' position."
    assert error_line("Error:Too many parameters found at '^' position.") == \
        "Error:Too many parameters found at '^' position."
    assert error_line("x\n   ^\nError: Wrong parameter found at '^' position.\n") == \
        "Error: Wrong parameter found at '^' position."
    assert error_line("Info: fine") is None


TIMESTAMP = "2024-06-08 13:04:22.667 +03:00\n"   # first line of every display on NE40E V800R022C00 [netdis]


def test_commit_parsers_ignore_the_timestamp_line():
    """The commit-list / commit-changes / config parsers read the same with and without the timestamp line."""
    from ansible_collections.netops.vrp.plugins.module_utils.parsers import (
        parse_commit_changes,
        parse_commit_id,
        parse_commit_points,
        parse_config_tree,
        strip_display_timestamp,
    )
    verbose = "1) CommitId: 1000000114\n        Label: L1\n        User: root\n        Type: CLI\n"
    changes = "Building configuration\n  #\n- sysname A\n+ sysname B\n  #"
    running = "!Software Version V800R022C00\n!Last configuration was updated at 2024-06-08 13:00:00\n#\nsysname B\n#\nreturn"
    assert parse_commit_points(TIMESTAMP + verbose) == parse_commit_points(verbose) == \
        [{"commit_id": "1000000114", "label": "L1"}]
    assert parse_commit_id(TIMESTAMP + verbose) == "1000000114"
    assert parse_commit_changes(TIMESTAMP + changes) == parse_commit_changes(changes)
    assert [n.line for n in parse_config_tree(strip_display_timestamp(TIMESTAMP + running))] == ["sysname B"]
    assert strip_display_timestamp("sysname B\n") == "sysname B\n"    # only a timestamp first line goes
