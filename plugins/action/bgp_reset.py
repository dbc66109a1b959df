# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netops.vrp.bgp_reset: reset bgp ... behind an explicit opt-in, then a bounded wait for the sessions.

The work (plan, send, wait) is ``module_utils/bgp_hard_reset.run_reset``.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netops.vrp.plugins.module_utils.bgp_hard_reset import run_reset
from ansible_collections.netops.vrp.plugins.module_utils.release import learn_release
from ansible_collections.netops.vrp.plugins.module_utils.validate import ValidationError
from ansible_collections.netops.vrp.plugins.plugin_utils.action_base import VrpActionBase


class ActionModule(VrpActionBase):
    MODULE = "bgp_reset"

    def validate(self, params):
        # First, before anything else (and so before any connection): a hard reset drops live sessions.
        if params.get("allow_service_interruption") is not True:
            raise ValidationError(
                "allow_service_interruption",
                "must be true: reset bgp tears the selected BGP sessions down and interrupts the traffic they "
                "carry (VPN traffic included); nothing was sent. Prefer netops.vrp.bgp_soft_reset")
        return super(ActionModule, self).validate(params)

    def run_vrp(self, params, cli_factory):
        cli = cli_factory()
        return run_reset(cli, params, check_mode=self.check_mode, release=learn_release(cli))
