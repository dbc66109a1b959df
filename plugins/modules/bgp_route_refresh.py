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
author: netops.vrp maintainers (@netops)
extends_documentation_fragment:
  - netops.vrp.scope.PEER_CONFIG
  - netops.vrp.commit
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: huawei_vrp8
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
#   - {address: 192.0.2.5, address_family: ipv4, vpn_instance: null, reason: capability change}
# After: the undo line is gone (route-refresh is the default).

- name: Make sure every member of the IBGP-RR group advertises route-refresh (no change on defaults)
  netops.vrp.bgp_route_refresh:
    groups: [IBGP-RR]

- name: Route-refresh for a CE inside VPN instance vpna
  netops.vrp.bgp_route_refresh:
    address_family: vpn-instance
    vpn_instance: vpna
    peers: [172.16.1.2]
    allow_session_reset: true
"""

RETURN = r"""
commands:
  description: Configuration commands sent (or that would be sent in check mode), including the commit.
  returned: always
  type: list
  elements: str
  sample: ["bgp 65000", "peer 192.0.2.5 capability-advertise route-refresh", "commit"]
sessions_reset:
  description: Established sessions the change re-establishes (predicted before sending).
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
from ansible_collections.netops.vrp.plugins.module_utils.argspec import ARGSPECS


def main():
    # The work runs in the controller-side action plugin of the same name; this only states the interface.
    module = AnsibleModule(supports_check_mode=True, **ARGSPECS["bgp_route_refresh"])
    module.fail_json(msg="netops.vrp.bgp_route_refresh runs on the controller through its action plugin; "
                         "use ansible_connection: netops.vrp.netmiko")


if __name__ == "__main__":
    main()
