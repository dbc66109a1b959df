"""Bad-input campaign: every module argument and role variable, hostile or wrong, fails clearly and sends nothing.

Two layers:
- in-process: each module's real action plugin (``plugins/action/<module>.py``) runs with a mocked
  connection whose ``keeper_settings`` and ``run_vrp`` would record any attempt to reach the router.
  The shared table ``tests/unit/fixtures/bad_inputs.py`` (every row) plus hypothesis-generated hostile
  strings for every string argument of every module; and arbitrary text, where anything the plugin
  accepts must be safe to type at the VRP CLI.
- real: every table row as a task through ``ansible-playbook`` against vrpsim (no login at all), the
  unknown group / VPN instance / peer cases (only ``display`` sent), and the roles run with bad
  variables (their argument specs: no login; their own checks: only ``display``).

What counts as injection at the VRP CLI: a line ends only at CR/LF, and control characters edit the
line (TAB completes, ``?`` prints help, ESC/DEL move or erase), so those are refused everywhere. In a
single-token value (address, name, AS, label, choice) a space would add tokens, so ``; reset bgp all``,
``| include x`` and ``# comment`` payloads are refused there too. ``;``, ``|`` and ``#`` are not command
separators on VRP; in whole-line values (``vrp_config`` lines, ``vrp_command`` display commands, commit
descriptions) they stay ordinary text (``display ... | include X`` is the CLI's own output filter).

The number of cases run is written to ``build/test-results/bad_input_count.txt`` (per-test parts under
``build/test-results/bad_input_counts/``).
"""
import importlib
import json
import os
import re
import sys
from unittest import mock

import pytest
import yaml
from fake_transport import FakeTransport
from harness import ROOT, commands_sent, logins, transcript
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.netops.vrp.plugins.module_utils.argspec import ARGSPECS
from ansible_collections.netops.vrp.plugins.module_utils.cli import VrpCli

sys.path.insert(0, os.path.join(ROOT, "tests", "unit"))
from fixtures import bad_inputs  # noqa: E402  (tests/unit/fixtures, the shared table)

COUNT_DIR = os.path.join(ROOT, "build", "test-results", "bad_input_counts")
COUNT_FILE = os.path.join(ROOT, "build", "test-results", "bad_input_count.txt")
ACTIONS = {name: importlib.import_module("ansible_collections.netops.vrp.plugins.action.%s" % name).ActionModule
           for name in ARGSPECS}
RAW_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")   # TAB aside: ansible's own messages may hold one


def record_count(name, count):
    """Write this test's case count and the campaign total (sum of every part written so far)."""
    os.makedirs(COUNT_DIR, exist_ok=True)
    with open(os.path.join(COUNT_DIR, name + ".json"), "w") as handle:
        json.dump({"cases": count}, handle)
    parts = {}
    for entry in sorted(os.listdir(COUNT_DIR)):
        with open(os.path.join(COUNT_DIR, entry)) as handle:
            parts[entry[:-len(".json")]] = json.load(handle)["cases"]
    tmp = COUNT_FILE + ".%d" % os.getpid()
    with open(tmp, "w") as handle:
        handle.write("total %d\n" % sum(parts.values()))
        for key, value in parts.items():
            handle.write("%s %d\n" % (key, value))
    os.replace(tmp, COUNT_FILE)


# --- in-process layer -------------------------------------------------------------------------------
class ReachedRouter(Exception):
    """Raised by the recorder in place of run_vrp: validation let the task through."""

    def __init__(self, params):
        super(ReachedRouter, self).__init__("validation passed")
        self.params = params


class _Task:
    def __init__(self, args, check_mode):
        self.args, self.check_mode, self.diff, self.async_val = args, check_mode, False, 0
        self.action = "netops.vrp.campaign"

    def get_name(self):
        return self.action


def run_in_process(module, args, check_mode=False):
    """Run the module's action plugin on ``args``; returns ``(result, reached_params_or_None, touched)``.

    ``touched`` lists every way the plugin tried to reach the router (keeper settings read, a CLI
    created, a command sent); it must stay empty for bad input.
    """
    touched = []
    conn = mock.MagicMock()
    conn.transport = conn._load_name = "netops.vrp.netmiko"
    conn.keeper_settings.side_effect = lambda: touched.append("keeper_settings") or {}
    conn.journal_path.return_value = None   # no run journal
    play_context = mock.MagicMock(check_mode=check_mode, diff=False, remote_addr="127.0.0.1")
    action = ACTIONS[module](_Task(dict(args), check_mode), conn, play_context, loader=None, templar=None,
                             shared_loader_obj=None)
    fake = FakeTransport(host="PE1")

    def factory():
        touched.append("cli")
        return VrpCli(fake)

    def recorder(params, cli_factory):
        raise ReachedRouter(params)

    action._cli_factory = factory
    action.run_vrp = recorder
    try:
        result = action.run(task_vars={"inventory_hostname": "PE1"})
    except ReachedRouter as reached:
        return None, reached.params, touched + fake.sent
    return result, None, touched + fake.sent


