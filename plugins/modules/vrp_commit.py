#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vrp_commit
short_description: Confirm or abort a VRP8 trial commit, or roll back to an earlier commit
version_added: 0.1.0
description:
  - Every action first reads C(display configuration trial status) to learn whether a trial commit is pending.
  - V(confirm) confirms a pending C(commit trial) so it stays (a plain C(commit)); V(abort) rolls the trial
    back now (C(abort trial), answered C(Y)); both change nothing and report no change when no trial is
    pending, so V(confirm) run in check mode is a cheap "is a trial pending?" probe (return value RV(trial_pending)).
  - V(rollback) runs C(rollback configuration) in the user view to a commit ID, a label, or the last N
    commits; it always reports a change. It is refused while a trial commit is pending (the trial timer would
    later undo the rollback). It first reads C(display configuration commit list verbose) and fails, with
    nothing but C(display) sent, when the commit ID or label is not in it or N is more than it holds.
  - In check mode only C(display) commands are sent.
author: netops.vrp maintainers (@netops)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: huawei_vrp8
options:
  action:
    description:
      - V(confirm) or V(abort) the pending trial commit, or V(rollback) the configuration.
    type: str
    required: true
    choices: [confirm, abort, rollback]
  commit_id:
    description:
      - Roll back to this commit ID (C(rollback configuration to commit-id)); 10 digits as shown by
        C(display configuration commit list). Only with O(action=rollback).
    type: str
  label:
    description:
      - Roll back to the commit with this label (C(rollback configuration to label)), as set with
        C(commit_label). Only with O(action=rollback).
    type: str
  last:
    description: Roll back the last N commits, 1-80 (C(rollback configuration last N)). Only with O(action=rollback).
    type: int
  trial_within:
    description:
      - Configuration text in the format of M(netops.vrp.vrp_config) O(netops.vrp.vrp_config#module:src). With it,
        O(action=confirm) or O(action=abort) acts on a pending trial only when every line that trial commit
        changed (C(display configuration commit changes), the newest commit during a trial) is part of this
        configuration, i.e. the trial could have been left by an interrupted run of the same change. Any other
        pending trial fails the task (step C(pre-check)) naming its commit ID and the lines that are not part of
        it, and nothing but C(display) commands is sent. An empty text matches no trial.
    type: str
notes:
  - Which configuration C(to commit-id X) / C(to label L) restores (the state before or after commit X) is
    the router's definition; the lab emulator restores the state from before commit X / L (UNVERIFIED on
    real VRP8).
  - An uncommitted candidate left in the module's own SSH session is discarded first (with a warning), so a
    confirm never commits stray edits.
seealso:
  - module: netops.vrp.vrp_config
"""

EXAMPLES = r"""
- name: Keep the trial commit made by vrp_config
  netops.vrp.vrp_commit:
    action: confirm
# commands: [commit]            (none, and changed false, when no trial is pending)

- name: Is a trial commit pending? (sends only a display)
  netops.vrp.vrp_commit:
    action: confirm
  check_mode: true
  register: pending
# pending.trial_pending: true | false

- name: Undo the trial now instead of waiting for it to expire
  netops.vrp.vrp_commit:
    action: abort
# commands: [abort trial, Y]

- name: Abort a trial left by an interrupted run of this change; fail on anyone else's trial
  netops.vrp.vrp_commit:
    action: abort
    trial_within: |
      ip ip-prefix PL-CE-IN index 10 permit 10.20.0.0 16
# commands: [abort trial, Y] (our trial), [] (none pending); failed (someone else's trial)

- name: Go back to the configuration before the commit labelled policy-change
  netops.vrp.vrp_commit:
    action: rollback
    label: policy-change
# commands: [rollback configuration to label policy-change]
"""

RETURN = r"""
commands:
  description: Commands sent (or that would be sent in check mode); answers to questions included.
  returned: always
  type: list
  elements: str
  sample: ["abort trial", "Y"]
trial_pending:
  description: Whether a trial commit was pending before the task.
  returned: always
  type: bool
candidate_pending:
  description: Whether an uncommitted candidate was pending in the module's SSH session before the task (it is discarded).
  returned: always
  type: bool
trial_commit_id:
  description: Commit ID of the pending trial found to lie within O(trial_within).
  returned: when O(trial_within) is set and a trial was pending
  type: str
  sample: "1000000012"
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.netops.vrp.plugins.module_utils.argspec import ARGSPECS


def main():
    # The work runs in the controller-side action plugin of the same name; this only states the interface.
    module = AnsibleModule(supports_check_mode=True, **ARGSPECS["vrp_commit"])
    module.fail_json(msg="netops.vrp.vrp_commit runs on the controller through its action plugin; "
                         "use ansible_connection: netops.vrp.netmiko")


if __name__ == "__main__":
    main()
