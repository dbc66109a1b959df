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
    session(router, "bgp 65000", "peer 10.0.0.2 description first", "commit label L1")
    session(router, "bgp 65000", "peer 10.0.0.2 description second", "commit description change two")
    session(router, "bgp 65000", "peer 10.0.0.2 description third", "commit")
    ids = [p.commit_id for p in router.config.commits]
    assert ids == [1000000001, 1000000002, 1000000003]
    user = CliSession(router, "admin", 2)
    listing = user.execute("display configuration commit list verbose").output
    assert listing.startswith(" 1) CommitId: 1000000003") and "Label: L1" in listing
    assert "Description: change two" in listing
    assert user.execute("rollback configuration last 1").output.startswith("Info:")
    assert "description second" in bgp_text(router)
    user.execute("rollback configuration to label L1")
    assert "description" not in bgp_text(router)
    user.execute("rollback configuration to commit-id 1000000002")
    assert "description first" in bgp_text(router)
    assert router.config.commits[-1].kind == "Rollback"
    assert user.execute("rollback configuration to label NOPE").output.startswith("Error:")


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
    s = session(router, "bgp 65000", "peer 10.0.0.2 description x", "clear configuration candidate")
    assert s.prompt == "[~R1-bgp]"
    s.execute("peer 10.0.0.2 description y")
    s.execute("abort")
    assert s.prompt == "<R1>" and "description" not in bgp_text(router)


def test_operational_commands_get_expanded_tokens(router):
    s = CliSession(router, "admin", 1)
    s.execute("ref bgp vpnv4 gr RR imp")
    s.execute("dis bgp ipv6 pe")
    assert router.lab.world.calls == [("refresh", ["vpnv4", "group", "RR", "import"]),
                                      ("display", ["ipv6", "peer"])]
