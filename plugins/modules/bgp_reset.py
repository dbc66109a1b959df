#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: bgp_reset
short_description: Hard reset BGP sessions (reset bgp), with an explicit opt-in and a bounded wait
version_added: 0.1.0
description:
  - Runs VRP's C(reset bgp [vpn-instance X ipv4-family | vpnv4 | ipv6] {AS|PEER|group G|all|internal|external})
    or the release's C(reset bgp {vpnv4 | ipv4 | vpn-instance X ipv4-family} [PEER] slow-peer) for each target.
  - B(A hard reset tears the sessions down and interrupts the service, VPN traffic included.) Prefer
    M(netops.vrp.bgp_soft_reset); use this when a peer supports neither route-refresh nor keep-all-routes.
    The module refuses to run unless O(allow_service_interruption=true).
  - Before sending, reads the peer tables (brief displays, no verbose) and predicts which sessions go down.
    A session carries every address family enabled with the peer, so resetting the VPNv4 session with a PE
    also takes its IPv4 unicast entry down; the result lists every such entry (RV(peers[].selected) tells
    the ones the selector picked). Without an address-family keyword, C(reset bgp group G|AS|external|internal)
    is taken to reach the matching public sessions of every family (IPv4, IPv6, VPNv4); this is
    B(UNVERIFIED) on real VRP, as is which family C(reset bgp AS) covers. V(all) with IPv4 renders
    C(reset bgp ipv4 all), since C(reset bgp all) resets every session of every family and VPN instance.
    An unknown peer, group or VPN instance fails the task before anything is sent.
  - Answers the confirmation question with C(Y) if the router asks one (VRP8 documentation shows none; some
    releases ask), then waits up to O(wait_timeout) seconds, reading only the brief peer tables about once a
    second, until every reset session that was Established before is Established again with a restarted
    Up/Down time, and reports the downtime of each (resolution about one second). Fails with the list of
    peers that did not come back (RV(not_recovered)). Sessions that were not Established before the reset
    are reported but not waited for. A session whose uptime kept counting (the router did not reset it) is
    reported with RV(peers[].reset=false) and a warning after a 5 second grace period.
  - With O(slow_peer=true) nothing is waited for (the slow-peer reset "restores a slow peer connection to a
    normal peer connection" and drops no session).
  - The router's release is read once per login (C(display version), kept by the session keeper for the
    rest of the play). A form the release lacks fails before anything is sent, check mode included, naming
    the release and the form; NE40E V800R012C10 has no slow-peer reset at all, NE40E V800R022C00 has
    C(reset bgp vpnv4 [PEER] slow-peer), CE V300R023C00 has C(reset bgp ipv4 [PEER] slow-peer) and
    C(reset bgp vpn-instance X ipv4-family [PEER] slow-peer) but no C(reset bgp vpnv4 ...) form. For an
    unknown release, or a form no source settles for that release, nothing is guessed and the router's answer
    decides (a refused line fails the task).
  - In check mode only C(display) commands are sent; the result holds the exact commands and the sessions
    that would go down.
author: netops.vrp maintainers (@netops)
extends_documentation_fragment:
  - netops.vrp.scope
  - netops.vrp.attributes
  - ansible.builtin.action_common_attributes
options:
  as_number:
    description:
      - Reset every session with peers in this AS (plain C(65010) or asdot C(1.10)).
        Mutually exclusive with O(peers), O(groups) and O(selector).
    type: str
  slow_peer:
    description:
      - Send C(reset bgp vpnv4|ipv4|vpn-instance X ipv4-family [PEER] slow-peer) (by O(address_family)), which
        clears the slow-peer state instead of resetting the session. Takes O(peers), or O(selector=all)
        for every slow peer of the family (the command without an address). Which family has the form
        depends on the release (see the description).
    type: bool
    default: false
  allow_service_interruption:
    description:
      - Must be V(true); acknowledges that the reset interrupts the traffic carried by the sessions.
      - Without it the task fails before connecting to the router, in check mode too.
    type: bool
    default: false
  wait:
    description:
      - Wait for the reset sessions to return to Established.
    type: bool
    default: true
  wait_timeout:
    description:
      - Maximum seconds to wait for the sessions to return to Established.
    type: int
    default: 180
