"""policy_effect.py: the import-policy evaluation bgp_soft_reset checks the accepted routes against.

Rules: NE40E-CR route-policy(RTPOM) (nodes ascending, first matching node decides, no match: deny),
prefix-filter(RTPOM) (index order, first match decides, implicit deny, greater-equal/less-equal),
match-prefix-filter(RTPOM) (an ip-prefix that is not configured matches every route)."""
import pytest

from ansible_collections.netops.vrp.plugins.module_utils import policy_effect as pe

CONFIG = """\
#
ip ip-prefix ONLY-20 index 10 permit 10.20.0.0 16
ip ip-prefix RANGE index 10 deny 10.30.0.0 16
ip ip-prefix RANGE index 20 permit 10.0.0.0 8 greater-equal 16 less-equal 24
#
route-policy RP-20 permit node 10
 if-match ip-prefix ONLY-20
#
route-policy RP-RANGE permit node 10
 if-match ip-prefix RANGE
#
route-policy RP-LP permit node 10
 if-match ip-prefix ONLY-20
 apply local-preference 300
#
route-policy RP-DENY deny node 5
 if-match ip-prefix ONLY-20
route-policy RP-DENY permit node 10
#
route-policy RP-MISSING permit node 10
 if-match ip-prefix NOT-CONFIGURED
#
route-policy RP-ASPATH permit node 10
 if-match as-path-filter AP1
#
return
"""

BOOK = pe.parse_policies(CONFIG)


@pytest.mark.parametrize("policy,network,accepted", [
    (None, "10.21.0.0/16", True),
    ("RP-20", "10.20.0.0/16", True), ("RP-20", "10.21.0.0/16", False), ("RP-20", "10.20.1.0/24", False),
    ("RP-RANGE", "10.30.0.0/16", False), ("RP-RANGE", "10.31.0.0/16", True), ("RP-RANGE", "10.31.1.0/24", True),
    ("RP-RANGE", "10.0.0.0/8", False), ("RP-RANGE", "10.31.1.0/25", False),
    ("RP-DENY", "10.20.0.0/16", False), ("RP-DENY", "10.21.0.0/16", True),
    ("RP-MISSING", "10.99.0.0/16", True),
])
def test_decide(policy, network, accepted):
    assert pe.decide(BOOK, policy, network)[0] is accepted


@pytest.mark.parametrize("policy", ["RP-ASPATH", "UNDEFINED"])
def test_clauses_not_modelled_are_not_verifiable(policy):
    with pytest.raises(pe.NotVerifiable):
        pe.decide(BOOK, policy, "10.20.0.0/16")


def entry(policy, af="ipv4"):
    return {"import_policy": policy, "address_family": af}


def test_keep_all_routes_path_verified_and_not_applied():
    received = {"10.20.0.0/16", "10.21.0.0/16"}
    assert pe.check_peer(BOOK, entry("RP-20"), received, {"10.20.0.0/16"})["status"] == "verified"
    stale = pe.check_peer(BOOK, entry("RP-20"), received, received)
    assert stale["status"] == "not_applied" and "10.21.0.0/16" in stale["detail"]
    assert "netops.vrp.bgp_reset" in stale["detail"]   # the operator action
    missing = pe.check_peer(BOOK, entry(None), received, {"10.20.0.0/16"})
    assert missing["status"] == "not_applied" and "permitted by the policy but not accepted: 10.21.0.0/16" in \
        missing["detail"]


def test_route_refresh_path_is_one_sided():
    assert pe.check_peer(BOOK, entry("RP-20"), None, {"10.20.0.0/16"})["status"] == "consistent"
    assert pe.check_peer(BOOK, entry("RP-20"), None, {"10.21.0.0/16"})["status"] == "not_applied"


def test_unverifiable_cases_never_say_verified():
    assert pe.check_peer(BOOK, entry("RP-ASPATH"), {"10.20.0.0/16"}, {"10.20.0.0/16"})["status"] == "not_verifiable"
    assert pe.check_peer(BOOK, entry("RP-20", af="vpnv4"), None, set())["status"] == "not_verifiable"
    lp = pe.check_peer(BOOK, entry("RP-LP"), {"10.20.0.0/16"}, {"10.20.0.0/16"})
    assert lp["status"] == "not_verifiable" and "apply local-preference 300" in lp["detail"]
    # a mismatch is still reported when the apply clauses cannot be checked
    assert pe.check_peer(BOOK, entry("RP-LP"), {"10.20.0.0/16"}, set())["status"] == "not_applied"


def test_export_is_checked_on_the_advertised_routes():
    """vrp-fidelity.md §6 item 36: the advertised routes must all pass the export policy."""
    out = {"export_policy": "RP-20", "address_family": "ipv4"}
    assert pe.check_peer(BOOK, out, None, {"10.20.0.0/16"}, export=True)["status"] == "consistent"
    stale = pe.check_peer(BOOK, out, None, {"10.20.0.0/16", "10.21.0.0/16"}, export=True)
    assert stale["status"] == "not_applied" and "advertised although the export policy denies them: 10.21.0.0/16" \
        in stale["detail"]
