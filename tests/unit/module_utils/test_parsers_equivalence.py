"""The parsers return exactly what they returned before they were made faster (issue 8 follow-up).

``tests/unit/fixtures/parsed_expected.json`` holds, for every recorded output (``fixtures/vrp/`` and the
20-peer lab outputs of ``bench/parsers_bench.py`` in ``fixtures/vrp_lab/``), the result of every text
parser run on it (also on outputs it is not meant for: parsers must ignore what they do not recognise)
and of ``effective_peer_settings``, as computed by the parsers before the line-dispatch / address-cache
rewrite. Compared after a JSON round trip (``parse_commit_changes`` returns tuples).
"""
import glob
import json
import os

import pytest

from ansible_collections.netops.vrp.plugins.module_utils import parsers as p

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
TEXT_PARSERS = ["parse_peer_brief", "parse_peer_verbose_all", "parse_group", "parse_routing_table",
                "parse_routing_table_statistics", "parse_bgp_config", "parse_commit_changes"]

with open(os.path.join(FIXTURES, "parsed_expected.json")) as _handle:
    EXPECTED = json.load(_handle)

RECORDED = sorted(os.path.relpath(path, FIXTURES).replace(os.sep, "/")
                  for pattern in ("vrp/*.txt", "vrp_lab/*.txt") for path in glob.glob(os.path.join(FIXTURES, pattern)))


def json_round_trip(value):
    return json.loads(json.dumps(value))


def test_every_recorded_output_has_expected_results():
    assert RECORDED and sorted(EXPECTED) == RECORDED


@pytest.mark.parametrize("name", RECORDED)
def test_parsers_unchanged_on_recorded_output(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        text = handle.read()
    expected = EXPECTED[name]
    p._canonical_text.cache_clear()   # a cold cache, as in a fresh Ansible worker
    for parser in TEXT_PARSERS:
        assert json_round_trip(getattr(p, parser)(text)) == expected[parser], parser
    assert json_round_trip(p.effective_peer_settings(p.parse_bgp_config(text))) == \
        expected["effective_peer_settings"]


def test_lab_verbose_output_is_parsed_in_full():
    """The verbose display of the public peers is the costly one: every field the rewrite dispatches is
    really read (2-router lab: the two ring neighbours are the same router, so 1 iBGP + 17 upstreams)."""
    peers = EXPECTED["vrp_lab/display_bgp_peer_verbose.txt"]["parse_peer_verbose_all"]
    assert len(peers) == 18
    for key in ("type", "remote_router_id", "group", "state", "up_down", "last_state", "up_count",
                "received_total_routes", "received_active_routes", "advertised_total_routes"):
        assert all(peer[key] is not None for peer in peers), key
    assert all(peer["peer_route_refresh"] and peer["local_route_refresh"] for peer in peers)
    assert all(set(peer["messages"]["received"]) == {"total", "update", "open", "keepalive", "notification",
                                                      "refresh"} for peer in peers)


@pytest.mark.parametrize("text", [
    "192.0.2.1", "0.0.0.0", "255.255.255.255", "256.0.0.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1.2.3.4 ",
    "\u0661.2.3.4", "2001:DB8::1", "2001:db8:0:0:0:0:0:1", "::ffff:192.0.2.1", "fe80::1%eth0", "IBGP", "",
])
def test_address_cache_agrees_with_ipaddress(text):
    """The IPv4 fast path and the cache give what ipaddress gives, valid or not."""
    import ipaddress
    try:
        reference = str(ipaddress.ip_address(text))
    except ValueError:
        reference = None
    assert p.canonical_address(text) == (text if reference is None else reference)
    assert p.is_address(text) is (reference is not None)
