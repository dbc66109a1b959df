"""Config semantics and the commit model, driven through CliSession without SSH (fast)."""
import pytest

from vrpsim.cli import CliSession
from vrpsim.lab import Lab, Router

STARTUP = """\
sysname R1
bgp 65000
 router-id 10.0.0.1
 group RR internal
 peer 10.0.0.2 as-number 65000
 peer 10.0.0.2 group RR
 ipv4-family vpnv4
  peer 10.0.0.2 enable
"""


class RecordingWorld:
    """Stands in for BgpWorld: records what the engine hands over."""

    def __init__(self, topology):
        self.applied = []
        self.calls = []

    def apply_config(self, router, text):
        self.applied.append((router, text))

    def display(self, router, tokens):
        self.calls.append(("display", tokens))
        return ""

    def refresh(self, router, tokens):
        self.calls.append(("refresh", tokens))
        return ""


@pytest.fixture
def router(tmp_path):
    topology = {"name": "t", "routers": [{"name": "R1", "config": STARTUP}]}
    lab = Lab(topology, tmp_path, world_factory=RecordingWorld)
    lab.world = RecordingWorld(topology)
    r = Router(lab, topology["routers"][0], 0)
    r.load_startup_config()
    return r


def session(router, *lines):
    s = CliSession(router, "admin", 1)
    for line in ("system-view",) + lines:
        out = s.execute(line).output
        assert "Error" not in out, (line, out)
    return s


def bgp_text(router):
    text = router.config.running_text()
    return text[text.index("bgp "):]


def test_startup_config_renders_in_reference_format(router):
    assert router.config.running_text() == """\
#
sysname R1
#
bgp 65000
 router-id 10.0.0.1
 group RR internal
 peer 10.0.0.2 as-number 65000
 peer 10.0.0.2 group RR
 #
 ipv4-family unicast
  undo synchronization
  peer RR enable
  peer 10.0.0.2 enable
  peer 10.0.0.2 group RR
 #
 ipv4-family vpnv4
  policy vpn-target
  peer 10.0.0.2 enable
#
return"""


def test_new_line_replaces_the_setting_it_changes(router):
    s = session(router, "bgp 65000", "peer 10.0.0.2 as-number 65001", "ipv4-family unicast",
                "peer 10.0.0.2 route-policy A import", "peer 10.0.0.2 route-policy B import",
                "peer 10.0.0.2 route-policy C export", "commit")
    text = bgp_text(router)
    assert " peer 10.0.0.2 as-number 65001" in text and "as-number 65000" not in text
    assert "peer 10.0.0.2 route-policy B import" in text and "route-policy A" not in text
    assert "peer 10.0.0.2 route-policy C export" in text
    assert s.prompt == "[~R1-bgp-af-ipv4]"


def test_route_refresh_is_default_on_so_the_undo_form_is_stored(router):
    session(router, "bgp 65000", "undo peer 10.0.0.2 capability-advertise route-refresh", "commit")
    assert " undo peer 10.0.0.2 capability-advertise route-refresh" in bgp_text(router)
    session(router, "bgp 65000", "peer 10.0.0.2 capability-advertise route-refresh", "commit")
    assert "capability-advertise" not in bgp_text(router)


def test_undo_peer_removes_it_everywhere_and_attribute_of_unknown_peer_fails(router):
    s = session(router, "bgp 65000", "ipv4-family unicast", "peer 10.0.0.2 keep-all-routes")
    assert s.execute("peer 10.9.9.9 keep-all-routes").output == "Error: The peer does not exist."
    assert s.execute("peer NOGROUP enable").output == "Error: The peer group does not exist."
    s.execute("undo peer 10.0.0.2 keep-all-routes")
    s.execute("quit")
    s.execute("undo peer 10.0.0.2")
    s.execute("commit")
    assert "10.0.0.2" not in bgp_text(router)


def test_undo_group_deletes_its_members(router):
    session(router, "bgp 65000", "undo group RR", "commit")
    assert "10.0.0.2" not in bgp_text(router) and " RR" not in bgp_text(router)


