"""vrp_rollout_share (plugin_utils/rollout.py): what one router of a bgp_policy_rollout does, by the same
``routers`` rule as the plan, before anything is read from it."""
from recorded_facts import recorded_facts

from ansible_collections.netops.vrp.plugins.filter.vrp_rollout_share import FilterModule
from ansible_collections.netops.vrp.plugins.plugin_utils.rollout import rollout_plan, rollout_share

CHANGES = [{"name": "rp-in", "config": "route-policy RP-IN permit node 10\n apply local-preference 200\n"},
           {"name": "pe2-only", "config": "ip ip-prefix PE2 index 10 permit 10.2.0.0 16\n", "routers": ["PE2"]},
           {"name": "blank", "config": "  \n"}]
TARGETS = [{"peers": ["10.0.0.2"], "direction": "import", "routers": ["PE1"]},
           {"address_family": "vpnv4", "peers": ["10.0.0.1"], "direction": "export", "routers": ["PE2"]},
           {"address_family": "ipv4", "groups": ["RR"], "direction": "import", "routers": ["PE2"]}]


def test_the_filter_file_holds_only_its_filter():
    assert FilterModule().filters() == {"vrp_rollout_share": rollout_share}


def test_each_router_gets_its_changes_joined_as_one_commit():
    pe1, pe2 = rollout_share(TARGETS, CHANGES, "PE1"), rollout_share(TARGETS, CHANGES, "PE2")
    assert pe1["has_work"] and pe2["has_work"]
    assert pe1["config"] == "route-policy RP-IN permit node 10\n apply local-preference 200\n"
    assert pe2["config"] == ("route-policy RP-IN permit node 10\n apply local-preference 200\n"
                             "ip ip-prefix PE2 index 10 permit 10.2.0.0 16\n")
    # the same text the plan commits, so a trial left by this rollout is recognised as its own
    for host, share in (("PE1", pe1), ("PE2", pe2)):
        assert share["config"] == rollout_plan(recorded_facts(), [], changes=CHANGES, host=host)["config"]


def test_a_router_nothing_names_has_no_work():
    only_pe2 = [c for c in CHANGES if c.get("routers")]
    assert rollout_share(TARGETS, only_pe2, "PE3") == {"has_work": False, "config": "",
                                                       "gather_subset": ["ipv4", "vpnv4"], "problems": []}
    # an item without routers (or with an empty list) is every router's
    assert rollout_share([{"peers": ["10.0.0.2"], "direction": "import", "routers": []}], [], "PE3")["has_work"]
    assert rollout_share([], [], "PE1") == {"has_work": False, "config": "", "gather_subset": ["all"],
                                            "problems": []}


def test_every_router_reads_the_families_of_all_targets():
    shares = [rollout_share(TARGETS + [{"address_family": "ipv6", "selector": "external", "direction": "export"}],
                            CHANGES, host) for host in ("PE1", "PE2", "PE3")]
    assert [s["gather_subset"] for s in shares] == [["ipv4", "vpnv4", "ipv6"]] * 3


def test_a_bad_target_of_this_router_is_a_problem_of_its_share():
    """The pre-flight play refuses these before any router is logged in to (the plan's own rules)."""
    targets = [{"name": "no selector", "direction": "import", "routers": ["PE1"]},
               {"name": "all", "selector": "all", "direction": "export", "routers": ["PE1"]},
               {"name": "bad group", "groups": ["bad group"], "direction": "import", "routers": ["PE2"]}]
    assert rollout_share(targets, [], "PE1")["problems"] == [
        "target no selector: give exactly one of peers, groups, selector",
        "target all: selector all touches every session of the family; list peers or groups, or allow it explicitly"]
    assert rollout_share(targets[1:2], [], "PE1", allow_selector_all=True)["problems"] == []
    pe2 = rollout_share(targets, [], "PE2")["problems"]
    assert len(pe2) == 1 and pe2[0].startswith("target bad group: invalid"), pe2
