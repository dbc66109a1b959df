"""The counts written in docs/reliability.md equal the tables and parametrisations they describe (issue 16).

Cheap: imports the test modules for their tables and collects (does not run) the fault and recovery tests.
When a table grows, this fails until the page says the new number.
"""
import os
import re
import subprocess
import sys

import test_bad_input_campaign as campaign
import test_fault_modules
import test_fault_role
from harness import ROOT

DOC = os.path.join(ROOT, "docs", "reliability.md")


def _doc():
    with open(DOC) as handle:
        return handle.read()


def _number(pattern, text=None):
    """The integer the one match of ``pattern`` (a regex with one group) finds in the page."""
    found = re.findall(pattern, _doc() if text is None else text)
    assert len(found) == 1, (pattern, found)
    return int(found[0])


def _section(heading):
    text = _doc()
    start = text.index(heading)
    end = text.find("\n#", start + len(heading))
    return text[start:] if end < 0 else text[start:end]


def _cases_column():
    """``{layer: cases}`` from the bad-input table (its first and last columns)."""
    rows = {}
    for line in _section("### Bad input").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("Layer", "---"):
            rows[cells[0]] = cells[3]
    return rows


def _max_examples(test):
    return test._hypothesis_internal_use_settings.max_examples


def test_fault_matrix_counts():
    assert _number(r"### Modules \(`test_fault_modules.py`: (\d+) cells") == len(test_fault_modules.MATRIX)
    assert _number(r"\((\d+) fault × module cells in all\)") == len(test_fault_modules.MATRIX)
    role = _section("### The `bgp_policy_rollout` role")
    assert _number(r"`test_fault_role.py`: (\d+) rows", role) == len(test_fault_role.ROLE_MATRIX)
    table_rows = [line for line in role.splitlines() if line.startswith("| ") and not line.startswith("| Fault")]
    assert len(table_rows) == len(test_fault_role.ROLE_MATRIX)


def test_fault_and_recovery_test_count():
    here = os.path.dirname(os.path.abspath(__file__))
    files = sorted(os.path.join(here, name) for name in os.listdir(here)
                   if re.match(r"test_(fault|recovery)_.*\.py$", name))
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist"] + files,
                         cwd=ROOT, capture_output=True, text=True, check=False)
    collected = re.search(r"^(\d+) tests? collected", out.stdout, re.M)
    assert collected, out.stdout[-2000:] + out.stderr[-2000:]
    assert _number(r"Run time: the (\d+) tests of `test_fault_\*.py` and `test_recovery_\*.py`") == int(collected.group(1))


def test_bad_input_counts():
    rows = campaign.bad_inputs.BAD_INPUTS
    per_field = _max_examples(campaign.test_hostile_string_is_refused_before_connecting) + \
        _max_examples(campaign.test_arbitrary_text_is_refused_or_safe_to_type)
    generated = len(campaign.STRING_FIELDS) * per_field
    text = _section("### Bad input")
    assert _number(r"the (\d+) rows of `tests/unit/fixtures/bad_inputs.py`", text) == len(rows)
    assert _number(r"\((\d+) caught by `validate.py`", text) == sum(r.layer == "validate" for r in rows)
    assert _number(r", (\d+) only by the action plugins", text) == sum(r.layer == "action" for r in rows)
    assert _number(r"all (\d+) rows as tasks of one play", text) == len(rows)
    assert _number(r"for each of the (\d+) string arguments", text) == len(campaign.STRING_FIELDS)
    examples = re.findall(r"\(up to (\d+) \+ (\d+) examples each\)", text)
    assert [tuple(map(int, e)) for e in examples] == [(
        _max_examples(campaign.test_hostile_string_is_refused_before_connecting),
        _max_examples(campaign.test_arbitrary_text_is_refused_or_safe_to_type))]
    cases = {
        "table, in-process": str(2 * len(rows)),              # normal and check mode
        "generated, in-process (hypothesis)": "up to %d" % generated,
        "table, real": str(2 * len(rows)),
        "unknown objects, real": str(len(campaign.UNKNOWN_OBJECTS)),
        "role argument specs, real": str(len(campaign.ROLE_TYPE_ROWS)),
        "role checks, real": str(len(campaign.ROLE_SEMANTIC_ROWS)),
    }
    assert _cases_column() == cases

    in_process = 2 * len(rows) + generated
    before_login = 2 * len(rows) + len(campaign.ROLE_TYPE_ROWS)
    logged_in = len(campaign.UNKNOWN_OBJECTS) + len(campaign.ROLE_SEMANTIC_ROWS)
    assert _number(r"Total: up to (\d+) cases per run", text) == in_process + before_login + logged_in
    assert _number(r"in-process, mocked connection: up to (\d+)\*\*", text) == in_process
    assert _number(r"ansible-playbook against a vrpsim lab: (\d+)\*\*", text) == before_login + logged_in
    assert _number(r"\*\*(\d+) are refused before any login\*\*", text) == before_login
    assert _number(r"\*\*(\d+) log in over SSH\*\*", text) == logged_in