def _control_chars(value):
    """Every control character in the strings of a (nested) argument value."""
    if isinstance(value, str):
        return set(RAW_CONTROL.findall(value))
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else []
    return set().union(*[_control_chars(item) for item in items]) if items else set()


def given_args(args):
    return {k: v for k, v in args.items() if v is not None}


@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check"])
@pytest.mark.parametrize("row", bad_inputs.BAD_INPUTS, ids=lambda row: row.id)
def test_table_row_fails_in_the_action_plugin_before_connecting(row, check_mode):
    result, reached, touched = run_in_process(row.module, given_args(row.args), check_mode=check_mode)
    assert reached is None, "%s: validation let it through: %r" % (row.id, reached)
    assert result["failed"] is True and result["changed"] is False and result["commands"] == []
    assert touched == []
    msg = result["msg"]
    assert msg.startswith("Invalid arguments for netops.vrp.%s: " % row.module), msg
    assert row.field in msg, msg
    # our validators describe bad values with repr(), and the action base escapes the control characters
    # in ansible-core's argspec messages (which quote the value as given): none reaches the logs raw
    assert not _control_chars(row.args) & set(msg), repr(msg)


def test_table_counts():
    rows = bad_inputs.BAD_INPUTS
    assert len({row.id for row in rows}) == len(rows)
    assert {row.module for row in rows} == set(ARGSPECS)
    record_count("table_rows_in_process", 2 * len(rows))     # run and check mode