def test_prefix_lists_get_auto_indexes_and_masked_addresses(router):
    session(router, "ip ip-prefix P permit 10.1.1.1 16 less-equal 24", "ip ip-prefix P permit 10.2.0.0 16",
            "ip ip-prefix P index 5 deny 0.0.0.0 0 less-equal 32", "ip ipv6-prefix P6 permit 2001:db8:1::1 48",
            "ip as-path-filter AS permit ^65020_", "ip community-filter basic C permit 65000:1 no-export",
            "commit")
    text = router.config.running_text()
    assert ("ip ip-prefix P index 5 deny 0.0.0.0 0 less-equal 32\n"
            "ip ip-prefix P index 10 permit 10.1.0.0 16 less-equal 24\n"
            "ip ip-prefix P index 20 permit 10.2.0.0 16\n") in text
    assert "ip ipv6-prefix P6 index 10 permit 2001:db8:1:: 48" in text
    assert "ip as-path-filter AS index 10 permit ^65020_" in text
    assert "ip community-filter basic C index 10 permit 65000:1 no-export" in text
    session(router, "undo ip ip-prefix P index 10", "commit")
    assert "index 10 permit 10.1.0.0" not in router.config.running_text()
    session(router, "undo ip ip-prefix P", "commit")
    assert "ip-prefix P " not in router.config.running_text()


def test_route_policy_nodes_and_undo(router):
    session(router, "route-policy RP permit node 10", "if-match ip-prefix P", "apply local-preference 200",
            "route-policy RP deny node 20", "commit")
    text = router.config.running_text()
    assert "#\nroute-policy RP permit node 10\n if-match ip-prefix P\n apply local-preference 200\n#\n" \
           "route-policy RP deny node 20\n#" in text
    session(router, "undo route-policy RP node 10", "commit")
    assert "node 10" not in router.config.running_text() and "node 20" in router.config.running_text()


def test_vpn_instance_and_bgp_vrf_views(router):
    s = session(router, "ip vpn-instance vpna", "ipv4-family", "route-distinguisher 65000:1",
                "vpn-target 65000:1 both")
    assert s.prompt == "[*R1-vpn-instance-vpna-af-ipv4]"
    s.execute("bgp 65000")
    s.execute("ipv4-family vpn-instance vpna")
    assert s.prompt == "[*R1-bgp-vpna]"
    assert s.execute("peer 172.16.0.2 as-number 65020").output == ""
    assert s.execute("peer 172.16.0.3 keep-all-routes").output == "Error: The peer does not exist."
    s.execute("peer 172.16.0.2 keep-all-routes")
    s.execute("commit")
    text = router.config.running_text()
    assert ("ip vpn-instance vpna\n ipv4-family\n  route-distinguisher 65000:1\n"
            "  vpn-target 65000:1 export-extcommunity\n  vpn-target 65000:1 import-extcommunity") in text
    assert " #\n ipv4-family vpn-instance vpna\n  peer 172.16.0.2 as-number 65020\n" \
           "  peer 172.16.0.2 keep-all-routes\n#" in text


def test_prompt_marker_and_sysname_change_after_commit(router):
    s = session(router)
    assert s.prompt == "[~R1]"
    s.execute("sysname PE9")
    assert s.prompt == "[*R1]"
    s.execute("commit")
    assert s.prompt == "[~PE9]"


def test_no_op_edit_is_not_pending(router):
    s = session(router, "bgp 65000", "peer 10.0.0.2 as-number 65000")
    assert s.prompt == "[~R1-bgp]"


