# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netops.vrp.vrp_commit: confirm or abort a pending trial commit, roll back the configuration, or read the trial."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netops.vrp.plugins.module_utils import commit, config
from ansible_collections.netops.vrp.plugins.module_utils.validate import ValidationError
from ansible_collections.netops.vrp.plugins.plugin_utils.action_base import VrpActionBase


class ActionModule(VrpActionBase):
    MODULE = "vrp_commit"

    def validate(self, params):
        params = super(ActionModule, self).validate(params)
        if params["action"] != "rollback":
            for field in ("commit_id", "label", "last"):
                if params.get(field) is not None:
                    raise ValidationError(field, "only applies to action=rollback (action is %s)"
                                          % params["action"])
        if params.get("wait_timeout") is not None and params["action"] != "status":
            raise ValidationError("wait_timeout", "only applies to action=status (action is %s)" % params["action"])
        within = params.get("trial_within")
        if within is not None:
            if params["action"] in ("rollback", "status"):
                raise ValidationError("trial_within", "only applies to action=confirm or abort")
            # empty: this run made no change, so no pending trial can be ours
            params = dict(params, _trial_blocks=config.wanted_from_src(within, "trial_within") if within.strip() else [])
        return params

    def run_vrp(self, params, cli_factory):
        return commit.commit_action(cli_factory(), params["action"], check_mode=self.check_mode,
                                    commit_id=params.get("commit_id"), label=params.get("label"),
                                    last=params.get("last"), trial_within=params.get("_trial_blocks"),
                                    wait_timeout=params.get("wait_timeout"))