# Every string argument (or list-of-strings element) of every module: (module, field, base args, a valid
# value, whether it is a list element, kind). kind: token = one CLI word; line = one CLI line;
# text = multi-line configuration text; query = JMESPath (never typed at the CLI).
_VRF = dict(bad_inputs.SOFT, address_family="vpn-instance", peers=["172.16.1.2"])
_GROUPS = dict(bad_inputs.SOFT, peers=None, groups=["RR"])
_PEERCFG_GROUPS = dict(bad_inputs.PEERCFG, peers=None, groups=["RR"])
_RESET_AS = dict(bad_inputs.RESET, selector=None, as_number="65010")
_ROLLBACK_ID = dict(bad_inputs.COMMIT, label=None, commit_id="1000000001")
_ABORT = {"action": "abort"}
STRING_FIELDS = [
    ("bgp_soft_reset", "peers", bad_inputs.SOFT, "10.0.0.2", True, "token"),
    ("bgp_soft_reset", "groups", _GROUPS, "RR", True, "token"),
    ("bgp_soft_reset", "vpn_instance", _VRF, "vpna", False, "token"),
    ("bgp_soft_reset", "address_family", bad_inputs.SOFT, "ipv4", False, "token"),
    ("bgp_soft_reset", "selector", dict(bad_inputs.SOFT, peers=None, selector="all"), "all", False, "token"),
    ("bgp_soft_reset", "direction", bad_inputs.SOFT, "import", False, "token"),
    ("bgp_reset", "peers", dict(bad_inputs.RESET, selector=None, peers=["10.0.0.2"]), "10.0.0.2", True, "token"),
    ("bgp_reset", "groups", dict(bad_inputs.RESET, selector=None, groups=["RR"]), "RR", True, "token"),
    ("bgp_reset", "vpn_instance", dict(bad_inputs.RESET, address_family="vpn-instance", vpn_instance="vpna"),
     "vpna", False, "token"),
    ("bgp_reset", "as_number", _RESET_AS, "65010", False, "token"),
    ("bgp_reset", "selector", bad_inputs.RESET, "all", False, "token"),
    ("bgp_route_refresh", "peers", bad_inputs.PEERCFG, "10.0.0.2", True, "token"),
    ("bgp_route_refresh", "groups", _PEERCFG_GROUPS, "RR", True, "token"),
    ("bgp_route_refresh", "vpn_instance", dict(bad_inputs.PEERCFG, address_family="vpn-instance",
                                               peers=["172.16.1.2"]), "vpna", False, "token"),
    ("bgp_route_refresh", "state", bad_inputs.PEERCFG, "present", False, "token"),
    ("bgp_route_refresh", "commit_label", bad_inputs.PEERCFG, "chg1", False, "token"),
    ("bgp_route_refresh", "commit_description", bad_inputs.PEERCFG, "policy change", False, "line"),
    ("bgp_keep_all_routes", "peers", bad_inputs.PEERCFG, "10.0.0.2", True, "token"),
    ("bgp_keep_all_routes", "groups", _PEERCFG_GROUPS, "RR", True, "token"),
    ("bgp_keep_all_routes", "vpn_instance", dict(bad_inputs.PEERCFG, address_family="vpn-instance",
                                                 peers=["172.16.1.2"]), "vpna", False, "token"),
    ("bgp_keep_all_routes", "commit_label", bad_inputs.PEERCFG, "chg1", False, "token"),
    ("bgp_keep_all_routes", "commit_description", bad_inputs.PEERCFG, "policy change", False, "line"),
    ("bgp_facts", "gather_subset", bad_inputs.FACTS, "ipv4", True, "token"),
    ("bgp_facts", "vpn_instances", dict(bad_inputs.FACTS, vpn_instances=["vpna"]), "vpna", True, "token"),
    ("bgp_facts", "query", dict(bad_inputs.FACTS, query="peers"), "peers", False, "query"),
    ("vrp_command", "commands", bad_inputs.COMMAND, "display bgp peer", True, "line"),
    ("vrp_config", "lines", bad_inputs.CONFIG, "route-policy RP-IN permit node 10", True, "line"),
    ("vrp_config", "parents", dict(bad_inputs.CONFIG, parents=["bgp 65000"], lines=["peer 10.0.0.2 enable"]),
     "bgp 65000", True, "line"),
    ("vrp_config", "src", dict(bad_inputs.CONFIG, lines=None, src="x"),
     "bgp 65000\n peer 10.0.0.2 enable\n", False, "text"),
    ("vrp_config", "commit_label", bad_inputs.CONFIG, "chg1", False, "token"),
    ("vrp_config", "commit_description", bad_inputs.CONFIG, "policy change", False, "line"),
    ("vrp_config", "match", bad_inputs.CONFIG, "line", False, "token"),
    ("vrp_config", "replace", bad_inputs.CONFIG, "line", False, "token"),
    ("vrp_commit", "action", _ABORT, "abort", False, "token"),
    ("vrp_commit", "label", bad_inputs.COMMIT, "before-change", False, "token"),
    ("vrp_commit", "commit_id", _ROLLBACK_ID, "1000000001", False, "token"),
    ("vrp_commit", "trial_within", dict(_ABORT, trial_within="x"),
     "route-policy RP permit node 10\n", False, "text"),
]
# Non-string arguments get their bad values (wrong type, out of range) from the table rows.
NON_STRING_ARGS = {(m, a) for m in ARGSPECS for a, o in ARGSPECS[m]["argument_spec"].items()
                   if o.get("type") in ("bool", "int")}


def _put(case, value):
    module, field, base, valid, is_list, kind = case
    args = given_args(dict(base))
    args[field] = [value] if is_list else value
    return module, args


def test_every_module_argument_is_in_the_campaign():
    """Each argument of each module: a string case here, or (bool/int) a table row blaming it."""
    covered = {(c[0], c[1]) for c in STRING_FIELDS} | {(row.module, row.field) for row in bad_inputs.BAD_INPUTS}
    every = {(m, a) for m in ARGSPECS for a in ARGSPECS[m]["argument_spec"]}
    assert every - covered == set()
    assert NON_STRING_ARGS - {(row.module, row.field) for row in bad_inputs.BAD_INPUTS} == set()


@pytest.mark.parametrize("case", STRING_FIELDS, ids=lambda c: "%s.%s" % (c[0], c[1]))
def test_string_field_valid_base_passes_validation(case):
    """The bases are valid: so a rejection in the properties below is due to the hostile part alone."""
    module, args = _put(case, case[3])
    result, reached, _ = run_in_process(module, args)
    assert reached is not None, result


# Hostile pieces: control characters (every one of them), CR/LF command injection, non-ASCII, and for
# one-token values the separators a shell or another CLI would honour.
CONTROL_CHARS = [chr(c) for c in list(range(0, 32)) + [127]]
INJECTIONS = ["\nreset bgp all", "\r\nundo bgp 65000", "\rreturn", "\n", "\x1b[A", "\x03", "\x1a", "\t"]
TOKEN_ONLY = ["; reset bgp all", " | include bgp", " # comment", "?", " ", " all", " import"]
hostile_any = st.one_of(
    st.sampled_from(INJECTIONS),
    st.builds(lambda c, tail: c + tail, st.sampled_from(CONTROL_CHARS), st.sampled_from(["", "reset bgp all"])),
    st.characters(min_codepoint=128, max_codepoint=0x10FFFF, exclude_categories=("Cs",)),
)


