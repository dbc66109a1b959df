"""The emulated routers over real SSH: prompts, carets, questions, commit trial, auth, faults, robustness."""
import time

import asyncssh
import paramiko
import pytest

from vrpsim.testing import running_lab

ROUTER_CONFIG = """\
sysname R1
bgp 65000
 peer 10.0.0.2 as-number 65000
"""


def topology(**router):
    spec = {"name": "R1", "config": ROUTER_CONFIG}
    spec.update(router)
    return {"name": "t", "timing": {"establish_delay": 0.1, "trial_time_scale": 0.01}, "routers": [spec]}


@pytest.fixture
def lab(tmp_path):
    with running_lab(topology(), tmp_path) as handle:
        yield handle


def test_login_prompt_views_and_echo(lab):
    with lab.shell("R1") as sh:
        assert sh.last_output.endswith("\n<R1>")
        assert sh.send("sys") == "sys\nEnter system view, return user view with return command.\n[~R1]"
        assert sh.send("bgp 65000") == "bgp 65000\n[~R1-bgp]"
        for line, prompt in (("ipv4-family unicast", "[~R1-bgp-af-ipv4]"), ("quit", "[~R1-bgp]"),
                             # creating an address family is an edit: every prompt shows * from now on
                             ("ipv4-family vpnv4", "[*R1-bgp-af-vpnv4]"), ("ipv6-family", "[*R1-bgp-af-ipv6]"),
                             ("ipv4-family vpn-instance vpna", "[*R1-bgp-vpna]"),
                             ("route-policy RP permit node 10", "[*R1-route-policy]"),
                             ("quit", "[*R1]"), ("return", None)):
            output, got = sh.run(line)
            if prompt:
                assert got == prompt, line
        assert got.endswith("[Y(yes)/N(no)/C(cancel)]:")
        assert sh.run("N") == ("", "<R1>")


def test_caret_column_counts_the_prompt(lab):
    with lab.shell("R1") as sh:
        sh.run("system-view")
        output, _ = sh.run("display bgp peer 10.0.0.999")
        assert output == " " * len("[~R1]display bgp peer ") + "^\nError: Wrong parameter found at '^' position."
        output, _ = sh.run("display version extra")
        assert output.splitlines()[0] == " " * len("[~R1]display version ") + "^"
        assert output.endswith("Too many parameters found at '^' position.")
        for line, text in (("frob", "Unrecognized command"), ("display", "Incomplete command"),
                           ("display bgp vpnv", "Ambiguous command")):
            output, prompt = sh.run(line)
            assert text in output and prompt == "[~R1]"


def test_uncommitted_question_yes_commits(lab):
    with lab.shell("R1") as sh:
        sh.run("system-view")
        sh.run("bgp 65000")
        assert sh.run("peer 10.0.0.2 description up")[1] == "[*R1-bgp]"
        assert sh.run("return")[1].startswith("Warning: Uncommitted configurations found")
        assert sh.run("Y") == ("", "<R1>")
    assert "peer 10.0.0.2 description up" in lab.running_config("R1")


def test_uncommitted_question_cancel_and_empty_reask(lab):
    with lab.shell("R1") as sh:
        sh.run("system-view")
        sh.run("sysname X")
        sh.run("quit")
        assert sh.run("")[1] == "Error: Please choose 'YES', 'NO' or 'CANCEL' first before pressing 'Enter'. [Y/N/C]:"
        assert sh.run("c") == ("", "[*R1]")
        sh.run("quit")
        assert sh.run("n") == ("", "<R1>")
    assert "sysname R1" in lab.running_config("R1")


def test_commit_trial_rolls_back_when_not_confirmed(lab):
    """Trial texts [CE-CR commit_(All_views_except_the_user_view).md, abort_trial.md]; trial status
    ``Trial status: ACTIVE`` / ``Trial time left (sec): N`` [NE40E-CR DisplayTrialState(CFGOM)]."""
    with lab.shell("R1") as sh:
        sh.run("system-view")
        sh.run("sysname TRIAL")
        output, prompt = sh.run("commit trial 60")    # 60 s x trial_time_scale 0.01 = 0.6 s
        assert output.splitlines() == ["Info: The system enters the trial configuration mode.",
                                       "The system will revert to previous configuration if the trial "
                                       "configuration is not confirmed in 60 seconds."]
        assert prompt == "[~TRIAL]"
        status = sh.run("display configuration trial status")[0].splitlines()
        assert status[0] == "Trial status: ACTIVE" and status[1].startswith("Trial time left (sec): ")
        time.sleep(0.9)
        assert sh.run("display configuration trial status")[0] == "Trial status: INACTIVE\nTrial time left (sec): 0"
        assert sh.run("")[1] == "[~R1]"
    assert "sysname R1" in lab.running_config("R1")


def test_plain_commit_confirms_trial(lab):
    with lab.shell("R1") as sh:
        sh.run("system-view")
        sh.run("sysname KEEP")
        sh.run("commit trial 60")
        sh.run("commit")
        time.sleep(0.8)
    assert "sysname KEEP" in lab.running_config("R1")


