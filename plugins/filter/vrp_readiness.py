# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netops.vrp.vrp_readiness: audit which peers can take an inbound soft reset
(documentation: vrp_readiness.yml; logic: plugin_utils/readiness.py)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netops.vrp.plugins.plugin_utils.readiness import readiness


class FilterModule(object):
    """netops.vrp.vrp_readiness."""

    def filters(self):
        return {"vrp_readiness": readiness}