def _insert(valid, piece, where):
    position = {"start": 0, "end": len(valid)}.get(where, len(valid) // 2)
    return valid[:position] + piece + valid[position:]


def _hostile_case(case, piece, where):
    kind = case[5]
    valid = case[3]
    if kind == "text":
        where = "end" if where == "start" else where   # leading text lines are still lines of the block
        piece = piece.replace("\r\n", "\r").replace("\n", "\r")   # LF / CRLF separate lines there; a bare CR does not
    if kind == "query":
        piece = piece.strip("\r\n\t ") or "\x00"
    return _insert(valid, piece, where)


_checked = {"hostile": 0, "arbitrary": 0}


@pytest.fixture(scope="module", autouse=True)
def count_generated_cases():
    """After this module's tests in this process: record how many generated cases ran here."""
    yield
    if _checked["hostile"] or _checked["arbitrary"]:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        record_count("generated_in_process_%s" % worker, _checked["hostile"] + _checked["arbitrary"])


def _assert_rejected(case, value):
    module, field = case[0], case[1]
    if case[5] == "query" and not RAW_CONTROL.search(value) and all(ord(c) < 128 for c in value):
        return  # a JMESPath expression is never typed at the router; only control/non-ASCII matter here
    module, args = _put(case, value)
    result, reached, touched = run_in_process(module, args)
    assert reached is None, "%s.%s accepted %r -> %r" % (module, field, value, reached.get(field))
    assert result["failed"] and touched == [] and result["commands"] == []
    assert field in result["msg"], result["msg"]
    _checked["hostile"] += 1


@pytest.mark.parametrize("case", STRING_FIELDS, ids=lambda c: "%s.%s" % (c[0], c[1]))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(piece=st.one_of(hostile_any, st.sampled_from(TOKEN_ONLY)), where=st.sampled_from(["start", "middle", "end"]))
def test_hostile_string_is_refused_before_connecting(case, piece, where):
    if piece in TOKEN_ONLY and case[5] != "token":
        # in whole lines ';', '|', '#' are text; the line break is the attack (a bare CR inside a text block)
        piece = ("\r" if case[5] == "text" else "\n") + piece.strip()
    _assert_rejected(case, _hostile_case(case, piece, where))


SAFE_LINE = re.compile(r"^[\x21-\x3e\x40-\x7e]([\x20-\x3e\x40-\x7e]*[\x21-\x3e\x40-\x7e])?$")
SAFE_TOKEN = re.compile(r"^[\x21-\x3e\x40-\x7e]+$")


def _accepted_values(case, params):
    value = params.get(case[1])
    values = value if isinstance(value, list) else [value]
    if case[5] == "text":
        return [line.strip(" ") for v in values for line in v.split("\n") if line.strip(" ") not in ("", "#")]
    return values


@pytest.mark.parametrize("case", STRING_FIELDS, ids=lambda c: "%s.%s" % (c[0], c[1]))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=0, max_size=40))
def test_arbitrary_text_is_refused_or_safe_to_type(case, text):
    """Whatever a plugin accepts is printable ASCII without '?', on one line (one word for tokens)."""
    module, args = _put(case, text)
    result, reached, touched = run_in_process(module, args)
    _checked["arbitrary"] += 1
    if reached is None:
        assert result["failed"] and touched == [] and result["commands"] == [], result
        assert case[1] in result["msg"] or "missing required" in result["msg"] or "one of" in result["msg"], \
            result["msg"]
        return
    if case[5] == "query":
        return
    pattern = SAFE_TOKEN if case[5] == "token" else SAFE_LINE
    for value in _accepted_values(case, reached):
        assert isinstance(value, str) and pattern.match(value), "%s.%s accepted %r" % (module, case[1], value)




# --- real layer: ansible-playbook against vrpsim ------------------------------------------------------
def _row_task(row):
    return {"name": row.id, "netops.vrp.%s" % row.module: given_args(row.args), "ignore_errors": True}


