# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netops.vrp.vrp_rollout_share: one router's share of a bgp_policy_rollout
(documentation: vrp_rollout_share.yml; logic: plugin_utils/rollout.py)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netops.vrp.plugins.plugin_utils.rollout import rollout_share


class FilterModule(object):
    """netops.vrp.vrp_rollout_share."""

    def filters(self):
        return {"vrp_rollout_share": rollout_share}