def test_abort_trial_asks_and_rolls_back(lab):
    """``abort trial`` is refused in the user view like any unknown command and runs in config views:
    ParentView "All views except the user view" [NE40E-CR CfgTrial(CFGOM); CE-CR abort_trial.md], answer
    ``Info: The trial configuration rollback succeeded.`` [CE-CR abort_trial.md]."""
    with lab.shell("R1") as sh:
        sh.run("system-view")
        sh.run("sysname GONE")
        sh.run("commit trial 600")
        sh.run("return")
        output, prompt = sh.run("abort trial")
        assert output.splitlines()[-1] == "Error: Unrecognized command found at '^' position." and prompt == "<GONE>"
        sh.run("system-view")
        assert sh.run("abort trial")[1] == "Warning: The trial configuration will be rolled back. Continue? [Y/N]:"
        output, prompt = sh.run("y")
        assert output == "Info: The trial configuration rollback succeeded." and prompt == "[~R1]"
    assert "sysname R1" in lab.running_config("R1")


def test_rollback_configuration_from_user_view(lab):
    """``to commit-id X`` / ``to label L`` restore the configuration AT that point, ``last N`` undoes N commits
    [NE40E-CR rollbackconfig(CFGOM) "to: ... the configurations when the configuration rollback point is
    generated"; NE40E-CG Example_for_Configuration_Rollback: ``last 1`` = ``to commit-id <newest - 1>``].
    Question and progress lines [CE-CR rollback_configuration.md]; ``Type: ROLLBACK`` [NE40E-CG same example]."""
    with lab.shell("R1") as sh:
        sh.run("system-view")
        sh.run("sysname A")
        sh.run("commit")
        sh.run("sysname B")
        sh.run("commit label second")
        sh.run("return")
        assert "1000000002" in sh.run("display configuration commit list")[0]
        output, prompt = sh.run("rollback configuration last 1")
        assert prompt.startswith("Warning: This operation will revert configuration changes to the previous status.")
        assert prompt.endswith("Continue? [Y/N]:")
        output, prompt = sh.run("y")
        assert output.splitlines() == ["Checking changes...", "Loading rollback changes", "Committing",
                                       "Check rollback result", "Configuration rollback succeeded.",
                                       "Please use 'display configuration commit changes last 1' to view the changes."]
        assert prompt == "<A>"
        sh.run("rollback configuration to label second")
        assert sh.run("y")[1] == "<B>"                  # AT the labelled commit, not before it
        sh.run("rollback configuration to commit-id 1000000001")
        assert sh.run("y")[1] == "<A>"
        assert "Type: ROLLBACK" in sh.run("display configuration commit list verbose 1")[0]


def test_disconnect_mid_edit_discards_the_candidate(lab):
    sh = lab.shell("R1")
    sh.run("system-view")
    sh.run("sysname HALF")
    sh.close()
    with lab.shell("R1") as again:
        again.run("system-view")
        assert again.run("")[1] == "[~R1]"
    assert "HALF" not in lab.running_config("R1")


def test_netmiko_config_commit_and_transcript(lab):
    conn = lab.netmiko("R1")
    conn.send_config_set(["bgp 65000", "peer 10.0.0.2 description via-netmiko"], exit_config_mode=False)
    conn.commit()
    assert conn.find_prompt() == "<R1>"
    conn.disconnect()
    assert "peer 10.0.0.2 description via-netmiko" in lab.running_config("R1")
    events = lab.transcript("R1")
    assert [e["event"] for e in events][0] == "login" and events[-1]["event"] == "logout"
    commands = [e for e in events if e["event"] == "command"]
    assert commands[0]["command"] == "screen-length 0 temporary"
    commit = next(e for e in commands if e["command"] == "commit")
    assert commit["prompt"] == "[*R1-bgp]" and commit["user"] == "admin" and commit["router"] == "R1"
    assert lab.logins("R1") == 1


def test_fault_drop_before_and_after(lab):
    lab.fault("drop", "R1", when="before", match="^commit")
    with lab.shell("R1") as sh:
        sh.run("system-view")
        sh.run("sysname NEVER")
        sh.send_raw("commit\r\n")
        assert sh.closed()
    assert "NEVER" not in lab.running_config("R1")
    lab.fault("drop", "R1", when="after", match="^commit")
    with lab.shell("R1") as sh:
        sh.run("system-view")
        sh.run("sysname AFTER")
        sh.send_raw("commit\r\n")
        assert sh.closed()
    assert "sysname AFTER" in lab.running_config("R1")
    faults = [e for e in lab.transcript("R1") if e["event"] == "fault"]
    assert [f["when"] for f in faults] == ["before", "after"]


