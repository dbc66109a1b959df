"""BGP facts as ``bgp_facts`` returns them for PE1 of the recorded fixtures (tests/unit/fixtures/vrp), for
the filter tests: the displays of ``test_bgp_operations.replies`` read by ``gather_bgp_facts`` itself.

PE1 (local AS 65000): IPv4 10.0.0.2 (RR, route-refresh, up count 2, 12 received), 10.0.0.3 (RR, Active),
192.0.2.1 (EBGP-UP, AS 65010, keep-all-routes via the group, uptime 1267 s), 198.51.100.9 (AS 65020,
keep-all-routes, route-refresh off locally, uptime 9660 s); VPNv4 10.0.0.2; vpna 172.16.1.2 (route-refresh);
vpnb 172.16.2.2 (CE-B, keep-all-routes); IPv6 2001:db8::2 (AS 65030, route-refresh)."""
import copy
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "module_utils"))

from test_bgp_operations import replies  # noqa: E402  (the recorded-fixture replies of the module tests)

from ansible_collections.netops.vrp.plugins.module_utils.bgp_facts import gather_bgp_facts  # noqa: E402

ALL_FAMILIES = ["ipv4", "ipv6", "vpnv4", "vpn-instance"]


class _Displays:
    """What gather_bgp_facts reads through: each display answered from the recorded outputs."""

    def __init__(self, outputs):
        self.outputs = outputs

    def display(self, command):
        return self.outputs[command]


_RECORDED = gather_bgp_facts(_Displays(replies()), subset=ALL_FAMILIES)


def recorded_facts():
    """A fresh copy of PE1's facts."""
    return copy.deepcopy(_RECORDED)


def peer(facts, address, family="ipv4", vpn_instance=None):
    """The facts entry of one peer (changed in place by the tests)."""
    return next(p for p in facts["peers"] if (p["address"], p["address_family"], p["vpn_instance"])
                == (address, family, vpn_instance))


def facts_with(changes, facts=None):
    """A copy of ``facts`` (default: the recorded ones) with ``{(address, family, vpn_instance): {field:
    value}}`` applied; a value of None for the whole entry removes the peer."""
    facts = copy.deepcopy(facts) if facts is not None else recorded_facts()
    for key, fields in changes.items():
        entry = peer(facts, *key)
        if fields is None:
            facts["peers"].remove(entry)
        else:
            entry.update(fields)
    return facts
