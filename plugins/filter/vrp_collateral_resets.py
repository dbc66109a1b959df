# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netops.vrp.vrp_collateral_resets: sessions a hard reset took down besides its own
(documentation: vrp_collateral_resets.yml; logic: plugin_utils/reset_plan.py)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netops.vrp.plugins.plugin_utils.reset_plan import collateral_resets


class FilterModule(object):
    """netops.vrp.vrp_collateral_resets."""

    def filters(self):
        return {"vrp_collateral_resets": collateral_resets}
