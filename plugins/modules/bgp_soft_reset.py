#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: bgp_soft_reset
short_description: Soft reset BGP sessions (refresh bgp) so a changed policy takes effect
version_added: 0.1.0
description:
  - Runs VRP's C(refresh bgp [vpn-instance X ipv4-family | vpnv4 | ipv6] {all|PEER|group G|external|internal}
    {import|export}) for each target, without tearing down any session.
  - Before sending, checks every targeted peer. All must be Established. An B(import) soft reset needs
    route-refresh negotiated with the peer (the router sends ROUTE-REFRESH and the peer re-sends its routes)
    or C(keep-all-routes) configured locally (the router re-applies the import policy to the routes it
    kept); the result says which path each peer takes, and the module fails, sending nothing, when a peer
    has neither. An B(export) soft reset re-sends the router's own routes and needs no capability.
  - After sending, verifies that the sessions stayed Established without an uptime reset and that the
    route-refresh counters or prefix counts moved as expected, and returns per-peer before/after counts.
  - In check mode only C(display) commands are sent; the result holds the exact commands and the peers
    they would touch.
  - Runs on the controller as an action plugin over the C(netops.vrp.netmiko) connection.
author: netops.vrp maintainers (@netops)
extends_documentation_fragment:
  - netops.vrp.scope
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: huawei_vrp8
options:
  direction:
    description:
      - V(import) re-applies import policies to the routes received from the targets,
        V(export) re-applies export policies to the routes advertised to them.
    type: str
    required: true
    choices: [import, export]
  verify:
    description:
      - Verify after sending that the sessions are still Established with no uptime reset and that the
        refresh counters or prefix counts moved. A failed verification fails the task (the command has
        been sent).
    type: bool
    default: true
  verify_timeout:
    description:
      - Seconds to wait for the refresh to settle (prefix counts to stop moving) during verification.
    type: int
    default: 30
seealso:
  - module: netops.vrp.bgp_route_refresh
  - module: netops.vrp.bgp_keep_all_routes
  - module: netops.vrp.bgp_reset
"""

EXAMPLES = r"""
# PE1's import policy for the UPSTREAM group changed. Before: 3 routes accepted from 192.0.2.1.
- name: Re-apply the new import policy to routes from the UPSTREAM group
  netops.vrp.bgp_soft_reset:
    groups: [UPSTREAM]
    direction: import
# commands:
#   - refresh bgp group UPSTREAM import
# peers:
#   - address: 192.0.2.1, path: route-refresh, prefixes_before: 3, prefixes_after: 2
#   - address: 192.0.2.5, path: keep-all-routes, prefixes_before: 4, prefixes_after: 4

- name: Soft reset the CE sessions of VPN instance vpna outbound
  netops.vrp.bgp_soft_reset:
    address_family: vpn-instance
    vpn_instance: vpna
    selector: external
    direction: export
# commands:
#   - refresh bgp vpn-instance vpna ipv4-family external export

- name: Soft reset one BGP4+ peer outbound
  netops.vrp.bgp_soft_reset:
    address_family: ipv6
    peers: ["2001:db8:100::2"]
    direction: export
# commands:
#   - refresh bgp ipv6 2001:db8:100::2 export

- name: Refresh VPNv4 routes from the route reflector (check mode shows the plan only)
  netops.vrp.bgp_soft_reset:
    address_family: vpnv4
    peers: [10.0.0.3]
    direction: import
  check_mode: true
"""

RETURN = r"""
commands:
  description: The C(refresh bgp) commands sent (or, in check mode, that would be sent), in order.
  returned: always
  type: list
  elements: str
  sample: ["refresh bgp group UPSTREAM import"]
peers:
  description: One entry per targeted session, with the pre-check and verification results.
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
      description: VPN instance of the session, or null.
      type: str
    path:
      description: How the soft reset reaches this peer, V(route-refresh), V(keep-all-routes) or V(export).
      type: str
    state_before:
      description: Session state before the command.
      type: str
    state_after:
      description: Session state after the command (not returned in check mode).
      type: str
    prefixes_before:
      description: Routes received (import) or advertised (export) before the command.
      type: int
    prefixes_after:
      description: The same count after the command (not returned in check mode).
      type: int
    uptime_before:
      description: Session uptime in seconds before the command.
      type: int
    uptime_after:
      description: Session uptime in seconds after the command.
      type: int
    refresh_sent_before:
      description: ROUTE-REFRESH messages sent to the peer before the command.
      type: int
    refresh_sent_after:
      description: ROUTE-REFRESH messages sent to the peer after the command.
      type: int
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.netops.vrp.plugins.module_utils.argspec import ARGSPECS


def main():
    # The work runs in the controller-side action plugin of the same name; this only states the interface.
    module = AnsibleModule(supports_check_mode=True, **ARGSPECS["bgp_soft_reset"])
    module.fail_json(msg="netops.vrp.bgp_soft_reset runs on the controller through its action plugin; "
                         "use ansible_connection: netops.vrp.netmiko")


if __name__ == "__main__":
    main()
