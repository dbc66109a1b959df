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
  - Compares the wanted configuration lines (under their parent views) with the running configuration
    and sends only what is missing, then commits the candidate. Typical use are route-policies,
    ip-prefix lists and peer policy bindings, but any configuration line works.
  - O(commit_trial) commits as a trial that the router rolls back by itself unless
    M(netops.vrp.vrp_commit) confirms it.
  - Any error while configuring or committing discards the candidate, so nothing is half applied.
  - In check mode only C(display) commands are sent; the result holds the exact commands and, with
    C(--diff), the before/after lines.
author: netops.vrp maintainers (@netops)
extends_documentation_fragment:
  - netops.vrp.commit
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: huawei_vrp8
options:
  lines:
    description:
      - Configuration lines, relative to O(parents), as they appear in C(display current-configuration).
      - A line starting with C(undo) is sent only when the configuration it removes is present.
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
        prints it; C(#) lines are ignored. Several blocks are applied in one commit.
      - Mutually exclusive with O(lines).
    type: str
  match:
    description:
      - V(line) sends only lines missing from the running configuration; V(none) sends every line.
    type: str
    default: line
    choices: [line, none]
  replace:
    description:
      - V(line) adds missing lines. V(block) also removes (with C(undo)) the lines under each parent that
        are not wanted, so the block ends up exactly as given (for route-policy nodes and prefix lists).
    type: str
    default: line
    choices: [line, block]
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
    commit_description: narrow upstream import
# commands:
#   - ip ip-prefix PFX-UPSTREAM-IN index 10 permit 203.0.113.0 24 greater-equal 24 less-equal 24
#   - commit trial 600 description narrow upstream import

- name: Bind an import policy to a peer group
  netops.vrp.vrp_config:
    parents: [bgp 65000, ipv4-family unicast]
    lines:
      - peer UPSTREAM route-policy RP-UPSTREAM-IN import

- name: Make a route-policy node exactly these clauses
  netops.vrp.vrp_config:
    parents: [route-policy RP-CE-IN permit node 10]
    lines:
      - if-match ip-prefix PFX-CE
      - apply local-preference 200
    replace: block
"""

RETURN = r"""
commands:
  description: Commands sent (or that would be sent in check mode), views and commit included.
  returned: always
  type: list
  elements: str
  sample: ["route-policy RP-CE-IN permit node 10", "apply local-preference 200", "commit"]
updates:
  description: The configuration lines that changed, without view and commit commands.
  returned: always
  type: list
  elements: str
commit_id:
  description: Commit ID of the new rollback point, when it could be read.
  returned: when changed and not in check mode
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.netops.vrp.plugins.module_utils.argspec import ARGSPECS


def main():
    # The work runs in the controller-side action plugin of the same name; this only states the interface.
    module = AnsibleModule(supports_check_mode=True, **ARGSPECS["vrp_config"])
    module.fail_json(msg="netops.vrp.vrp_config runs on the controller through its action plugin; "
                         "use ansible_connection: netops.vrp.netmiko")


if __name__ == "__main__":
    main()
