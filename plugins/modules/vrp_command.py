#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vrp_command
short_description: Run display commands on Huawei VRP8 routers
version_added: 0.1.0
description:
  - Sends C(display) commands to a VRP8 router and returns their output, like C(ios_command) for
    read-only use.
  - Only commands starting with C(display) are accepted; anything else fails before connecting.
    Use M(netops.vrp.vrp_config) to change configuration and the BGP modules for operational actions.
  - Never changes the router, so it reports C(changed=false) and runs the same in check mode.
author: netops.vrp maintainers (@netops)
extends_documentation_fragment:
  - netops.vrp.attributes
  - ansible.builtin.action_common_attributes
options:
  commands:
    description:
      - C(display) commands to run, in order. Abbreviations the router accepts are fine as long as
        the command starts with the full word C(display).
      - If the router refuses a command (C(Error:)), the task fails naming the command.
    type: list
    elements: str
    required: true
notes:
  - "Needs C(ansible_connection: netops.vrp.netmiko); see the P(netops.vrp.netmiko#connection) connection plugin for credentials and timeouts."
"""

EXAMPLES = r"""
- name: Show BGP peers and the configuration commit list
  netops.vrp.vrp_command:
    commands:
      - display bgp peer
      - display configuration commit list
  register: out

- name: Print the peer table
  ansible.builtin.debug:
    var: out.stdout_lines[0]
"""

RETURN = r"""
stdout:
  description: Output of each command, in order.
  returned: success
  type: list
  elements: str
  sample: [" BGP local router ID : 10.0.0.1\n Local AS number : 65000"]
stdout_lines:
  description: O(commands) output split into lines.
  returned: success
  type: list
  elements: list
commands:
  description: Commands that changed the router (always empty for this module).
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netops.vrp.plugins.module_utils.argspec import state_interface

if __name__ == "__main__":
    state_interface(AnsibleModule, "vrp_command")
