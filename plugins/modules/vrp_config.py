#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vrp_config
short_description: Apply VRP8 configuration lines with a minimal diff and a two-stage commit
version_added: 0.1.0
description:
  - Compares the wanted configuration lines (under their parent views) with C(display current-configuration)
    and sends only what is missing, then commits the candidate. Typical use are route-policies,
    ip-prefix lists and peer policy bindings, but any configuration line works.
  - Views are entered explicitly from the system view and left with one C(quit) per level before a block
    under other parents; the module never relies on VRP running a command of an enclosing view.
  - O(commit_trial) commits as a trial that the router rolls back by itself unless
    M(netops.vrp.vrp_commit) confirms it.
  - If a trial commit is already pending on the router, the task fails instead of committing (a plain
    C(commit) would silently confirm that trial). With nothing to change it only warns.
  - Any error while configuring or committing discards the candidate, so nothing is half applied.
  - In check mode only C(display) commands are sent; the result holds the exact commands and, with
    C(--diff), the before/after lines of the affected blocks.
author: netops.vrp maintainers (@netops)
extends_documentation_fragment:
  - netops.vrp.commit
  - netops.vrp.attributes.DIFF
  - netops.vrp.attributes
  - ansible.builtin.action_common_attributes
options:
  lines:
    description:
      - Configuration lines, relative to O(parents), as they appear in C(display current-configuration)
        (full keywords, no abbreviations).
      - A line starting with C(undo) is sent only when the configuration it removes is present (its
        positive form is the start of an existing line under the same parents, for example
        C(undo peer 10.0.0.2 route-policy RP import) or C(undo ip ip-prefix P index 10)). Settings that
        are on by default and stored as their C(undo) line (C(undo peer X capability-advertise route-refresh))
        count as present when that exact line is.
      - Session commands (C(commit), C(quit), C(return), C(system-view), C(abort), C(rollback), C(save),
        C(display), ... or an abbreviation of one) are refused; the module handles views and the commit.
      - A line that enters a view (C(route-policy ... node N), C(ipv4-family ...), C(bgp AS)) is treated as
        a block of its own.
      - Mutually exclusive with O(src).
    type: list
    elements: str
  parents:
    description:
      - The views that hold O(lines), outermost first, for example C([bgp 65000, ipv4-family unicast]).
    type: list
    elements: str
    default: []
  src:
    description:
      - Configuration text with VRP's indentation (one space per level), as C(display current-configuration)
        prints it; C(#) and blank lines are ignored. Several blocks are applied in one commit, in the order
        given.
      - Mutually exclusive with O(lines).
    type: str
  match:
    description:
      - V(line) sends only lines missing from the running configuration; V(none) sends every line.
      - C(ip ip-prefix) / C(ip ipv6-prefix) entries are compared the way the router stores them (address
        ANDed with the mask), so C(permit 10.1.1.1 16) matches C(permit 10.1.0.0 16); without C(index)
        an entry matches an entry of the same list with the same rule.
    type: str
    default: line
    choices: [line, none]
  replace:
    description:
      - V(line) adds missing lines. V(block) also removes (with C(undo)) what is not wanted, so the block
        ends up exactly as given.
      - V(block) applies to route-policy nodes (unwanted C(if-match)/C(apply) clauses are undone first) and
        to the top-level C(ip ip-prefix)/C(ip ipv6-prefix)/C(ip as-path-filter)/C(ip community-filter)
        lists named in the wanted lines (entries with other indexes are undone after the new ones are
        added; re-stating an index replaces that entry). Other top-level lines are never touched.
      - Under other parents (the bgp view, address families, ...) lines are merged as with V(line) and a
        warning says so, because undoing the rest of such a view would remove peers and drop sessions.
    type: str
    default: line
    choices: [line, block]
notes:
  - O(commit_trial) can be combined with O(commit_label) and O(commit_description)
    (C(commit trial 600 label L description D)).
  - An uncommitted candidate left in the module's own SSH session is discarded (with a warning) before
    configuring, so only this task's lines are committed.
  - If the router shows no pending change after the lines were typed (prompt C(~)), nothing is committed
    and the task reports no change with a warning.
  - If the SSH session is lost during the commit, the task fails saying that whether the commit was applied
    is unknown; check C(display configuration commit list).
seealso:
  - module: netops.vrp.vrp_commit
"""

EXAMPLES = r"""
# Before:
#  ip ip-prefix PFX-UPSTREAM-IN index 10 permit 203.0.113.0 24
#  route-policy RP-UPSTREAM-IN permit node 10
#   if-match ip-prefix PFX-UPSTREAM-IN
- name: Narrow the upstream import prefix list, as a trial commit
  netops.vrp.vrp_config:
    src: |
      ip ip-prefix PFX-UPSTREAM-IN index 10 permit 203.0.113.0 24 greater-equal 24 less-equal 24
    commit_trial: 600
# commands:
#   - ip ip-prefix PFX-UPSTREAM-IN index 10 permit 203.0.113.0 24 greater-equal 24 less-equal 24
#   - commit trial 600
# After (until confirmed with netops.vrp.vrp_commit action=confirm, or rolled back after 600 s):
#  ip ip-prefix PFX-UPSTREAM-IN index 10 permit 203.0.113.0 24 greater-equal 24 less-equal 24

- name: Policy, prefix list and peer binding in one commit
  netops.vrp.vrp_config:
    src: |
      ip ip-prefix PFX-CE index 10 permit 172.16.0.0 16 less-equal 24
      #
      route-policy RP-CE-IN permit node 10
       if-match ip-prefix PFX-CE
       apply local-preference 200
      #
      bgp 65000
       ipv4-family vpn-instance vpna
        peer 172.16.1.2 route-policy RP-CE-IN import
    commit_label: ce-policy-v2
# commands:
#   - ip ip-prefix PFX-CE index 10 permit 172.16.0.0 16 less-equal 24
#   - route-policy RP-CE-IN permit node 10
#   - if-match ip-prefix PFX-CE
#   - apply local-preference 200
#   - quit
#   - bgp 65000
#   - ipv4-family vpn-instance vpna
#   - peer 172.16.1.2 route-policy RP-CE-IN import
#   - commit label ce-policy-v2

- name: Bind an import policy to a peer group
  netops.vrp.vrp_config:
    parents: [bgp 65000, ipv4-family unicast]
    lines:
      - peer UPSTREAM route-policy RP-UPSTREAM-IN import

# Before:
#  route-policy RP-CE-IN permit node 10
#   if-match ip-prefix PFX-OLD
#   apply local-preference 100
- name: Make a route-policy node exactly these clauses
  netops.vrp.vrp_config:
    parents: [route-policy RP-CE-IN permit node 10]
    lines:
      - if-match ip-prefix PFX-CE
      - apply local-preference 100
    replace: block
# commands:
#   - route-policy RP-CE-IN permit node 10
#   - undo if-match ip-prefix PFX-OLD
#   - if-match ip-prefix PFX-CE
#   - commit

- name: Remove a binding (sent only while it is configured)
  netops.vrp.vrp_config:
    parents: [bgp 65000, ipv4-family unicast]
    lines:
      - undo peer 10.0.0.2 route-policy RP-OLD import
"""

RETURN = r"""
commands:
  description:
    - Commands sent (or that would be sent in check mode) after C(system-view), that is view lines,
      C(quit), configuration lines and the commit command. Empty when nothing changes.
    - On failure, every non-display command actually sent, including C(system-view) and the discard
      (C(return), C(N)).
  returned: always
  type: list
  elements: str
  sample: ["route-policy RP-CE-IN permit node 10", "apply local-preference 200", "commit"]
updates:
  description: The configuration lines that change something (new or changed views included), without
    navigation (C(quit), existing parent views) and without the commit.
  returned: success
  type: list
  elements: str
  sample: ["apply local-preference 200"]
commit_id:
  description: Commit ID of the new rollback point, read from C(display configuration commit list 1)
    (null when it could not be read).
  returned: when changed and not in check mode
  type: str
  sample: "1000000012"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netops.vrp.plugins.module_utils.argspec import state_interface

if __name__ == "__main__":
    state_interface(AnsibleModule, "vrp_config")
