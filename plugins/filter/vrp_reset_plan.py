# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netops.vrp.vrp_reset_plan: plan hard resets on one router
(documentation: vrp_reset_plan.yml; logic: plugin_utils/reset_plan.py)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netops.vrp.plugins.plugin_utils.reset_plan import reset_plan


class FilterModule(object):
    """netops.vrp.vrp_reset_plan."""

    def filters(self):
        return {"vrp_reset_plan": reset_plan}
