# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Where a BGP operation applies: one address family and one selector.
    DOCUMENTATION = r"""
options:
  address_family:
    description:
      - BGP address family of the targeted sessions.
      - C(ipv4) is IPv4 unicast, C(ipv6) IPv6 unicast (BGP4+), C(vpnv4) the VPNv4 sessions between PEs,
        C(vpn-instance) the IPv4 sessions of the VPN instance named in O(vpn_instance).
    type: str
    default: ipv4
    choices: [ipv4, ipv6, vpnv4, vpn-instance]
  vpn_instance:
    description:
      - VPN instance name; required when O(address_family=vpn-instance), not allowed otherwise.
    type: str
  peers:
    description:
      - Peer addresses (IPv4, or IPv6 with O(address_family=ipv6) or V(vpnv4)). One command per peer.
      - Mutually exclusive with O(groups) and O(selector).
    type: list
    elements: str
  groups:
    description:
      - Peer group names. One command per group. Mutually exclusive with O(peers) and O(selector).
    type: list
    elements: str
  selector:
    description:
      - V(all) targets every session of the address family, V(external) every EBGP session,
        V(internal) every IBGP session. Mutually exclusive with O(peers) and O(groups).
    type: str
    choices: [all, external, internal]
"""

    # Per-peer configuration modules (route-refresh, keep-all-routes).
    PEER_CONFIG = r"""
options:
  address_family:
    description:
      - Address family whose view holds the configuration. C(ipv4) is IPv4 unicast, C(ipv6) IPv6 unicast,
        C(vpnv4) the VPNv4 view, C(vpn-instance) the C(ipv4-family vpn-instance) view of O(vpn_instance).
    type: str
    default: ipv4
    choices: [ipv4, ipv6, vpnv4, vpn-instance]
  vpn_instance:
    description:
      - VPN instance name; required when O(address_family=vpn-instance).
    type: str
  peers:
    description:
      - Peer addresses to configure. At least one of O(peers) or O(groups) is required.
    type: list
    elements: str
  groups:
    description:
      - Peer group names to configure.
    type: list
    elements: str
  state:
    description:
      - V(present) configures the setting, V(absent) removes it.
    type: str
    default: present
    choices: [present, absent]
  allow_session_reset:
    description:
      - The change would re-establish BGP sessions that are Established now (the module predicts which).
        Without V(true) the module refuses such a change and sends nothing.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait, after the commit, until every session it re-established (RV(sessions_reset)) is
        Established again, reading the peer table about once a second (as M(netops.vrp.bgp_reset) does).
        A session still down then fails the task (RV(not_recovered) names it; the change stays committed).
      - Unset, the module returns right after the commit without waiting. 1 to 3600.
    type: int
notes:
  - With a trial commit pending on the router the module fails instead of committing (a plain C(commit)
    would confirm that trial); see M(netops.vrp.vrp_commit).
"""
