# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument specs of every netops.vrp module: the one home for the user-facing interface.

The module files (docs + ``main()``) and the action plugins (where the work runs) both read
``ARGSPECS[name]``; ansible-core's ArgumentSpecValidator checks types, choices and the
mutually-exclusive / required-if rules here, then ``validate.py`` checks VRP value rules.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

ADDRESS_FAMILIES = ["ipv4", "ipv6", "vpnv4", "vpn-instance"]
SELECTORS = ["all", "external", "internal"]
DIRECTIONS = ["import", "export"]
GATHER_SUBSETS = ["all", "ipv4", "ipv6", "vpnv4", "vpn-instance", "groups"]

# Where a BGP operation applies: address family (+ VPN instance) and one selector.
SCOPE_OPTIONS = dict(
    address_family=dict(type="str", default="ipv4", choices=ADDRESS_FAMILIES),
    vpn_instance=dict(type="str"),
    peers=dict(type="list", elements="str"),
    groups=dict(type="list", elements="str"),
    selector=dict(type="str", choices=SELECTORS),
)
SCOPE_RULES = dict(
    mutually_exclusive=[["peers", "groups", "selector"]],
    required_one_of=[["peers", "groups", "selector"]],
    required_if=[["address_family", "vpn-instance", ["vpn_instance"]]],
)

# Check mode only: peers an earlier task of the run enables keep-all-routes on (bgp_policy_rollout's preparation).
CHECK_MODE_KEEP_ALL_ROUTES = dict(type="list", elements="str")
# One target of a multi-target soft reset: a scope and its direction.
SOFT_RESET_TARGET_OPTIONS = dict(SCOPE_OPTIONS, direction=dict(type="str", required=True, choices=DIRECTIONS),
                                 check_mode_keep_all_routes=CHECK_MODE_KEEP_ALL_ROUTES)

# How a configuration change is committed (two-stage candidate on VRP8).
COMMIT_OPTIONS = dict(
    commit_label=dict(type="str"),
    commit_description=dict(type="str"),
    commit_trial=dict(type="int"),
    check_mode_after_abort=dict(type="bool", default=False),
)

# Per-peer configuration modules target named peers or groups only.
PEER_CONFIG_OPTIONS = dict(
    address_family=SCOPE_OPTIONS["address_family"],
    vpn_instance=SCOPE_OPTIONS["vpn_instance"],
    peers=SCOPE_OPTIONS["peers"],
    groups=SCOPE_OPTIONS["groups"],
    state=dict(type="str", default="present", choices=["present", "absent"]),
    allow_session_reset=dict(type="bool", default=False),
    wait_timeout=dict(type="int"),   # unset: no wait after the commit
)
PEER_CONFIG_RULES = dict(
    required_one_of=[["peers", "groups"]],
    required_if=[["address_family", "vpn-instance", ["vpn_instance"]]],
)


def _spec(options: dict, **rules) -> dict:
    spec = dict(argument_spec=options)
    spec.update(rules)
    return spec


ARGSPECS = {
    "vrp_command": _spec(dict(
        commands=dict(type="list", elements="str", required=True),
    )),
    "bgp_facts": _spec(dict(
        gather_subset=dict(type="list", elements="str", default=["all"], choices=GATHER_SUBSETS),
        vpn_instances=dict(type="list", elements="str"),
        verbose=dict(type="bool", default=True),
        query=dict(type="str"),
        set_facts=dict(type="bool", default=True),
    )),
    "bgp_route_refresh": _spec(dict(PEER_CONFIG_OPTIONS, **COMMIT_OPTIONS), **PEER_CONFIG_RULES),
    "bgp_keep_all_routes": _spec(dict(PEER_CONFIG_OPTIONS, **COMMIT_OPTIONS), **PEER_CONFIG_RULES),
    "bgp_soft_reset": _spec(dict(
        SCOPE_OPTIONS,
        direction=dict(type="str", choices=DIRECTIONS),
        # several scopes and directions in one call: one pre-read each, one settle for all
        targets=dict(type="list", elements="dict", options=SOFT_RESET_TARGET_OPTIONS, **SCOPE_RULES),
        verify=dict(type="bool", default=True),
        verify_timeout=dict(type="int", default=30),
        batch_size=dict(type="int"),
        batch_pause=dict(type="int", default=0),
        check_mode_keep_all_routes=CHECK_MODE_KEEP_ALL_ROUTES,
    ),
        mutually_exclusive=[["peers", "groups", "selector", "targets"], ["targets", "direction"],
                            ["targets", "address_family"], ["targets", "vpn_instance"]],
        required_one_of=[["peers", "groups", "selector", "targets"], ["direction", "targets"]],
        required_if=SCOPE_RULES["required_if"]),
    "bgp_reset": _spec(dict(
        SCOPE_OPTIONS,
        as_number=dict(type="str"),
        slow_peer=dict(type="bool", default=False),
        allow_service_interruption=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=180),
    ),
        mutually_exclusive=[["peers", "groups", "selector", "as_number"]],
        required_one_of=[["peers", "groups", "selector", "as_number"]],
        required_if=SCOPE_RULES["required_if"]),
    "vrp_config": _spec(dict(
        lines=dict(type="list", elements="str"),
        parents=dict(type="list", elements="str", default=[]),
        src=dict(type="str"),
        match=dict(type="str", default="line", choices=["line", "none"]),
        replace=dict(type="str", default="line", choices=["line", "block"]),
        **COMMIT_OPTIONS
    ),
        mutually_exclusive=[["lines", "src"]],
        required_one_of=[["lines", "src"]]),
    "vrp_commit": _spec(dict(
        action=dict(type="str", required=True, choices=["confirm", "abort", "rollback", "status"]),
        commit_id=dict(type="str"),
        label=dict(type="str"),
        last=dict(type="int"),
        trial_within=dict(type="str"),
        wait_timeout=dict(type="int"),
    ),
        mutually_exclusive=[["commit_id", "label", "last"]],
        required_if=[["action", "rollback", ["commit_id", "label", "last"], True]]),
}


def state_interface(module_class: type, name: str) -> None:
    """What a module file runs (``module_class``: its ``AnsibleModule``): it states the interface, for
    ansible-doc and ansible-test, and fails; the work runs in the controller-side action plugin of the same
    name."""
    module = module_class(supports_check_mode=True, **ARGSPECS[name])
    module.fail_json(msg="netops.vrp.%s runs on the controller through its action plugin; "
                         "use ansible_connection: netops.vrp.netmiko" % name)
