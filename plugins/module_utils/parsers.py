# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every VRP display-output parser, one function per output (layouts: vrp-cli-reference.md §3.2, §5).

Re-exports every parser of the package ``vrp_output`` (its ``__init__.py`` stays empty: ansible-test 2.17
sanity requires that of a module_utils package). One module per kind of output: ``bgp_peers`` (peer tables,
verbose peers, groups), ``bgp_routes`` (routing tables), ``config`` (configuration text, the bgp block, effective peer settings), ``commits``
(commit list, commit changes, trial status); ``values`` holds the formats they share. Import them from
here. Parsers never raise on unknown lines (``parse_trial_status`` aside): what they do not recognise
they ignore. Addresses are returned in canonical ``ipaddress`` form (IPv6 compressed lower-case) so
they compare equal to validated user input; AS numbers are strings exactly as displayed (plain or asdot).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netops.vrp.plugins.module_utils.vrp_output.bgp_peers import (  # noqa: F401
    parse_group,
    parse_peer_brief,
    parse_peer_verbose,
    parse_peer_verbose_all,
)
from ansible_collections.netops.vrp.plugins.module_utils.vrp_output.bgp_routes import (  # noqa: F401
    parse_routing_table,
    parse_routing_table_statistics,
)
from ansible_collections.netops.vrp.plugins.module_utils.vrp_output.commits import (  # noqa: F401
    parse_commit_changes,
    parse_commit_id,
    parse_commit_points,
    parse_trial_status,
)
from ansible_collections.netops.vrp.plugins.module_utils.vrp_output.config import (  # noqa: F401
    ConfigNode,
    effective_peer_settings,
    parse_bgp_config,
    parse_config_tree,
    strip_display_timestamp,
)

# _canonical_text: its cache, which the tests and the bench clear to measure a fresh worker
from ansible_collections.netops.vrp.plugins.module_utils.vrp_output.values import (  # noqa: F401
    ESTABLISHED,
    _canonical_text,
    canonical_address,
    canonical_network,
    is_address,
    parse_duration,
)

__all__ = [
    "parse_group",
    "parse_peer_brief",
    "parse_peer_verbose",
    "parse_peer_verbose_all",
    "parse_routing_table",
    "parse_routing_table_statistics",
    "parse_commit_changes",
    "parse_commit_id",
    "parse_commit_points",
    "parse_trial_status",
    "ConfigNode",
    "effective_peer_settings",
    "parse_bgp_config",
    "parse_config_tree",
    "strip_display_timestamp",
    "ESTABLISHED",
    "_canonical_text",
    "canonical_address",
    "canonical_network",
    "is_address",
    "parse_duration",
]
