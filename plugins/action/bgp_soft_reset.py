# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netops.vrp.bgp_soft_reset: refresh bgp ... import|export with a per-peer pre-check and verification.

The work (plan, path per peer, send, verify) is ``module_utils/bgp_operations.run_soft_reset``.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netops.vrp.plugins.module_utils.bgp_operations import run_soft_reset
from ansible_collections.netops.vrp.plugins.module_utils.release import learn_release
from ansible_collections.netops.vrp.plugins.plugin_utils.action_base import VrpActionBase


class ActionModule(VrpActionBase):
    MODULE = "bgp_soft_reset"

    def run_vrp(self, params, cli_factory):
        cli = cli_factory()
        return run_soft_reset(cli, params, check_mode=self.check_mode, release=learn_release(cli))
