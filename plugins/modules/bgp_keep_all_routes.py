#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: bgp_keep_all_routes
short_description: Manage keep-all-routes for BGP peers that cannot do route-refresh
version_added: 0.1.0
description:
  - Configures C(peer {PEER|GROUP} keep-all-routes) (V(present)) or removes it (V(absent)) in the address
    family view (C(ipv4-family unicast), C(ipv6-family unicast), C(ipv4-family vpnv4) or
    C(ipv4-family vpn-instance X)), then commits.
  - The router then keeps every route received from the peer, whatever the import policy, so a changed
    policy can be applied to them without the peer's help (whether by C(refresh bgp ... import) or by
    itself is not settled by the vendor text; M(netops.vrp.bgp_soft_reset) checks the effect).
  - The first time it is enabled, sessions with peers that have not negotiated route-refresh are
    re-established; a later enable and the removal (undo "disables this function") are not described, so the
    module predicts the same for them. It returns the Established sessions that would reset in
    RV(sessions_reset), and refuses unless O(allow_session_reset=true). The VRP procedure asks for the
    command on both ends of such a session.
  - On peers that do negotiate route-refresh it resets nothing, but C(refresh bgp ... import) then sends no
    ROUTE-REFRESH and works on the kept routes only; the module warns about it.
  - In check mode only C(display) commands are sent; the result holds the exact commands.
  - A peer target changes the peer's own line. V(present) on a peer that already keeps all routes through
    its group or the global C(keep-all-routes) changes nothing; V(absent) on such a peer fails naming where
    the setting comes from, and sends nothing.
  - A group target changes the group's line in the address family. Members that follow the group change
    with it (and may reset, as above); members with their own line keep it and are named in a warning.
  - Unknown peers (or peers not enabled in the address family), groups and VPN instances fail the task
    naming them, after one C(display).
notes:
  - "Displays sent: C(display current-configuration configuration bgp) always (the only one when nothing
    changes); when a peer's effective setting changes also the family's brief peer table, for a change on
    Established peers with local route-refresh on C(display bgp ... peer ADDR verbose) per targeted peer (the
    bulk verbose form when more than 4) to learn whether route-refresh is negotiated, and
    C(display configuration trial status); after a commit the brief peer table again to confirm the resets."
  - A reset is assumed where whether route-refresh is negotiated cannot be read. After a commit RV(sessions_reset)
    lists only the resets seen (a warning names a predicted one that did not happen). Tested against every
    behaviour of the lab emulator.
author: netops.vrp maintainers (@netops)
extends_documentation_fragment:
  - netops.vrp.scope.PEER_CONFIG
  - netops.vrp.commit
  - netops.vrp.attributes.DIFF
  - netops.vrp.attributes
  - ansible.builtin.action_common_attributes
seealso:
  - module: netops.vrp.bgp_route_refresh
  - module: netops.vrp.bgp_soft_reset
"""

EXAMPLES = r"""
# Before: 192.0.2.5 (AS 65011) does not advertise route-refresh; no keep-all-routes.
- name: Keep all routes from 192.0.2.5 so import policy changes can be soft reset
  netops.vrp.bgp_keep_all_routes:
    peers: [192.0.2.5]
    allow_session_reset: true
# commands:
#   - bgp 65000
#   - ipv4-family unicast
#   - peer 192.0.2.5 keep-all-routes
#   - commit
# sessions_reset:
#   - {address: 192.0.2.5, address_family: ipv4, vpn_instance: null,
#      reason: first keep-all-routes on a peer without negotiated route-refresh,
#      evidence: state Idle after the commit}

- name: Keep all routes from the CE in VPN instance vpna, and wait until its session is Established again
  netops.vrp.bgp_keep_all_routes:
    address_family: vpn-instance
    vpn_instance: vpna
    peers: [172.16.2.2]
    allow_session_reset: true
    wait_timeout: 120

- name: Remove keep-all-routes from the UPSTREAM group (a member without route-refresh may re-establish)
  netops.vrp.bgp_keep_all_routes:
    groups: [UPSTREAM]
    state: absent
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
  sample: ["bgp 65000", "ipv4-family unicast", "peer 192.0.2.5 keep-all-routes", "commit"]
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
  description: keep-all-routes per target before the change.
  returned: always
  type: dict
  sample: {"192.0.2.5": false}
after:
  description: keep-all-routes per target after the change (predicted in check mode).
  returned: always
  type: dict
  sample: {"192.0.2.5": true}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netops.vrp.plugins.module_utils.argspec import state_interface

if __name__ == "__main__":
    state_interface(AnsibleModule, "bgp_keep_all_routes")
