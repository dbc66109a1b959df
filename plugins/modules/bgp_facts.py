#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: bgp_facts
short_description: Gather BGP peer facts from VRP8 routers
version_added: 0.1.0
description:
  - Reads the BGP configuration and peer displays and returns one flat list of peers across address
    families and VPN instances, with session state, uptime, AS, group, route-refresh (advertised locally,
    advertised by the peer, negotiated), keep-all-routes, bound import/export policies, prefix counts and
    route-refresh message counters, plus the peer groups.
  - Sends only C(display) commands; the same in check mode.
  - O(query) selects from the facts with a JMESPath expression (for example
    C(peers[?state!='Established'].address)).
author: netops.vrp maintainers (@netops)
extends_documentation_fragment:
  - netops.vrp.attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.facts
attributes:
  facts:
    support: full
options:
  gather_subset:
    description:
      - Which parts to gather. V(ipv4), V(ipv6), V(vpnv4) and V(vpn-instance) are the peers of each address
        family, V(groups) the peer groups; V(all) is everything.
    type: list
    elements: str
    default: [all]
    choices: [all, ipv4, ipv6, vpnv4, vpn-instance, groups]
  vpn_instances:
    description:
      - Limit the V(vpn-instance) subset to these VPN instances.
      - A name without a BGP view on the router (C(ipv4-family vpn-instance NAME)) fails the task naming it. To
        read an instance where it exists, use O(query) instead, for example C(peers[?vpn_instance=='vpna'].address).
    type: list
    elements: str
  verbose:
    description:
      - Read the per-peer verbose display for negotiated capabilities, message counters and advertised
        routes. V(false) is faster and returns only what the brief displays and the configuration show.
    type: bool
    default: true
  query:
    description:
      - JMESPath expression evaluated over the gathered facts; the result is returned in RV(query_result).
      - The expression is compiled before connecting; an invalid one (or a missing C(jmespath) library)
        fails the task without contacting the router.
    type: str
  set_facts:
    description:
      - Set the host fact C(netops_vrp_bgp) (RV(ansible_facts)). With V(false) the facts are returned only
        in the result, as RV(netops_vrp_bgp), for a registered snapshot; Ansible copies every host fact at
        each later task of that host, so a play that only reads the registered result saves that work (the
        roles of this collection do this).
    type: bool
    default: true
    version_added: 0.2.0
requirements:
  - jmespath (only for O(query))
"""

EXAMPLES = r"""
- name: Gather every BGP peer
  netops.vrp.bgp_facts:

- name: Which IPv4 peers can not soft reset inbound?
  netops.vrp.bgp_facts:
    gather_subset: [ipv4]
    query: "peers[?!(route_refresh.negotiated) && !keep_all_routes].address"
  register: not_ready
# not_ready.query_result on PE1 of the demo lab: ["198.51.100.1"]

- name: A snapshot for later comparison, kept only in the registered result
  netops.vrp.bgp_facts:
    gather_subset: [ipv4]
    set_facts: false
  register: before
# before.netops_vrp_bgp.peers

- name: Peers of VPN instance vpna only
  netops.vrp.bgp_facts:
    gather_subset: [vpn-instance]
    vpn_instances: [vpna]
"""

RETURN = r"""
ansible_facts:
  description: Facts set on the host.
  returned: when O(set_facts=true)
  type: dict
  contains:
    netops_vrp_bgp:
      description: BGP facts of the router.
      type: dict
      contains:
        local_as:
          description: Local AS number as displayed.
          type: str
          sample: "65000"
        router_id:
          description: BGP router ID.
          type: str
          sample: 10.0.0.1
        peers:
          description:
            - One entry per (address family, VPN instance, peer address), with keys C(address),
              C(address_family), C(vpn_instance), C(remote_as), C(type) (internal/external), C(group),
              C(state), C(up_down), C(uptime_seconds), C(up_count), C(prefixes_received),
              C(prefixes_advertised), C(route_refresh) (C(local), C(peer), C(negotiated)),
              C(keep_all_routes), C(import_policy), C(export_policy), C(refresh_sent), C(refresh_received).
          type: list
          elements: dict
        groups:
          description: Peer groups with C(name), C(address_family), C(vpn_instance), C(type), C(remote_as), C(members).
          type: list
          elements: dict
netops_vrp_bgp:
  description: The same BGP facts as RV(ansible_facts.netops_vrp_bgp), in the result only (no host fact).
  returned: when O(set_facts=false)
  type: dict
query_result:
  description: Result of O(query) over the facts.
  returned: when O(query) is set
  type: raw
  sample: ["192.0.2.5"]
commands:
  description: The display commands that were sent.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netops.vrp.plugins.module_utils.argspec import state_interface

if __name__ == "__main__":
    state_interface(AnsibleModule, "bgp_facts")
