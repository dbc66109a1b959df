# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netops.vrp.vrp_rollout_plan: plan a policy rollout on one router
(documentation: vrp_rollout_plan.yml; logic: plugin_utils/rollout.py)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netops.vrp.plugins.plugin_utils.rollout import rollout_plan


class FilterModule(object):
    """netops.vrp.vrp_rollout_plan."""

    def filters(self):
        return {"vrp_rollout_plan": rollout_plan}
