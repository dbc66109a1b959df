# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netops.vrp.bgp_facts: BGP peer facts (display commands only), optionally filtered with JMESPath."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import jmespath
    from jmespath.exceptions import JMESPathError
except ImportError:  # only needed for `query`; checked before connecting
    jmespath = None
    JMESPathError = Exception

from ansible_collections.netops.vrp.plugins.module_utils.bgp_facts import gather_bgp_facts_with_commands
from ansible_collections.netops.vrp.plugins.module_utils.cli import OperationFailed
from ansible_collections.netops.vrp.plugins.module_utils.validate import ValidationError
from ansible_collections.netops.vrp.plugins.plugin_utils.action_base import VrpActionBase

FACTS_KEY = "netops_vrp_bgp"


def compile_query(query):
    """Compile a JMESPath expression or raise ValidationError naming ``query``."""
    if jmespath is None:
        raise ValidationError("query", "needs the Python library jmespath on the controller "
                                       "(pip install jmespath in ansible's Python)")
    try:
        return jmespath.compile(query)
    except JMESPathError as exc:
        raise ValidationError("query", "invalid JMESPath expression %r: %s" % (query, exc)) from exc


class ActionModule(VrpActionBase):
    MODULE = "bgp_facts"

    def validate(self, params):
        params = super(ActionModule, self).validate(params)
        if params.get("query") is not None:
            # compiled here so a bad expression fails before any connection
            params = dict(params, _query=compile_query(params["query"]))
        return params

    def run_vrp(self, params, cli_factory):
        facts, commands = gather_bgp_facts_with_commands(
            cli_factory(), subset=params["gather_subset"], vpn_instances=params.get("vpn_instances"),
            verbose=params["verbose"])
        result = {"changed": False, "commands": commands}
        if params["set_facts"]:
            result["ansible_facts"] = {FACTS_KEY: facts}
        else:
            result[FACTS_KEY] = facts
        if params.get("_query") is not None:
            try:
                result["query_result"] = params["_query"].search(facts)
            except JMESPathError as exc:
                raise OperationFailed("query", "JMESPath expression %r failed on the facts: %s"
                                      % (params["query"], exc), result) from exc
        return result
