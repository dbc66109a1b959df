# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # How a configuration change is committed in VRP8's two-stage candidate.
    DOCUMENTATION = r"""
options:
  commit_label:
    description:
      - Label attached to the rollback point of the commit (C(commit label)); usable later with
        M(netops.vrp.vrp_commit) O(netops.vrp.vrp_commit#module:action=rollback).
    type: str
  commit_description:
    description:
      - Description attached to the rollback point (C(commit description)).
    type: str
  commit_trial:
    description:
      - Commit as a trial (C(commit trial N)) that the router rolls back by itself after this many seconds
        (60-65535) unless M(netops.vrp.vrp_commit) confirms it. Used by the rollout role to keep a way back.
    type: int
  check_mode_after_abort:
    description:
      - Check mode only (ignored otherwise, and without a pending trial commit). An earlier task of the same
        run aborts the pending trial commit (M(netops.vrp.vrp_commit) O(netops.vrp.vrp_commit#module:action=abort),
        as the C(netops.vrp.bgp_policy_rollout) role does with a trial left by an interrupted run of it),
        which check mode did not send. The pending trial then does not refuse the task, and
        M(netops.vrp.vrp_config) plans its commands and C(--diff) against the configuration that abort
        restores (the running configuration without the trial's changes, read with
        C(display configuration commit changes last 1)), as the real run does.
    type: bool
    default: false
notes:
  - On any error between the first configuration line and the commit, the candidate is discarded,
    so nothing half-applied stays on the router.
  - Once the commit succeeded the task reports C(changed=true) even if a display after it fails (timeout,
    dropped session); a warning then says that the commit (or the trial commit, with its timer) is on the
    router and what could not be read.
"""
