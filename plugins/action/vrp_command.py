# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netops.vrp.vrp_command: display commands only (read-only, same in check mode)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netops.vrp.plugins.module_utils.validate import ValidationError, check_cli_text
from ansible_collections.netops.vrp.plugins.plugin_utils.action_base import VrpActionBase


class ActionModule(VrpActionBase):
    MODULE = "vrp_command"

    def validate(self, params):
        commands = []
        for index, command in enumerate(params["commands"]):
            field = "commands[%d]" % index
            command = check_cli_text(command, field)
            if command.split()[0] != "display":
                raise ValidationError(field, "only display commands are allowed, got %r" % command)
            commands.append(command)
        if not commands:
            raise ValidationError("commands", "give at least one display command")
        return dict(params, commands=commands)

    def run_vrp(self, params, cli_factory):
        cli = cli_factory()
        stdout = [cli.display(command) for command in params["commands"]]
        return {"changed": False, "stdout": stdout, "stdout_lines": [s.splitlines() for s in stdout],
                "commands": []}
