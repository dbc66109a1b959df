# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netops.vrp.bgp_keep_all_routes: thin action over module_utils/bgp_peer_config.apply_peer_config."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netops.vrp.plugins.module_utils.bgp_peer_config import KEEP_ALL_ROUTES
from ansible_collections.netops.vrp.plugins.plugin_utils.action_base import PeerConfigAction


class ActionModule(PeerConfigAction):
    MODULE = "bgp_keep_all_routes"
    FEATURE = KEEP_ALL_ROUTES