@pytest.mark.parametrize("check", [False, True], ids=["run", "check"])
def test_every_table_row_as_a_real_task_logs_in_nowhere(lab, run_tasks, check):
    """All rows as tasks of one play on PE1: each fails naming its argument, and no router sees a login."""
    res = run_tasks([_row_task(row) for row in bad_inputs.BAD_INPUTS], hosts="PE1", check=check)
    assert res.stats["PE1"]["ignored"] == len(bad_inputs.BAD_INPUTS), res.summary()
    for row in bad_inputs.BAD_INPUTS:
        result = res.result(row.id, "PE1")
        assert result["_status"] == "failed" and result["changed"] is False, (row.id, result)
        assert row.field in result["msg"] and "netops.vrp.%s" % row.module in result["msg"], (row.id, result["msg"])
        assert result["commands"] == [], row.id
    for router in ("PE1", "PE2"):
        assert logins(lab, router, since=res) == 0, transcript(lab, router, since=res)
        assert commands_sent(lab, router, since=res, include_login=True) == []
    record_count("table_rows_real_%s" % ("check" if check else "run"), len(bad_inputs.BAD_INPUTS))


# Objects that only a display can show to be missing (the lab: PE1 peers with 10.0.0.2 in the public
# IPv4 family; no groups, no VPN instances). (id, module, args, words the message must contain)
UNKNOWN_OBJECTS = [
    ("soft-reset-unknown-group", "bgp_soft_reset", {"groups": ["NOPE"], "direction": "import"}, ["NOPE"]),
    ("soft-reset-unknown-peer", "bgp_soft_reset", {"peers": ["10.9.9.9"], "direction": "import"}, ["10.9.9.9"]),
    ("soft-reset-unknown-vrf", "bgp_soft_reset", {"address_family": "vpn-instance", "vpn_instance": "vpnx",
                                                  "peers": ["172.16.1.2"], "direction": "export"}, ["vpnx"]),
    ("reset-unknown-peer", "bgp_reset", {"peers": ["10.9.9.9"], "allow_service_interruption": True}, ["10.9.9.9"]),
    ("reset-unknown-group", "bgp_reset", {"groups": ["NOPE"], "allow_service_interruption": True}, ["NOPE"]),
    ("reset-unknown-vrf", "bgp_reset", {"address_family": "vpn-instance", "vpn_instance": "vpnx",
                                        "selector": "all", "allow_service_interruption": True}, ["vpnx"]),
    ("route-refresh-unknown-peer", "bgp_route_refresh", {"peers": ["10.9.9.9"]}, ["10.9.9.9"]),
    ("route-refresh-unknown-group", "bgp_route_refresh", {"groups": ["NOPE"]}, ["NOPE"]),
    ("keep-all-unknown-vrf", "bgp_keep_all_routes", {"address_family": "vpn-instance", "vpn_instance": "vpnx",
                                                     "peers": ["172.16.1.2"]}, ["vpnx"]),
    ("keep-all-unknown-peer", "bgp_keep_all_routes", {"peers": ["10.9.9.9"]}, ["10.9.9.9"]),
    ("facts-unknown-vrf", "bgp_facts", {"gather_subset": ["vpn-instance"], "vpn_instances": ["vpnx"]}, ["vpnx"]),
    ("rollback-unknown-label", "vrp_commit", {"action": "rollback", "label": "never-made"}, ["never-made"]),
    ("rollback-unknown-commit-id", "vrp_commit", {"action": "rollback", "commit_id": "1999999999"}, ["1999999999"]),
]


def test_unknown_group_vrf_peer_fail_after_displays_only(lab, run_tasks):
    tasks = [{"name": case_id, "netops.vrp.%s" % module: args, "ignore_errors": True}
             for case_id, module, args, _ in UNKNOWN_OBJECTS]
    running_before = lab.running_config("PE1")
    res = run_tasks(tasks, hosts="PE1")
    problems = []
    for case_id, _module, _args, words in UNKNOWN_OBJECTS:
        result = res.result(case_id, "PE1")
        if result["_status"] != "failed" or not all(w in (result.get("msg") or "") for w in words):
            problems.append((case_id, result["_status"], result.get("msg")))
        elif result["changed"] is not False:
            problems.append((case_id, "changed", result.get("commands")))
    assert not problems, problems
    sent = commands_sent(lab, "PE1", since=res)
    assert sent and all(c.startswith("display ") for c in sent), sent   # vrp_commit reads the commit list first
    assert lab.running_config("PE1") == running_before
    assert logins(lab, "PE1", since=res) == 1           # one kept session for the whole play
    assert commands_sent(lab, "PE2", since=res) == []
    record_count("unknown_objects_real", len(UNKNOWN_OBJECTS))