def test_commit_points_labels_and_rollback(router):
    """Verbose list without a leading space [NE40E-CR DisplayCfgCommitList(CFGOM)]; rollback ``to`` = the state
    at the point, ``last N`` = before the N newest [NE40E-CR rollbackconfig(CFGOM); NE40E-CG
    Example_for_Configuration_Rollback]; ``Type: ROLLBACK`` [same example]."""
    session(router, "bgp 65000", "peer 10.0.0.2 description first", "commit label L1")
    session(router, "bgp 65000", "peer 10.0.0.2 description second", "commit description change two")
    session(router, "bgp 65000", "peer 10.0.0.2 description third", "commit")
    ids = [p.commit_id for p in router.config.commits]
    assert ids == [1000000001, 1000000002, 1000000003]
    user = CliSession(router, "admin", 2)
    listing = user.execute("display configuration commit list verbose").output
    assert listing.startswith("1) CommitId: 1000000003") and "Label: L1" in listing   # no leading space
    assert "Description: change two" in listing
    user.execute("rollback configuration last 1")
    assert user.execute("y").output.endswith("to view the changes.")
    assert "description second" in bgp_text(router)
    user.execute("rollback configuration to label L1")
    user.execute("y")
    assert "description first" in bgp_text(router)            # the state AT L1 (R2)
    user.execute("rollback configuration to commit-id 1000000003")
    user.execute("y")
    assert "description third" in bgp_text(router)
    assert router.config.commits[-1].kind == "ROLLBACK"
    assert user.execute("rollback configuration to label NOPE").output.startswith("Error:")
    assert user.question is None                              # a missing point asks nothing


def test_world_gets_running_text_after_each_commit(router):
    world = router.lab.world
    session(router, "bgp 65000", "peer 10.0.0.2 keep-all-routes", "commit")
    assert world.applied[-1] == ("R1", router.config.running_text())


def test_candidate_of_another_session_is_replayed_on_newer_running(router):
    a = session(router, "bgp 65000", "peer 10.0.0.2 description from-a")
    session(router, "bgp 65000", "peer 10.0.0.2 keep-all-routes", "commit")
    a.execute("commit")
    text = bgp_text(router)
    assert "description from-a" in text and "keep-all-routes" in text


def test_abort_and_clear_candidate(router):
    """Bare ``abort`` exists only in command-template and XPL views [NE40E-CR quitGroup(CLIOM),
    dc_XPL_Configuration_Commands/abort.json]; elsewhere it is an incomplete ``abort trial``."""
    s = session(router, "bgp 65000", "peer 10.0.0.2 description x", "clear configuration candidate")
    assert s.prompt == "[~R1-bgp]"
    s.execute("peer 10.0.0.2 description y")
    out = s.execute("abort").output
    assert out.endswith("Error: Incomplete command found at '^' position.")
    assert s.prompt == "[*R1-bgp]" and "description" not in bgp_text(router)


def test_operational_commands_get_expanded_tokens(router):
    s = CliSession(router, "admin", 1)
    s.execute("ref bgp vpnv4 gr RR imp")
    s.execute("dis bgp ipv6 pe")
    assert router.lab.world.calls == [("refresh", ["vpnv4", "group", "RR", "import"]),
                                      ("display", ["ipv6", "peer"])]


# --- commit model and CLI session fidelity (docs/fidelity.md R1-R5, R9, R10) ---------------------------

def _router(tmp_path, platform=None, readings=None, config=STARTUP):
    spec = {"name": "R1", "config": config}
    if platform:
        spec["platform"] = platform
    if readings:
        spec["readings"] = readings
    topology = {"name": "t", "routers": [spec]}
    lab = Lab(topology, tmp_path, world_factory=RecordingWorld)
    lab.world = RecordingWorld(topology)
    r = Router(lab, spec, 0)
    r.load_startup_config()
    return r


class _Loop:
    """Router.start_trial arms a timer on the lab loop; these tests never let it fire."""

    def call_later(self, delay, fn, *args):
        class Handle:
            def cancel(self):
                pass
        return Handle()


def _trial_router(tmp_path, **kw):
    r = _router(tmp_path, **kw)
    r.lab.loop = _Loop()
    return r


def _run(s, *lines):
    return [s.execute(line).output for line in lines]


@pytest.mark.parametrize("platform, numbered", [("ne40e-v800r012c10", False), ("ne40e-v800r022c00", True),
                                                ("ce-v300r023c00", False)])
