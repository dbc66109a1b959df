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
  - V(confirm) confirms a pending C(commit trial) so it stays (a plain C(commit) in a configuration view);
    V(abort) rolls the trial back now (C(abort trial) in a configuration view, answered C(Y)); both change
    nothing and report no change when no trial is pending, so V(confirm) run in check mode is a cheap "is a
    trial pending?" probe (return value RV(trial_pending)). Both succeed only if the trial status reads
    C(INACTIVE) afterwards.
  - A trial belongs to the SSH session that ran C(commit trial); only that session can confirm or abort it.
    The module's session is the one netops.vrp.vrp_config used in the same play (the session keeper keeps it),
    so confirming or aborting your own trial works. A trial left by another session (another operator, or a
    run whose session was lost) is refused or ignored by the router; the task then fails saying the trial is
    still pending, how many seconds are left before its timer rolls it back, and that it can be ended with
    C(abort trial session <id>) in a configuration view (C(abort trial session ?) lists the id) or by waiting
    for the timer. A trial being rolled back (status C(CANCELING)/C(WAITCANCEL)) fails the task before anything
    is sent.
  - V(rollback) runs C(rollback configuration) in the user view (its C([Y/N]) question answered C(Y)) to the
    configuration as it was right after a commit ID or label, or as it was before the last N commits; it always
    reports a change. It is refused while a trial commit is pending (the trial timer would
    later undo the rollback). It first reads C(display configuration commit list verbose) and fails, with
    nothing but C(display) sent, when the commit ID or label is not in it or N is more than it holds.
  - V(status) only reads C(display configuration trial status) and never changes anything (RV(trial_pending),
    RV(trial_status), RV(trial_seconds_left)); the rollout role reads a router back with it after a failure. With
    O(wait_timeout) it reads the status every 2 s until no trial is pending (its timer rolled it back, or its owner
    ended it) or the time is up (not in check mode).
  - In check mode only C(display) commands are sent.
author: netops.vrp maintainers (@netops)
extends_documentation_fragment:
  - netops.vrp.attributes
  - ansible.builtin.action_common_attributes
options:
  action:
    description:
      - V(confirm) or V(abort) the pending trial commit, V(rollback) the configuration, or read the trial V(status).
    type: str
    required: true
    choices: [confirm, abort, rollback, status]
  commit_id:
    description:
      - Roll back to the configuration as it was right after this commit (C(rollback configuration to
        commit-id)); 10 digits as shown by C(display configuration commit list). To undo commit X, give the
        commit ID before X (or use O(last)). Only with O(action=rollback).
    type: str
  label:
    description:
      - Roll back to the configuration as it was right after the commit with this label (C(rollback
        configuration to label)), as set with C(commit_label); the labelled change is kept. Only with
        O(action=rollback).
    type: str
  last:
    description:
      - Undo the last N commits, 1-80 (C(rollback configuration last N)), i.e. go back to the configuration before them.
        Only with O(action=rollback).
    type: int
  trial_within:
    description:
      - Configuration text in the format of M(netops.vrp.vrp_config) O(netops.vrp.vrp_config#module:src). With it,
        O(action=confirm) or O(action=abort) acts on a pending trial only when every line that trial commit
        changed (C(display configuration commit changes last 1), the newest commit during a trial) is part of this
        configuration, i.e. the trial could have been left by an interrupted run of the same change. Any other
        pending trial fails the task (step C(pre-check)) naming its commit ID and the lines that are not part of
        it, and nothing but C(display) commands is sent. An empty text matches no trial.
    type: str
  wait_timeout:
    description:
      - With O(action=status), wait at most this many seconds for a pending trial to end, reading the trial status
        every 2 s. The result then describes the last read (RV(trial_pending) true when the time ran out) and
        RV(waited) says how long it took. 1 to 3600. Not in check mode.
    type: int
notes:
  - C(to commit-id X) / C(to label L) restore the configuration at that rollback point, C(last 1) the one
    before the newest commit (NE40E command reference C(rollback configuration); configuration guide
    "Example for Configuration Rollback").
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

- name: Undo the newest commit (the configuration before it)
  netops.vrp.vrp_commit:
    action: rollback
    last: 1
# commands: [rollback configuration last 1, Y]

- name: Go back to the configuration as it was right after the commit labelled before-policy-change
  netops.vrp.vrp_commit:
    action: rollback
    label: before-policy-change
# commands: [rollback configuration to label before-policy-change, Y]
"""

RETURN = r"""
commands:
  description: Commands sent (or that would be sent in check mode); answers to questions included.
  returned: always
  type: list
  elements: str
  sample: ["abort trial", "Y"]
trial_pending:
  description: Whether a trial commit was pending before the task (after the wait, with O(wait_timeout)).
  returned: always
  type: bool
trial_status:
  description: The trial status the router printed before the task (C(INACTIVE), C(ACTIVE), C(CANCELING), C(WAITCANCEL)).
  returned: always
  type: str
  sample: ACTIVE
trial_seconds_left:
  description: Seconds before the pending trial's timer rolls it back, as the router printed them (null when unknown).
  returned: always
  type: int
candidate_pending:
  description:
    - Whether an uncommitted candidate was pending in the module's SSH session before the task.
    - It is discarded, except with O(action=status) and in check mode.
  returned: always
  type: bool
waited:
  description: Seconds spent waiting for the trial to end (O(wait_timeout)).
  returned: when O(wait_timeout) was given and a trial was pending
  type: float
session_lost:
  description: On failure, whether the SSH session was lost, could not be opened or timed out (a retry logs in
    again); false when the router refused or answered.
  returned: when the task failed
  type: bool
trial_commit_id:
  description: Commit ID of the pending trial found to lie within O(trial_within).
  returned: when O(trial_within) is set and a trial was pending
  type: str
  sample: "1000000012"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netops.vrp.plugins.module_utils.argspec import state_interface

if __name__ == "__main__":
    state_interface(AnsibleModule, "vrp_commit")
