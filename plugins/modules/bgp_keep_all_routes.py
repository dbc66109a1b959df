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
  - The router then keeps every route received from the peer, whatever the import policy, so an import
    soft reset can re-apply a changed policy locally without the peer's help.
  - The first time it is enabled, sessions with peers that have not negotiated route-refresh are
    re-established. The module predicts which Established sessions would reset, returns them in
    RV(sessions_reset), and refuses unless O(allow_session_reset=true). The VRP procedure asks for the
    command on both ends of such a session.
  - On peers that do negotiate route-refresh it resets nothing, but C(refresh bgp ... import) then only
    re-evaluates the kept routes locally instead of asking the peer; the module warns about it.
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
#   - {address: 192.0.2.5, address_family: ipv4, vpn_instance: null, reason: first keep-all-routes without route-refresh}

- name: Keep all routes from the CE in VPN instance vpna
  netops.vrp.bgp_keep_all_routes:
    address_family: vpn-instance
    vpn_instance: vpna
    peers: [172.16.2.2]
    allow_session_reset: true

- name: Remove keep-all-routes from the UPSTREAM group
  netops.vrp.bgp_keep_all_routes:
    groups: [UPSTREAM]
    state: absent
"""

RETURN = r"""
commands:
  description: Configuration commands sent (or that would be sent in check mode), including the commit.
  returned: always
  type: list
  elements: str
  sample: ["bgp 65000", "ipv4-family unicast", "peer 192.0.2.5 keep-all-routes", "commit"]
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
from ansible_collections.netops.vrp.plugins.module_utils.argspec import ARGSPECS


def main():
    # The work runs in the controller-side action plugin of the same name; this only states the interface.
    module = AnsibleModule(supports_check_mode=True, **ARGSPECS["bgp_keep_all_routes"])
    module.fail_json(msg="netops.vrp.bgp_keep_all_routes runs on the controller through its action plugin; "
                         "use ansible_connection: netops.vrp.netmiko")


if __name__ == "__main__":
    main()