def test_syntax_error_forms_per_release(tmp_path, platform, numbered):
    """``Error[1]: Unrecognized command ...`` / ``Error[2]: Incomplete command ...`` on releases with numbered
    errors, and ``Error:Too many parameters found at '^' position.`` without a space on every release
    [gnetcli huawei_test.go; fs: "Too many parameters found" NE40E driver and 100GE script]."""
    s = CliSession(_router(tmp_path, platform=platform), "admin", 1)
    unknown = s.execute("frobnicate").output.splitlines()[-1]
    assert unknown == ("Error[1]: " if numbered else "Error: ") + "Unrecognized command found at '^' position."
    incomplete = s.execute("display configuration").output.splitlines()[-1]
    assert incomplete == ("Error[2]: " if numbered else "Error: ") + "Incomplete command found at '^' position."
    too_many = s.execute("display version extra").output.splitlines()[-1]
    assert too_many == ("Error[4]:" if numbered else "Error:") + "Too many parameters found at '^' position."


def test_commit_trial_takes_label_and_description(tmp_path):
    """``commit [ trial [ <time> ] [ label <label> ] ] [ description <description> ]`` [NE40E-CR Commit(CFGOM)]."""
    r = _trial_router(tmp_path)
    s = session(r, "sysname T1")
    out = s.execute("commit trial 120 label L-T description try it").output
    assert out.startswith("Info: The system enters the trial configuration mode.")
    point = r.config.commits[-1]
    assert (point.label, point.description, r.config.trial.seconds) == ("L-T", "try it", 120)
    s.execute("commit")                                       # the owner confirms
    s.execute("sysname T2")
    s.execute("commit trial label L-U")                       # default time 600 with a label
    assert r.config.trial.seconds == 600 and r.config.commits[-1].label == "L-U"


@pytest.mark.parametrize("reading", ["refused", "silent"])
def test_trial_belongs_to_its_session(tmp_path, reading):
    """Only the session that ran ``commit trial`` confirms it (plain ``commit``) or aborts it; another session
    is refused ("only the current trial running user can modify the configuration" [NE40E-CG
    Configuration_Precautions_for_Configuration_Management]); the refusal text is undocumented, hence the
    ``foreign_trial`` reading. ``abort trial session <id>`` ends another session's trial [NE40E-CR CfgTrial;
    CE-CR abort_trial.md: ``abort trial session 392``]."""
    r = _trial_router(tmp_path, readings={"foreign_trial": reading})
    owner = session(r, "sysname OWNED")
    owner.session_id = 7
    owner.execute("commit trial 600")
    assert r.config.trial.session == 7
    other = CliSession(r, "admin", 8)
    other.execute("system-view")
    confirm, abort = _run(other, "commit", "abort trial")
    if reading == "refused":
        assert confirm.startswith("Error: ") and abort.startswith("Error: ")
    else:
        assert confirm == "" and abort == "Error: The system is not in the trial configuration mode."
    assert r.config.trial is not None and r.config.hostname == "OWNED"    # neither confirmed nor rolled back
    other.execute("sysname FOREIGN")
    assert other.execute("commit").output.startswith("Error: ")          # no edits during someone's trial
    assert r.config.hostname == "OWNED" and other.prompt == "[*OWNED]"
    other.execute("clear configuration candidate")
    other.execute("abort trial session 7")
    assert other.question[0] == "Warning: The trial configuration will be rolled back. Continue? [Y/N]:"
    assert other.execute("Y").output == "Info: The trial configuration rollback succeeded."
    assert r.config.trial is None and r.config.hostname == "R1"