# --- roles: their argument specs (checked before any task), and their own checks ---------------------
ROLES = ("bgp_policy_rollout", "bgp_session_reset", "bgp_soft_reset_readiness")
# a value of each type that ansible's argument-spec validator cannot convert ('str' converts anything and
# 'raw' takes anything: those options get their bad values in ROLE_SEMANTIC_ROWS or via the modules)
WRONG_TYPE = {"int": "not-a-number", "bool": "perhaps", "list": {"not": "a list"}, "dict": ["not", "a", "dict"]}
VALID_ROLE_VARS = {
    "bgp_policy_rollout": {"bgp_policy_rollout_changes": [{"name": "c", "config": "ip ip-prefix PL-X index 10 permit "
                                                                               "10.0.0.0 8\n"}],
                           "bgp_policy_rollout_targets": [{"peers": ["10.0.0.2"], "direction": "import"}],
                           "bgp_policy_rollout_batch_pause": 0},
    "bgp_session_reset": {"bgp_session_reset_targets": [{"peers": ["10.0.0.2"]}],
                          "bgp_session_reset_allow_service_interruption": True},
    "bgp_soft_reset_readiness": {"bgp_soft_reset_readiness_scopes": [{"peers": ["10.0.0.2"]}]},
}


def _role_spec(role):
    with open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml")) as handle:
        return yaml.safe_load(handle)["argument_specs"]["main"]["options"]


def _role_defaults(role):
    with open(os.path.join(ROOT, "roles", role, "defaults", "main.yml")) as handle:
        return yaml.safe_load(handle) or {}


def role_type_rows():
    """(id, role, vars, the variable the error must name): one wrong-typed value per typed option,
    top level and inside list-of-dict options, plus a missing required option and a bad choice."""
    rows = []
    for role in ROLES:
        for name, option in _role_spec(role).items():
            if option.get("required") and name not in _role_defaults(role):
                rows.append(("%s-missing" % name, role, {k: v for k, v in VALID_ROLE_VARS[role].items() if k != name},
                             name))
            if option.get("type") in WRONG_TYPE:
                rows.append(("%s-type" % name, role, dict(VALID_ROLE_VARS[role], **{name: WRONG_TYPE[option["type"]]}),
                             name))
            if option.get("choices") and option.get("type") == "list":
                rows.append(("%s-choice" % name, role, dict(VALID_ROLE_VARS[role], **{name: ["nonsense"]}), name))
            sub = option.get("options") or {}
            if option.get("elements") != "dict" or not sub:
                continue
            base = (VALID_ROLE_VARS[role].get(name) or [{}])[0]
            for key, suboption in sub.items():
                if suboption.get("type") in WRONG_TYPE:
                    item = dict(base, **{key: WRONG_TYPE[suboption["type"]]})
                    rows.append(("%s.%s-type" % (name, key), role, dict(VALID_ROLE_VARS[role], **{name: [item]}), key))
                if suboption.get("choices") and suboption.get("type") == "str":
                    item = dict(base, **{key: "nonsense\nreset bgp all"})
                    rows.append(("%s.%s-choice" % (name, key), role, dict(VALID_ROLE_VARS[role], **{name: [item]}),
                                 key))
                if suboption.get("required") and key in base:
                    item = {k: v for k, v in base.items() if k != key}
                    rows.append(("%s.%s-missing" % (name, key), role, dict(VALID_ROLE_VARS[role], **{name: [item]}),
                                 key))
            for group in option.get("mutually_exclusive") or []:
                item = dict(base, **{k: (["10.0.0.2"] if k == "peers" else ["RR"] if k == "groups" else "all")
                                     for k in group[:2]})
                rows.append(("%s.%s-exclusive" % (name, "-".join(group[:2])), role,
                             dict(VALID_ROLE_VARS[role], **{name: [item]}), group[1]))
    return rows


