# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netops.vrp.vrp_config: wanted lines vs the running configuration, minimal commands, two-stage commit."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netops.vrp.plugins.module_utils import commit, config
from ansible_collections.netops.vrp.plugins.module_utils.cli import render_commit
from ansible_collections.netops.vrp.plugins.module_utils.parsers import parse_commit_changes
from ansible_collections.netops.vrp.plugins.plugin_utils.action_base import VrpActionBase


class ActionModule(VrpActionBase):
    MODULE = "vrp_config"

    def validate(self, params):
        params = super(ActionModule, self).validate(params)
        if params.get("src") is not None:
            blocks = config.wanted_from_src(params["src"])
        else:
            for field in ("parents", "lines"):
                for index, line in enumerate(params.get(field) or []):
                    config.check_config_line(line, "%s[%d]" % (field, index))
            blocks = config.wanted_from_lines(params["lines"], params.get("parents") or [])
        return dict(params, _blocks=blocks)

    def run_vrp(self, params, cli_factory):
        cli = cli_factory()
        state = cli.pending_state()   # before anything else: a pending trial decides what we may do
        running = cli.display(config.RUNNING_CONFIG_DISPLAY)
        after_abort = self.check_mode and params["check_mode_after_abort"] and state["trial_pending"]
        if after_abort:
            # the real run's abort (an earlier task) restores the configuration from before the trial
            running = config.config_before_changes(
                running, parse_commit_changes(cli.display(commit.TRIAL_CHANGES_DISPLAY))["changes"])
        plan = config.plan_config(params["_blocks"], running, match=params["match"], replace=params["replace"])
        commit_line = render_commit(**commit.commit_options(params))
        result = {"changed": plan.changed, "updates": plan.updates, "warnings": list(plan.warnings),
                  "commands": plan.commands + [commit_line] if plan.changed else []}
        if self.diff_mode:
            result["diff"] = {"before": plan.before, "after": plan.after,
                              "before_header": "%s (%s)" % (self.host, "running once the pending trial is aborted"
                                                            if after_abort else "running"),
                              "after_header": "%s (after the commands)" % self.host}
        if not plan.changed:
            if state["trial_pending"] and not after_abort:
                result["warnings"].append(
                    "a trial commit is pending on %s: the configuration matched, but it is rolled back when "
                    "the trial expires unless confirmed with netops.vrp.vrp_commit" % self.host)
            return result
        applied = commit.guarded_commit(cli, plan, params, result["warnings"], self.check_mode, state=state)
        if applied is not None:   # None: check mode
            result["changed"] = applied["changed"]
            if applied["changed"]:
                result["commit_id"] = applied["commit_id"]
            else:
                result["commands"] = list(plan.commands)   # typed, found to be no-ops, not committed
        return result
