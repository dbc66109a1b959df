# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VrpActionBase: what every netops.vrp action plugin shares.

``run()``:
1. checks the task's connection is ``netops.vrp.netmiko``;
2. validates ``self._task.args`` against ``ARGSPECS[module]`` (module_utils/argspec.py) with
   ansible-core's ArgumentSpecValidator, then ``self.validate(params)`` (default:
   ``module_utils/validate.validate_params``) -- a bad value fails naming the field, before any
   connection is made and nothing is sent;
3. calls ``self.run_vrp(params, cli_factory)``; ``cli_factory()`` returns a ``VrpCli`` over a
   ``KeeperTransport`` (created on first call only, so a task that needs no router opens nothing);
4. maps every ``VrpError`` to the failed task result in one place (``failure_result``: ``msg`` =
   ``"<host>: <step>: <message>"``, plus the partial result an ``OperationFailed`` carries), and
   ValueError from the CLI layer (refused command text) to ``failed`` too;
5. always returns ``changed`` (default False) and ``commands`` (default: the non-display commands
   the task sent), drops an empty ``warnings`` list, and releases the keeper connection.

Subclasses set ``MODULE`` (defaults to the action plugin's file name) and implement
``run_vrp(self, params, cli_factory) -> dict``. ``self.check_mode`` / ``self.diff_mode`` tell the modes;
in check mode a subclass must only call ``cli.display()`` (integration tests check the transcript).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.netops.vrp.plugins.module_utils.argspec import ARGSPECS
from ansible_collections.netops.vrp.plugins.module_utils.bgp_peer_config import apply_peer_config
from ansible_collections.netops.vrp.plugins.module_utils.cli import VrpCli
from ansible_collections.netops.vrp.plugins.module_utils.transport import VrpConnectionError, VrpError, VrpTimeout
from ansible_collections.netops.vrp.plugins.module_utils.validate import escape_control
from ansible_collections.netops.vrp.plugins.plugin_utils.journal import Journal

# Imported here, not when a task first needs it: Ansible imports the action plugins in the controller's
# main process (the linear strategy loads them with class_only=True) and forks one worker per task, so
# a module imported at this level is inherited by every worker, whereas one imported in the worker is
# compiled from source (the collection loader keeps no .pyc) once per task and host (~8 ms CPU).
from ansible_collections.netops.vrp.plugins.plugin_utils.keeper_client import KeeperTransport

CONNECTION = "netops.vrp.netmiko"
_SPEC_RULES = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")
# What every worker of a netops.vrp play loads again unless its parent already has it: ansible-core fills
# these plugin caches lazily and per process, and each task runs in a fresh fork of the main process.
_WARM_FILTERS = ("ansible.builtin.bool", "netops.vrp.vrp_rollout_plan", "netops.vrp.vrp_rollout_report")
_WARM_TESTS = ("ansible.builtin.changed",)


def warm_plugin_caches():
    """Load, in the process that imports this module, what the workers it forks would each load again.

    Runs when the main ansible-playbook process imports the action plugins (see the import note
    above): the connection plugin (module and its option definitions, parsed from DOCUMENTATION), the
    builtin Jinja filters and tests (ansible-core wraps every builtin filter at the first filter a
    process uses) and this collection's filter plugins. Measured on a 25-router bgp_policy_rollout:
    controller CPU 26.7 -> ~22.8 s. Purely a cache: a failure here only means the workers load the
    plugin themselves, where a real error is reported.
    """
    from ansible.plugins.loader import connection_loader, filter_loader, test_loader

    for loader, names in ((connection_loader, (CONNECTION,)), (filter_loader, _WARM_FILTERS),
                          (test_loader, _WARM_TESTS)):
        for name in names:
            try:
                loader.get(name, class_only=True)
            except Exception:  # pylint: disable=broad-except
                pass


warm_plugin_caches()


def containers_given_for_str(argument_spec, args, prefix=""):
    """``type: str`` options (and ``elements: str`` list items), suboptions included, given a list or dict.

    ansible-core's validator turns such a value into its Python text (``"['bgp 65000']"``), which would
    then pass for a value of ours; numbers stay accepted (an AS number typed as an int is fine).
    Returns ``[(dotted option name, type name)]``.
    """
    found = []
    for name, option in argument_spec.items():
        value = args.get(name) if isinstance(args, dict) else None
        if value is None:
            continue
        path = prefix + name
        if option.get("type", "str") == "str" and isinstance(value, (list, dict)):
            found.append((path, type(value).__name__))
        elif option.get("elements") == "str" and isinstance(value, list):
            found.extend((path, type(item).__name__) for item in value if isinstance(item, (list, dict)))
        if option.get("options"):
            items = value if isinstance(value, list) else [value]
            for item in items:
                found.extend(containers_given_for_str(option["options"], item, path + "."))
    return found


def failure_result(host, exc):
    """The one mapping of a failure (any ``VrpError``) to the task result: ``failed``, ``step``, ``msg`` =
    ``"<host>: <step>: <message>"`` (``host``: the inventory name unless the error names one), the refused
    command's ``output``, ``session_lost`` (a lost or refused session, or a timeout: a retry logs in again), and
    what an ``OperationFailed`` carries (commands sent so far, per-peer data)."""
    result = dict(getattr(exc, "result", None) or {})
    result.update(failed=True, step=exc.step, msg="%s: %s: %s" % (exc.host or host, exc.step, exc.message),
                  # the session went (or never came): a retry logs in again
                  session_lost=isinstance(exc, (VrpConnectionError, VrpTimeout)))
    if getattr(exc, "output", None):
        result["output"] = exc.output
    return result


class VrpActionBase(ActionBase):
    """Base class of the netops.vrp action plugins (see module docstring)."""

    MODULE = None               # ARGSPECS key; default: this action plugin's file name
    TRANSFERS_FILES = False
    _requires_connection = False  # we never use the connection to run anything on the router

    def __init__(self, *args, **kwargs):
        super(VrpActionBase, self).__init__(*args, **kwargs)
        self._vrp_cli = None
        self._vrp_transport = None
        self._journal = None

    # -- helpers for subclasses --------------------------------------------------------------------
    @property
    def module_name(self):
        if self.MODULE:
            return self.MODULE
        return self.__class__.__module__.rsplit(".", 1)[-1]

    @property
    def check_mode(self):
        return bool(self._task.check_mode or getattr(self._play_context, "check_mode", False))

    @property
    def diff_mode(self):
        return bool(self._task.diff or getattr(self._play_context, "diff", False))

    @property
    def host(self):
        return self._task_vars_host

    def validate(self, params):
        """VRP value rules after the argument spec; return the (normalised) params or raise ValueError."""
        from ansible_collections.netops.vrp.plugins.module_utils import validate as vrp_validate

        checker = getattr(vrp_validate, "validate_params", None)
        if checker is None:
            return params
        return checker(self.module_name, params)

    def run_vrp(self, params, cli_factory):
        raise NotImplementedError

    # -- internals ---------------------------------------------------------------------------------
    def _connection_error(self):
        transport = getattr(self._connection, "transport", None)
        load_name = getattr(self._connection, "_load_name", None)
        if transport == CONNECTION or load_name == CONNECTION:
            return None
        return ("netops.vrp.%s needs ansible_connection: %s (this task uses %r); the modules run on the "
                "controller and talk to the router over SSH themselves"
                % (self.module_name, CONNECTION, load_name or transport))

    def _validate_args(self):
        spec = ARGSPECS.get(self.module_name)
        if spec is None:
            raise KeyError("no argument spec for %r in module_utils/argspec.py" % self.module_name)
        wrong = containers_given_for_str(spec["argument_spec"], self._task.args)
        if wrong:
            return None, "Invalid arguments for netops.vrp.%s: %s" % (self.module_name, "; ".join(
                "%s: must be a string, got a %s" % (name, kind) for name, kind in wrong))
        validator = ArgumentSpecValidator(
            spec["argument_spec"], **dict((k, spec[k]) for k in _SPEC_RULES if spec.get(k)))
        result = validator.validate(dict(self._task.args))
        if result.error_messages:
            # ansible-core quotes the given value as is: escape its control characters
            return None, "Invalid arguments for netops.vrp.%s: %s" % (
                self.module_name, escape_control("; ".join(result.error_messages)))
        return result.validated_parameters, None

    def _cli_factory(self):
        if self._vrp_cli is None:
            settings = self._connection.keeper_settings()
            self._vrp_transport = KeeperTransport(name=self._task_vars_host, owner_pid=os.getppid(), **settings)
            self._vrp_cli = VrpCli(self._vrp_transport, timeout=settings.get("command_timeout"),
                                   journal=self._journal)
        return self._vrp_cli

    def run(self, tmp=None, task_vars=None):
        result = super(VrpActionBase, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        self._task_vars_host = task_vars.get("inventory_hostname") or self._play_context.remote_addr or "?"
        result.update(changed=False)

        problem = self._connection_error()
        if problem:
            result.update(failed=True, msg=problem, commands=[])
            return result
        params, problem = self._validate_args()
        if problem:
            result.update(failed=True, msg=problem, commands=[])
            return result
        try:
            params = self.validate(params)
        except ValueError as exc:
            result.update(failed=True, msg="Invalid arguments for netops.vrp.%s: %s" % (self.module_name, exc),
                          commands=[])
            return result
        path = self._connection.journal_path()
        if path:
            self._journal = Journal(path, self._task_vars_host, self._task.get_name(),
                                    no_log=bool(getattr(self._task, "no_log", False)))
            self._journal.record("task", module=self.module_name, check_mode=self.check_mode)
        try:
            result.update(self.run_vrp(params, self._cli_factory) or {})
        except VrpError as exc:
            result.update(failure_result(self._task_vars_host, exc))
        except ValueError as exc:  # refused command text from the CLI layer: a bug or bad input
            result.update(failed=True, msg="%s: %s" % (self._task_vars_host, exc))
        finally:
            if self._vrp_cli is not None and "commands" not in result:
                result["commands"] = self._vrp_cli.changes_sent
            if self._vrp_transport is not None:
                self._vrp_transport.close()
        result.setdefault("commands", [])
        if self._journal is not None:
            self._journal.task_result(result)
            if self._journal.problem:
                result.setdefault("warnings", []).append(self._journal.problem)
        if not result.get("warnings"):
            result.pop("warnings", None)
        return result


class PeerConfigAction(VrpActionBase):
    """bgp_route_refresh and bgp_keep_all_routes: the same procedure (bgp_peer_config.apply_peer_config)
    for one ``FEATURE``."""

    FEATURE = None

    def run_vrp(self, params, cli_factory):
        return apply_peer_config(cli_factory(), self.FEATURE, params, check_mode=self.check_mode)