ROLE_TYPE_ROWS = role_type_rows()
_RO = VALID_ROLE_VARS["bgp_policy_rollout"]
# Bad values the argument specs cannot see; each role (or the modules it calls) must refuse them before
# any configuration command. (id, role, vars, words the failure message must contain)
ROLE_SEMANTIC_ROWS = [
    ("rollout-peer-injection", "bgp_policy_rollout",
     dict(_RO, bgp_policy_rollout_targets=[{"peers": ["10.0.0.2\nreset bgp all"], "direction": "import"}]), ["peers"]),
    ("rollout-peer-not-address", "bgp_policy_rollout",
     dict(_RO, bgp_policy_rollout_targets=[{"peers": ["10.0.0.256"], "direction": "import"}]), ["10.0.0.256"]),
    ("rollout-group-injection", "bgp_policy_rollout",
     dict(_RO, bgp_policy_rollout_targets=[{"groups": ["RR; reset bgp all"], "direction": "import"}]), ["groups"]),
    ("rollout-unknown-group", "bgp_policy_rollout",
     dict(_RO, bgp_policy_rollout_targets=[{"groups": ["NOPE"], "direction": "import"}]), ["NOPE"]),
    ("rollout-unknown-peer", "bgp_policy_rollout",
     dict(_RO, bgp_policy_rollout_targets=[{"peers": ["10.9.9.9"], "direction": "import"}]), ["10.9.9.9"]),
    ("rollout-unknown-vrf", "bgp_policy_rollout",
     dict(_RO, bgp_policy_rollout_targets=[{"address_family": "vpn-instance", "vpn_instance": "vpnx",
                                            "peers": ["172.16.1.2"], "direction": "import"}]), ["vpnx"]),
    ("rollout-vrf-too-long", "bgp_policy_rollout",
     dict(_RO, bgp_policy_rollout_targets=[{"address_family": "vpn-instance", "vpn_instance": "v" * 32,
                                            "peers": ["172.16.1.2"], "direction": "import"}]), ["v" * 32]),
    ("rollout-selector-all", "bgp_policy_rollout",
     dict(_RO, bgp_policy_rollout_targets=[{"selector": "all", "direction": "import"}]), ["all"]),
    ("rollout-config-control-char", "bgp_policy_rollout",
     dict(_RO, bgp_policy_rollout_changes=[{"name": "c", "config": "ip ip-prefix PL-X index 10 permit 10.0.0.0 8\x1b\n"}]),
     ["control"]),
    ("rollout-config-session-command", "bgp_policy_rollout",
     dict(_RO, bgp_policy_rollout_changes=[{"name": "c", "config": "route-policy RP permit node 10\nreturn\n"}]),
     ["return"]),
    ("rollout-trial-too-short", "bgp_policy_rollout", dict(_RO, bgp_policy_rollout_trial_seconds=30), ["commit_trial"]),
    ("session-reset-not-allowed", "bgp_session_reset",
     dict(VALID_ROLE_VARS["bgp_session_reset"], bgp_session_reset_allow_service_interruption=False),
     ["allow_service_interruption"]),
    ("session-reset-peer-injection", "bgp_session_reset",
     dict(VALID_ROLE_VARS["bgp_session_reset"], bgp_session_reset_targets=[{"peers": ["10.0.0.2\rreturn"]}]),
     ["peers"]),
    ("session-reset-unknown-peer", "bgp_session_reset",
     dict(VALID_ROLE_VARS["bgp_session_reset"], bgp_session_reset_targets=[{"peers": ["10.9.9.9"]}]), ["10.9.9.9"]),
    # invalid values are named with the rule they break (validate.py), not reported as "not configured"
    ("session-reset-bad-as", "bgp_session_reset",
     dict(VALID_ROLE_VARS["bgp_session_reset"], bgp_session_reset_targets=[{"as_number": "65536.1"}]),
     ["65536.1", "invalid as_number: asdot AS must be"]),
    ("session-reset-vrf-too-long", "bgp_session_reset",
     dict(VALID_ROLE_VARS["bgp_session_reset"], bgp_session_reset_targets=[
         {"address_family": "vpn-instance", "vpn_instance": "v" * 32, "peers": ["172.16.1.2"]}]),
     ["v" * 32, "invalid vpn_instance: longer than 31 characters"]),
    ("session-reset-group-too-long", "bgp_session_reset",
     dict(VALID_ROLE_VARS["bgp_session_reset"], bgp_session_reset_targets=[{"groups": ["G" * 48]}]),
     ["invalid groups: longer than 47 characters"]),
    ("session-reset-unknown-vrf", "bgp_session_reset",
     dict(VALID_ROLE_VARS["bgp_session_reset"], bgp_session_reset_targets=[
         {"address_family": "vpn-instance", "vpn_instance": "vpnx", "peers": ["172.16.1.2"]}]), ["vpnx"]),
    ("session-reset-empty-targets", "bgp_session_reset",
     dict(VALID_ROLE_VARS["bgp_session_reset"], bgp_session_reset_targets=[]), ["bgp_session_reset_targets is empty"]),
    # the readiness audit reports a target it cannot use as a problem; with fail_when_not_ready it fails
    ("readiness-group-injection", "bgp_soft_reset_readiness",
     {"bgp_soft_reset_readiness_scopes": [{"groups": ["RR\nundo bgp 65000"]}]}, ["invalid groups"]),
    ("readiness-unknown-vrf", "bgp_soft_reset_readiness",
     {"bgp_soft_reset_readiness_scopes": [{"address_family": "vpn-instance", "vpn_instance": "vpnx",
                                           "selector": "all"}],
      "bgp_soft_reset_readiness_fail_when_not_ready": True}, ["scopes that could not be audited", "vpnx"]),
    ("readiness-unknown-group", "bgp_soft_reset_readiness",
     {"bgp_soft_reset_readiness_scopes": [{"groups": ["NOPE"]}], "bgp_soft_reset_readiness_fail_when_not_ready": True},
     ["scopes that could not be audited", "group NOPE has no peers"]),
    ("readiness-invalid-group", "bgp_soft_reset_readiness",
     {"bgp_soft_reset_readiness_scopes": [{"groups": ["G" * 48]}], "bgp_soft_reset_readiness_fail_when_not_ready": True},
     ["scopes that could not be audited", "invalid groups: longer than 47 characters"]),
    ("readiness-vrf-too-long", "bgp_soft_reset_readiness",
     {"bgp_soft_reset_readiness_scopes": [{"address_family": "vpn-instance", "vpn_instance": "v" * 32,
                                           "selector": "all"}],
      "bgp_soft_reset_readiness_fail_when_not_ready": True}, ["invalid vpn_instance: longer than 31 characters"]),
]


