# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netops.vrp.vrp_rollout_last_run: whether the last bgp_policy_rollout run on a router finished
(documentation: vrp_rollout_last_run.yml; logic: plugin_utils/journal.py)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netops.vrp.plugins.plugin_utils.journal import last_run


class FilterModule(object):
    """netops.vrp.vrp_rollout_last_run."""

    def filters(self):
        return {"vrp_rollout_last_run": last_run}