def test_commit_changes_forms(tmp_path):
    """No argument: every rollback point, newest first, after one ``Building configuration`` header, each under
    ``Commit changes of commitId <id> <date> <time>``; ``at X`` one commit; ``last N`` / ``since X`` one merged
    diff [NE40E-CR DisplayCfgCommitChanges(CFGOM); fs: "display configuration commit list" CE capture]."""
    r = _router(tmp_path)
    for name in ("A1", "A2", "A3"):
        session(r, "sysname " + name, "commit")
    s = CliSession(r, "admin", 2)
    full = s.execute("display configuration commit changes").output.splitlines()
    assert full[0] == "Building configuration"
    heads = [line.split()[4] for line in full if line.startswith("Commit changes of commitId ")]
    assert heads == ["1000000003", "1000000002", "1000000001"]
    assert full[1].startswith("Commit changes of commitId 1000000003 ")
    last1 = s.execute("display configuration commit changes last 1").output
    assert last1 == "Building configuration\n  #\n- sysname A2\n+ sysname A3\n  #"
    assert s.execute("display configuration commit changes at 1000000002").output == \
        "Building configuration\n  #\n- sysname A1\n+ sysname A2\n  #"
    assert s.execute("display configuration commit changes since 1000000002").output == \
        "Building configuration\n  #\n- sysname A1\n+ sysname A3\n  #"
    assert s.execute("display configuration commit changes last 2").output == \
        s.execute("display configuration commit changes since 1000000002").output
    assert s.execute("display configuration commit changes at 1000000099").output.startswith("Error:")


def test_session_and_display_texts(tmp_path):
    """``screen-length 0 temporary`` prints ``Info: The configuration takes effect on the current user terminal
    interface only.`` [gnetcli huawei_mock_test.go]; ``display configuration candidate`` lists only the pending
    commands, no ``#`` [NE40E-CR DisplayPreview(CLIOM)]; the full ``display current-configuration`` starts with
    ``!Software Version`` / ``!Last configuration was updated at`` and ends with ``return``, a filtered one has
    no ``return`` [NE40E-CR buildrun(CFGOM)]."""
    r = _router(tmp_path)
    s = CliSession(r, "admin", 1)
    assert s.execute("screen-length 0 temporary").output == \
        "Info: The configuration takes effect on the current user terminal interface only."
    full = s.execute("display current-configuration").output.splitlines()
    assert full[0] == "!Software Version V800R012C10"
    assert full[1].startswith("!Last configuration was updated at ") and full[2] == "#" and full[-1] == "return"
    bgp = s.execute("display current-configuration configuration bgp").output.splitlines()
    assert bgp[0] == "#" and bgp[1] == "bgp 65000" and bgp[-1] == "#"
    _run(s, "system-view", "bgp 65000", "peer 10.0.0.2 description hi")
    assert s.execute("display configuration candidate").output == "bgp 65000\n peer 10.0.0.2 description hi"


def test_bgp_block_lists_each_group_with_its_members(tmp_path):
    """A group line is followed by its own lines and its members' lines, then the next group [NE40E-CG
    Example_for_Configuring_Dual-Stack_Static_User_Access_(CPE_Working_in_Routing_Mode)]."""
    r = _router(tmp_path, config="""\
bgp 65000
 group B external
 group A internal
 peer 10.0.0.3 as-number 65001
 peer 10.0.0.3 group B
 peer 10.0.0.2 as-number 65000
 peer 10.0.0.2 group A
 peer 10.0.0.1 as-number 65009
""")
    assert bgp_text(r).splitlines()[1:9] == [
        " group A internal", " peer 10.0.0.2 as-number 65000", " peer 10.0.0.2 group A",
        " group B external", " peer 10.0.0.3 as-number 65001", " peer 10.0.0.3 group B",
        " peer 10.0.0.1 as-number 65009", " #"]


def test_display_timestamp_line_on_newer_ne40e(tmp_path):
    """NE40E V800R022C00 prints the time first on display commands: ``2024-06-08 13:04:22.667 +03:00`` [netdis]."""
    import re
    s = CliSession(_router(tmp_path, platform="ne40e-v800r022c00"), "admin", 1)
    first, rest = s.execute("display configuration trial status").output.split("\n", 1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d\d:\d\d", first), first
    assert rest == "Trial status: INACTIVE\nTrial time left (sec): 0"
    assert s.execute("screen-length 0 temporary").output.startswith("Info:")   # not a display: no time line