def _role_fails(role, role_vars):
    """The readiness audit only reports unusable scopes, unless told to fail (fail_when_not_ready)."""
    return role != "bgp_soft_reset_readiness" or role_vars.get("bgp_soft_reset_readiness_fail_when_not_ready")


def _role_block(case_id, role, role_vars):
    return {"name": "row %s" % case_id, "block": [
        {"name": "include %s" % case_id, "ansible.builtin.include_role": {"name": "netops.vrp.%s" % role},
         "vars": role_vars},
        {"name": "passed %s" % case_id, "ansible.builtin.debug": {
            "msg": "{{ bgp_soft_reset_readiness_report.problems | default('the role accepted the variables') }}"}},
    ], "rescue": [
        {"name": "caught %s" % case_id, "ansible.builtin.debug": {
            "msg": "{{ ansible_failed_task.name }} :: {{ ansible_failed_result.msg | default('') | string }}"}},
    ]}


def _run_role_rows(run_tasks, rows):
    res = run_tasks([_role_block(case_id, role, role_vars) for case_id, role, role_vars, _ in rows], hosts="PE1")
    caught, reported = {}, {}
    for case_id, _, _, _ in rows:
        for store, prefix in ((caught, "caught"), (reported, "passed")):
            try:
                store[case_id] = str(res.result("%s %s" % (prefix, case_id), "PE1")["msg"])
            except KeyError:
                store[case_id] = None
    return res, caught, reported


def test_role_argument_specs_refuse_bad_variables_before_any_login(lab, run_tasks):
    res, caught, _ = _run_role_rows(run_tasks, ROLE_TYPE_ROWS)
    problems = [(case_id, caught[case_id]) for case_id, _, _, field in ROLE_TYPE_ROWS
                if not caught[case_id] or "Validating arguments against arg spec" not in caught[case_id]
                or field not in caught[case_id]]
    assert not problems, problems
    assert {role for _, role, _, _ in ROLE_TYPE_ROWS} == set(ROLES)
    for router in ("PE1", "PE2"):
        assert logins(lab, router, since=res) == 0, transcript(lab, router, since=res)
    record_count("role_argspec_rows_real", len(ROLE_TYPE_ROWS))


def test_roles_refuse_bad_values_before_any_config_command(lab, run_tasks):
    res, caught, reported = _run_role_rows(run_tasks, ROLE_SEMANTIC_ROWS)
    problems = []
    for case_id, role, role_vars, words in ROLE_SEMANTIC_ROWS:
        text = caught[case_id] if _role_fails(role, role_vars) else reported[case_id]
        if not text or not all(w in text for w in words):
            problems.append((case_id, caught[case_id], reported[case_id]))
    assert not problems, problems
    sent = commands_sent(lab, "PE1", since=res)
    assert all(c.startswith("display ") for c in sent), [c for c in sent if not c.startswith("display ")]
    assert commands_sent(lab, "PE2", since=res) == []
    record_count("role_semantic_rows_real", len(ROLE_SEMANTIC_ROWS))
