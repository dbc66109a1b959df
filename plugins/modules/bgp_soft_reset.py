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
  - Before sending, reads the BGP facts of the scope's address family once and resolves which peers each
    command reaches (a peer, the members of a group in that family, the EBGP or IBGP peers, or all peers of
    the family or VPN instance). An unknown peer, group or VPN instance fails the task, sending nothing.
  - Every targeted peer must be Established. An B(import) soft reset needs route-refresh negotiated with the
    peer (the router sends ROUTE-REFRESH and the peer re-sends its routes) or C(keep-all-routes) configured
    locally (the router sends no ROUTE-REFRESH even when the capability is negotiated; whether it then
    re-applies the import policy to the routes it kept is not settled by the vendor text, see the policy
    check below). The result says which path each peer takes, and the module
    fails, sending nothing but displays, when a peer has neither, pointing to M(netops.vrp.bgp_route_refresh),
    M(netops.vrp.bgp_keep_all_routes) and M(netops.vrp.bgp_reset). An B(export) soft reset re-sends the
    router's own routes and needs no capability.
  - After sending, verifies (O(verify)) that every targeted session is still Established without a reset
    (uptime not gone back, BGP Peer Up count unchanged) and that the ROUTE-REFRESH sent counter moved for
    C(route-refresh) peers. The peer re-sends its routes asynchronously and the first read after the
    command may still show the old counts, so the display that carries the prefix count is read again, at
    least 0.5 s later and then with growing pauses, until two consecutive reads agree (up to
    O(verify_timeout); otherwise a warning). Returns per-peer before/after values. A failed verification
    fails the task and says that the command has been sent.
  - Where the vendor text leaves the refresh's effect open (the keep-all-routes path, and export to a peer
    without route-refresh), the verification also checks the policy's effect (RV(peers[].policy_effect)),
    since a session that stayed up proves nothing about the routes. The bound route-policy is evaluated from
    C(display current-configuration) (nodes, C(if-match ip-prefix), ip-prefix lists) against C(display bgp
    ... routing-table peer ADDR accepted-routes) (and C(received-routes) on the keep-all-routes path, which
    then lists the kept pre-policy routes) or, for export, C(advertised-routes). A route accepted or advertised
    against the policy, or (keep-all-routes) a kept route the policy permits but the router did not accept,
    fails the task naming the routes and the operator action (hard reset, or route-refresh without
    keep-all-routes). A clause the evaluator does not model (other C(if-match) kinds, an undefined
    route-policy, VPNv4 tables, C(apply) attributes) gives V(not_verifiable), never V(verified).
  - The router's release is read once per login (C(display version), kept by the session keeper for the
    rest of the play). A form the release lacks (C(refresh bgp vpnv4 ...) on CE V300R023C00) fails before
    anything is sent, check mode included, naming the release and the form; an unknown release is not
    guessed at, the router's own answer decides.
  - With several commands (several O(peers) or O(groups)), O(batch_size) throttles them. The commands are
    sent in batches reaching at most that many peers, O(batch_pause) seconds apart. The facts are still read
    once before the first batch and the sessions verified once after the last one.
  - With several commands, a failure part-way (refused command, timeout, dropped session) fails the task
    with C(changed=true) if a command already reached the router, listing them in RV(commands) and the
    others in RV(commands_not_sent); the same for a failure while reading the sessions back.
  - Displays sent, for one peer in IPv4 unicast, C(display current-configuration configuration bgp),
    C(display bgp peer), C(display bgp peer verbose) before; C(display bgp peer) and
    C(display bgp peer ADDR verbose) after (the family's bulk verbose display for more than 3 peers), then
    only the count display again (C(display bgp peer) for import, the verbose one for export) until the
    counts settle.
  - A selection that reaches no peer (for example O(selector=internal) without IBGP peers) sends nothing and
    returns C(changed=false).
  - In check mode only C(display) commands are sent; the result holds the exact commands, the peers they
    would touch and each peer's path, with C(changed=true) when a command would be sent.
  - C(changed) is V(true) on every run that sends a C(refresh bgp) command, also when the routes come out the
    same. A soft reset is an operational command, not a configuration state, so there is nothing to compare
    against and a second run sends it again and reports V(true) again (the same holds for
    M(netops.vrp.bgp_reset)). Run it when a policy changed, for example only when the configuration task
    that changed the policy reports V(changed), as the C(netops.vrp.bgp_policy_rollout) role does.
  - Runs on the controller as an action plugin over the C(netops.vrp.netmiko) connection.
author: netops.vrp maintainers (@netops)
extends_documentation_fragment:
  - netops.vrp.scope
  - netops.vrp.attributes
  - ansible.builtin.action_common_attributes
options:
  direction:
    description:
      - V(import) re-applies import policies to the routes received from the targets,
        V(export) re-applies export policies to the routes advertised to them.
      - Required unless O(targets) is given.
    type: str
    choices: [import, export]
  targets:
    description:
      - Several targets in one call, each its own scope and direction, for example an IPv4 group inbound, a
        VPN instance peer inbound and the VPNv4 IBGP group outbound after one policy change.
      - Every target is planned before anything is sent (a target that cannot be soft reset fails the task,
        sending nothing). The commands go out in target order, batched by O(batch_size), and the sessions of
        all targets are verified together, so their routes settle in one wait instead of one per target.
      - Mutually exclusive with O(address_family), O(vpn_instance), O(peers), O(groups), O(selector) and
        O(direction).
    type: list
    elements: dict
    suboptions:
      address_family:
        description: As O(address_family).
        type: str
        default: ipv4
        choices: [ipv4, ipv6, vpnv4, vpn-instance]
      vpn_instance:
        description: As O(vpn_instance).
        type: str
      peers:
        description: As O(peers).
        type: list
        elements: str
      groups:
        description: As O(groups).
        type: list
        elements: str
      selector:
        description: As O(selector).
        type: str
        choices: [all, external, internal]
      direction:
        description: As O(direction).
        type: str
        required: true
        choices: [import, export]
      check_mode_keep_all_routes:
        description: As O(check_mode_keep_all_routes), for this target's peers.
        type: list
        elements: str
  check_mode_keep_all_routes:
    description:
      - Check mode only (ignored otherwise). Peer addresses an earlier task of the same run enables
        C(keep-all-routes) on, which check mode did not send (the C(netops.vrp.bgp_policy_rollout) role's
        preparation). The plan treats them as having C(keep-all-routes) configured, so an import soft reset
        reaches them on the C(keep-all-routes) path and RV(commands) are the ones the real run sends.
    type: list
    elements: str
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
  batch_size:
    description:
      - Most peers one batch of C(refresh bgp) commands reaches; the batches go out O(batch_pause) seconds
        apart. A command for a group or selector counts the peers it reaches, and one that reaches more
        than O(batch_size) peers is a batch of its own.
      - Unset, every command is sent at once (one batch). 1 to 1000.
    type: int
  batch_pause:
    description:
      - Seconds to pause between two batches (O(batch_size)); not before the first or after the last.
        0 to 3600.
    type: int
    default: 0
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
#   - address: 192.0.2.1, path: route-refresh, prefixes_before: 3, prefixes_after: 2,
#     refresh_sent_before: 0, refresh_sent_after: 1, verified: true
#   - address: 198.51.100.1, path: keep-all-routes, prefixes_before: 1, prefixes_after: 2,
#     refresh_sent_before: 0, refresh_sent_after: 0, verified: true

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
# peers:
#   - address: 2001:db8:100::2, path: export, prefixes_before: 12, prefixes_after: 12

- name: Re-apply the import policy to 12 upstream peers, 4 at a time with 2 s between batches
  netops.vrp.bgp_soft_reset:
    peers: [192.0.2.1, 192.0.2.2, 192.0.2.3, 192.0.2.4, 192.0.2.5, 192.0.2.6,
            192.0.2.7, 192.0.2.8, 192.0.2.9, 192.0.2.10, 192.0.2.11, 192.0.2.12]
    direction: import
    batch_size: 4
    batch_pause: 2
# batches: 3 lists of 4 commands ("refresh bgp 192.0.2.1 import", ...), then one verification of all 12

- name: After one policy change, soft reset three targets and wait once for all their routes to settle
  netops.vrp.bgp_soft_reset:
    targets:
      - groups: [UPSTREAM]
        direction: import
      - address_family: vpn-instance
        vpn_instance: vpna
        peers: [172.16.0.2]
        direction: import
      - address_family: vpnv4
        groups: [IBGP]
        direction: export
# commands:
#   - refresh bgp group UPSTREAM import
#   - refresh bgp vpn-instance vpna ipv4-family 172.16.0.2 import
#   - refresh bgp vpnv4 group IBGP export

- name: Refresh VPNv4 routes from the route reflector (check mode shows the plan only)
  netops.vrp.bgp_soft_reset:
    address_family: vpnv4
    peers: [10.0.0.3]
    direction: import
  check_mode: true
"""

RETURN = r"""
commands:
  description:
    - The C(refresh bgp) commands sent (or, in check mode, that would be sent), in order.
    - Empty when a pre-check failed (nothing was sent) or the selection reaches no peer.
    - When sending failed part-way, the commands that reached the router, the failing one included (its
      outcome is unknown after a timeout or a dropped session).
  returned: always
  type: list
  elements: str
  sample: ["refresh bgp group UPSTREAM import"]
batches:
  description:
    - RV(commands) split into the batches sent (or that would be sent) O(batch_pause) seconds apart, in order.
      One batch without O(batch_size).
  returned: always
  type: list
  elements: list
  sample: [["refresh bgp 192.0.2.1 import", "refresh bgp 192.0.2.2 import"], ["refresh bgp 192.0.2.3 import"]]
commands_not_sent:
  description: The planned commands that were not sent because an earlier one failed.
  returned: when sending or reading the sessions back failed after the sending started
  type: list
  elements: str
  sample: ["refresh bgp 192.0.2.7 import"]
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
    direction:
      description: V(import) or V(export), the direction of the target that reached this peer.
      type: str
    vpn_instance:
      description: VPN instance of the session, or null.
      type: str
    group:
      description: Peer group of the peer, or null.
      type: str
    type:
      description: V(internal) or V(external).
      type: str
    path:
      description:
        - How the soft reset reaches this peer, V(route-refresh), V(keep-all-routes) or V(export).
        - Null when an import soft reset cannot reach the peer (the task then fails before sending).
      type: str
    state_before:
      description: Session state before the command.
      type: str
    state_after:
      description: Session state after the command (only when sent with O(verify)).
      type: str
    prefixes_before:
      description:
        - Routes accepted from the peer (import; the PrefRcv column) or advertised to it (export) before the command.
      type: int
    prefixes_after:
      description: The same count after the command, once it stopped moving (only when sent with O(verify)).
      type: int
    uptime_before:
      description: Session uptime in seconds before the command.
      type: int
    uptime_after:
      description: Session uptime in seconds after the command.
      type: int
    up_count_before:
      description: BGP Peer Up count before the command.
      type: int
    up_count_after:
      description: BGP Peer Up count after the command (a change means the session was re-established).
      type: int
    refresh_sent_before:
      description: ROUTE-REFRESH messages sent to the peer before the command.
      type: int
    refresh_sent_after:
      description: ROUTE-REFRESH messages sent to the peer after the command.
      type: int
    refresh_received_before:
      description: ROUTE-REFRESH messages received from the peer before the command.
      type: int
    refresh_received_after:
      description: ROUTE-REFRESH messages received from the peer after the command.
      type: int
    verified:
      description: The peer passed the verification (only when sent with O(verify)).
      type: bool
    problems:
      description: Why the verification failed for this peer (empty when verified).
      type: list
      elements: str
    policy_effect:
      description:
        - Whether the policy took effect for this peer (only when sent with O(verify)).
        - C(status) V(verified) (the accepted routes are exactly the kept routes the import policy permits),
          V(consistent) (every accepted / advertised route passes the policy; routes it newly permits cannot
          be checked), V(not_verifiable) (C(detail) says which clause), V(not_applied) (a problem),
          V(not_checked) (route-refresh negotiated, the documented case; the check runs on the keep-all-routes
          path and for export to a peer without route-refresh, where the vendor text leaves the effect open).
        - C(policy) the route-policy bound (null = none); C(detail) the routes or the reason.
      type: dict
msg:
  description: Why the task failed, or that the selection reached no peer.
  returned: on failure, or when nothing was sent because no peer was selected
  type: str
step:
  description: The failing step, V(pre-check), V(refresh) or V(verify) (or a connection step).
  returned: on failure
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netops.vrp.plugins.module_utils.argspec import state_interface

if __name__ == "__main__":
    state_interface(AnsibleModule, "bgp_soft_reset")
