#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: bgp_route_refresh
short_description: Manage the route-refresh capability of BGP peers and peer groups
version_added: 0.1.0
description:
  - Configures C(peer {PEER|GROUP} capability-advertise route-refresh) (V(present)) or its C(undo) form
    (V(absent)) in the BGP view (public peers) or the C(ipv4-family vpn-instance) view (VPN peers), then commits.
  - Route-refresh is on by default on VRP8, so V(present) on a peer with default settings changes nothing.
  - Changing a capability re-establishes the session. The module predicts which Established sessions a
    change would reset, returns them in RV(sessions_reset), and refuses unless O(allow_session_reset=true).
  - In check mode only C(display) commands are sent; the result holds the exact commands.
  - A peer target changes the peer's own line. A peer that has no own line and inherits
    C(undo peer GROUP capability-advertise route-refresh) from its group cannot be switched on at peer level;
    the module fails naming the group (target O(groups) instead) and sends nothing.
  - A group target changes the group's line. Members that follow the group change with it and their
    Established sessions are predicted to reset; members with their own setting keep it (the peer-level
    setting wins) and are named in a warning.
  - Unknown peers, groups, VPN instances or address families fail the task naming them, after one C(display).
notes:
  - "Displays sent: C(display current-configuration configuration bgp) always (the only one when nothing
    changes); when a peer's effective setting changes also the family's brief peer table
    (C(display bgp peer) / C(display bgp ipv6 peer) / C(display bgp vpnv4 all peer) /
    C(display bgp vpnv4 vpn-instance X peer)) and C(display configuration trial status); after a commit the
    brief peer table again to confirm the resets."
  - Route-refresh is a session capability, so it is configured in the BGP view for public peers (IPv4, IPv6,
    VPNv4) and in the C(ipv4-family vpn-instance X) view for VPN peers; O(address_family) picks the view
    and which peers count as configured.
  - UNVERIFIED on real VRP - the positive form C(peer X capability-advertise route-refresh) is taken to
    remove a peer-level C(undo) line (the default is on) rather than to store an explicit override of the
    group; the lab emulator does the same.
  - UNVERIFIED on real VRP - how quickly the session goes down after the commit; a predicted reset not
    visible at once is looked for again for up to 3 seconds.
author: netops.vrp maintainers (@netops)
extends_documentation_fragment:
  - netops.vrp.scope.PEER_CONFIG
  - netops.vrp.commit
  - netops.vrp.attributes.DIFF
  - netops.vrp.attributes
  - ansible.builtin.action_common_attributes
seealso:
  - module: netops.vrp.bgp_keep_all_routes
  - module: netops.vrp.bgp_soft_reset
"""

EXAMPLES = r"""
# Before (display current-configuration configuration bgp):
#  bgp 65000
#   peer 192.0.2.5 as-number 65011
#   undo peer 192.0.2.5 capability-advertise route-refresh
- name: Enable route-refresh towards 192.0.2.5 in a maintenance window (the session re-establishes)
  netops.vrp.bgp_route_refresh:
    peers: [192.0.2.5]
    state: present
    allow_session_reset: true
    commit_description: enable route-refresh for soft reset
# commands:
#   - bgp 65000
#   - peer 192.0.2.5 capability-advertise route-refresh
#   - commit description enable route-refresh for soft reset
# sessions_reset:
#   - {address: 192.0.2.5, address_family: ipv4, vpn_instance: null,
#      reason: route-refresh capability change (the session is re-established to renegotiate it),
#      evidence: state Idle after the commit}
# After: the undo line is gone (route-refresh is the default).

- name: Make sure the IBGP-RR group advertises route-refresh (no change on defaults; one display)
  netops.vrp.bgp_route_refresh:
    groups: [IBGP-RR]
# commands: []

- name: Route-refresh for a CE inside VPN instance vpna
  netops.vrp.bgp_route_refresh:
    address_family: vpn-instance
    vpn_instance: vpna
    peers: [172.16.1.2]
    allow_session_reset: true
"""

RETURN = r"""
commands:
  description:
    - Configuration commands sent (or that would be sent in check mode), from the system view, including the
      commit. Empty when nothing needs to change and when the change is refused.
  returned: always
  type: list
  elements: str
  sample: ["bgp 65000", "peer 192.0.2.5 capability-advertise route-refresh", "commit"]
sessions_reset:
  description:
    - Sessions re-established by the change. In check mode, and when the change is refused, the prediction
      (same as RV(sessions_reset_predicted)). After a commit, only the sessions the router really reset, as
      seen in one brief peer table read right after the commit (state not Established, or uptime restarted);
      a predicted reset not seen is named in a warning instead, and a reset seen but not predicted is listed
      with reason C(observed after the commit, not predicted ...). If that read fails after the commit
      (timeout, dropped session), the prediction, with a warning saying so.
    - One entry per address family the session carries (it is one TCP session, and all its families' routes are
      withdrawn and learned again).
  returned: always
  type: list
  elements: dict
  contains:
    address:
      description: Peer address.
      type: str
    address_family:
      description: Address family of the session.
      type: str
    vpn_instance:
      description: VPN instance, or null.
      type: str
    reason:
      description: Why the session resets.
      type: str
    evidence:
      description: After a commit, what showed the reset (for example C(state Idle after the commit)).
      type: str
      returned: when the change was applied
sessions_reset_predicted:
  description:
    - The Established sessions the change was predicted to re-establish, computed before anything was sent
      (same entries as RV(sessions_reset) without RV(sessions_reset[].evidence)).
  returned: always
  type: list
  elements: dict
not_recovered:
  description:
    - With O(wait_timeout), the addresses of the sessions in RV(sessions_reset) that were not Established again
      within it (the task then fails; the change stays committed).
  returned: when O(wait_timeout) waited for re-established sessions
  type: list
  elements: str
diff:
  description: The targets' configuration lines in their view, before and after (predicted in check mode).
  returned: always
  type: dict
  sample: {"before": "bgp 65000\n", "after": "bgp 65000\n undo peer 192.0.2.5 capability-advertise route-refresh\n"}
before:
  description: Route-refresh setting per target before the change (V(true) = advertised).
  returned: always
  type: dict
  sample: {"192.0.2.5": false}
after:
  description: Route-refresh setting per target after the change (predicted in check mode).
  returned: always
  type: dict
  sample: {"192.0.2.5": true}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netops.vrp.plugins.module_utils.argspec import state_interface

if __name__ == "__main__":
    state_interface(AnsibleModule, "bgp_route_refresh")