seealso:
  - module: netops.vrp.bgp_soft_reset
"""

EXAMPLES = r"""
- name: Hard reset the session with a CE that supports neither route-refresh nor keep-all-routes
  netops.vrp.bgp_reset:
    address_family: vpn-instance
    vpn_instance: vpna
    peers: [172.16.1.2]
    allow_service_interruption: true
    wait_timeout: 120
# commands:
#   - reset bgp vpn-instance vpna ipv4-family 172.16.1.2
# peers:
#   - address: 172.16.1.2, selected: true, state_before: Established, state_after: Established,
#     downtime_seconds: 6.0, reset: true
# not_recovered: []

- name: Reset every session with AS 65010
  netops.vrp.bgp_reset:
    as_number: "65010"
    allow_service_interruption: true
# commands:
#   - reset bgp 65010

- name: Clear the slow-peer state of a VPNv4 peer (NE40E V800R022C00; the session stays up)
  netops.vrp.bgp_reset:
    address_family: vpnv4
    peers: [10.0.0.3]
    slow_peer: true
    allow_service_interruption: true
"""

RETURN = r"""
commands:
  description:
    - The C(reset bgp) commands sent (or that would be sent in check mode).
    - Empty when a pre-check failed (nothing was sent) or the selection reaches no peer.
    - When sending failed part-way (refused command, timeout, dropped session), the commands that reached
      the router, the failing one included (its outcome is unknown after a timeout or a dropped session);
      the task then fails with C(changed=true) if any of them may have run.
  returned: always
  type: list
  elements: str
  sample: ["reset bgp vpn-instance vpna ipv4-family 172.16.1.2"]
commands_not_sent:
  description: The planned commands that were not sent because an earlier one failed.
  returned: when sending or waiting failed after the sending started
  type: list
  elements: str
  sample: ["reset bgp 192.0.2.7"]
peers:
  description: One entry per (address family, VPN instance, peer) whose session the command resets.
  returned: always
  type: list
  elements: dict
  contains:
    address:
      description: Peer address.
      type: str
    address_family:
      description: Address family of the entry.
      type: str
    vpn_instance:
      description: VPN instance of the session, or null.
      type: str
    group:
      description: Peer group, or null.
      type: str
    type:
      description: V(internal) or V(external).
      type: str
    remote_as:
      description: Remote AS as displayed.
      type: str
    selected:
      description: The selector picked this entry; false for another family's entry of a selected session.
      type: bool
    state_before:
      description: Session state before the reset.
      type: str
    uptime_before:
      description: Session uptime in seconds before the reset.
      type: int
    state_after:
      description: Session state when the wait ended (only when sent with O(wait)).
      type: str
    uptime_after:
      description: Session uptime in seconds when the wait ended (only when sent with O(wait)).
      type: int
    downtime_seconds:
      description:
        - Seconds from the reset until the session was Established again, about one second resolution
          (null if it did not come back). Only when sent with O(wait).
      type: float
    reset:
      description:
        - False when the session stayed up with its uptime still counting (the router did not reset it).
          Only when sent with O(wait).
      type: bool
not_recovered:
  description: Addresses of the sessions, Established before, that were not Established again within O(wait_timeout).
  returned: when sent with O(wait=true), not in check mode and not with O(slow_peer)
  type: list
  elements: str
msg:
  description: Why the task failed, or that the selection reached no peer.
  returned: on failure, or when nothing was sent because no peer was selected
  type: str
step:
  description: The failing step, V(pre-check), V(reset) or V(wait) (or a connection step).
  returned: on failure
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netops.vrp.plugins.module_utils.argspec import state_interface

if __name__ == "__main__":
    state_interface(AnsibleModule, "bgp_reset")