def test_fault_delay_and_reject_commit(lab):
    lab.fault("delay", "R1", match="display version", seconds=0.3)
    lab.fault("reject_commit", "R1")
    with lab.shell("R1") as sh:
        started = time.monotonic()
        sh.run("display version")
        assert time.monotonic() - started >= 0.3
        sh.run("system-view")
        sh.run("sysname REJ")
        output, prompt = sh.run("commit")
        assert output.startswith("Error: Failed to commit the configuration.") and prompt == "[*R1]"
        assert sh.run("commit") == ("", "[~REJ]")       # count 1: the next commit works
    lab.clear_faults()
    with lab.shell("R1") as sh:
        started = time.monotonic()
        sh.run("display version")
        assert time.monotonic() - started < 0.3


def test_reject_commit_fault_matches_the_typed_line(lab):
    """A ``reject_commit`` fault's ``match`` is searched in the line as typed, like every fault kind
    (internals.md "Faults"): it picks which commit is refused, and a commit it does not match leaves it pending."""
    def pending():
        return [f["match"] for f in lab.control("status")["faults"]]
    rejected = "Error: Failed to commit the configuration."
    lab.fault("reject_commit", "R1", match=r"^commit trial")
    with lab.shell("R1") as sh:
        sh.run("system-view")
        sh.run("sysname A")
        assert sh.run("commit") == ("", "[~A]") and pending() == [r"^commit trial"]   # not the plain commit
        sh.run("sysname B")
        assert sh.run("commit trial 60")[0].startswith(rejected) and pending() == []
        sh.run("clear configuration candidate")
        lab.fault("reject_commit", "R1", match=r"^commit tr ")   # the abbreviation as typed
        sh.run("sysname C")
        assert sh.run("commit tr 60")[0].startswith(rejected) and pending() == []
        sh.run("clear configuration candidate")
        # committing on the way out: the typed line is the answer, so `^commit$` does not match it ...
        lab.fault("reject_commit", "R1", match=r"^commit$")
        sh.run("sysname D")
        assert sh.run("return")[1].startswith("Warning: Uncommitted configurations found")
        assert sh.run("y") == ("", "<D>") and pending() == [r"^commit$"]
    lab.clear_faults()
    lab.fault("reject_commit", "R1", match=r"^y$")   # ... and a match on the answer refuses it
    with lab.shell("R1") as sh:
        sh.run("system-view")
        sh.run("sysname E")
        sh.run("return")
        output, prompt = sh.run("y")
        assert output.startswith(rejected) and prompt == "[*D]" and pending() == []


def test_fault_auth_fail(lab):
    lab.fault("auth_fail", "R1")
    with pytest.raises(paramiko.AuthenticationException):
        lab.shell("R1")
    lab.clear_faults("R1")
    lab.shell("R1").close()


def test_password_and_public_key_auth(tmp_path):
    key = asyncssh.generate_private_key("ssh-ed25519")
    key_file = tmp_path / "id"
    key_file.write_bytes(key.export_private_key("openssh"))
    public = key.export_public_key().decode().strip()
    with running_lab(topology(authorized_keys=[public]), tmp_path) as lab:
        with lab.shell("R1", pkey=paramiko.Ed25519Key.from_private_key_file(str(key_file))) as sh:
            assert sh.run("")[1] == "<R1>"
        with pytest.raises(paramiko.AuthenticationException):
            lab.shell("R1", password="wrong")
        other = asyncssh.generate_private_key("ssh-ed25519")
        other_file = tmp_path / "other"
        other_file.write_bytes(other.export_private_key("openssh"))
        with pytest.raises(paramiko.AuthenticationException):
            lab.shell("R1", pkey=paramiko.Ed25519Key.from_private_key_file(str(other_file)))


def test_exec_request_is_refused(lab):
    login = lab.routers["R1"]
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(login.host, port=login.port, username=login.username, password=login.password,
                   look_for_keys=False, allow_agent=False)
    _, stdout, stderr = client.exec_command("display version", timeout=5)
    assert stdout.channel.recv_exit_status() == 1
    assert b"interactive shell" in stderr.read()
    client.close()


def test_malformed_input_never_breaks_the_server(lab):
    with lab.shell("R1") as sh:
        sh.send_raw(b"\x00\x01\x02\xff\xfe\x1b[A\x1b[D\x07dis\x7f\x7fisplay version\r\n")
        assert "VRP (R) software" in sh.read_until_prompt()
        output, prompt = sh.run("x" * 10000)
        assert "Unrecognized command" in output and prompt == "<R1>"
        output, _ = sh.run("display " + "bgp " * 300)
        assert output.startswith(" ") and "Error:" in output
        sh.send_raw("display version\r\ndisplay version\ndisplay version\r")
        text = ""
        while text.count("VRP (R) software") < 3:
            text += sh.read_until_prompt()
        assert "<R1><R1>" not in text
    with lab.shell("R1") as sh:
        assert sh.run("")[1] == "<R1>"


def test_quit_in_user_view_logs_out(lab):
    with lab.shell("R1") as sh:
        sh.send_raw("quit\r\n")
        assert sh.closed()
