"""The canary under slicing, as AWX configuration as code: docs/awx/rollout_workflow.yml (issue 17).

A sliced job template runs one ``serial`` canary per slice, all at once. The safe shape is a workflow:
canary job template (one job) -> approval node -> sliced waves job template, with the rollout survey.
The file is written with the ``awx.awx`` collection's modules and checked by ansible-lint with that
collection installed, so every module argument is validated against the module's argument spec (the
``args`` rule; tests/awx/workflow-lint.yml). Galaxy is not reachable here: awx.awx comes from PyPI's
``ansible`` package (``pip download --no-deps`` into build/awx-lint/dl, extracted into
build/awx-lint/collections once).
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest
import yaml
from ee_support import home_listing

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
WORKFLOW = os.path.join(ROOT, "docs", "awx", "rollout_workflow.yml")
SURVEY = os.path.join(ROOT, "docs", "awx", "bgp_policy_rollout.survey.json")
LINT_CONFIG = os.path.join(ROOT, "tests", "awx", "workflow-lint.yml")
AWX_FROM = "ansible==11.13.0"       # carries awx.awx 24.6.1 (workflow_job_template, workflow_job_template_node)
CACHE = os.path.join(ROOT, "build", "awx-lint")


@pytest.fixture(scope="module")
def awx_collection():
    """ANSIBLE_COLLECTIONS_PATH holding awx.awx (extracted from the ``ansible`` wheel, once)."""
    target = os.path.join(CACHE, "collections")
    manifest = os.path.join(target, "ansible_collections", "awx", "awx", "MANIFEST.json")
    if not os.path.exists(manifest):
        download = os.path.join(CACHE, "dl")
        wheel = glob.glob(os.path.join(download, "ansible-%s-*.whl" % AWX_FROM.split("==")[1]))
        if not wheel:
            proc = subprocess.run([os.path.join(BIN, "pip"), "download", "--no-deps", "-d", download, AWX_FROM],
                                  capture_output=True, text=True, timeout=900)
            assert proc.returncode == 0, "pip download %s failed:\n%s" % (AWX_FROM, proc.stderr[-2000:])
            wheel = glob.glob(os.path.join(download, "ansible-*.whl"))
        shutil.rmtree(target, ignore_errors=True)
        with zipfile.ZipFile(wheel[0]) as archive:
            archive.extractall(target, [m for m in archive.namelist() if m.startswith("ansible_collections/awx/awx/")])
    with open(manifest) as handle:
        assert json.load(handle)["collection_info"]["version"].startswith("24."), manifest
    return target


def lint(path, collections):
    env = {k: v for k, v in os.environ.items() if k != "ANSIBLE_CONFIG"}
    # offline, ansible-lint keeps its cache (roles/, collections/) in $ANSIBLE_HOME, else ~/.ansible
    env.update(ANSIBLE_COLLECTIONS_PATH=collections, PATH=BIN + os.pathsep + os.environ.get("PATH", ""),
               NO_COLOR="1", ANSIBLE_HOME=os.path.join(CACHE, "ansible-home"))
    return subprocess.run([os.path.join(BIN, "ansible-lint"), "-c", LINT_CONFIG, "--project-dir", ROOT, "--nocolor",
                           str(path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_workflow_passes_ansible_lint_with_module_arguments_checked(awx_collection):
    home_before = home_listing()
    proc = lint(WORKFLOW, awx_collection)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout + proc.stderr
    assert home_listing() == home_before, "ansible-lint wrote under $HOME"


@pytest.mark.parametrize("bad, found", [
    (("approval_node:", "approval_nodes:"), "Unsupported parameters for (basic.py) module: approval_nodes"),
    (("        job_slice_count: 1\n", "        job_slice_count: 1\n        slices: 3\n"), "slices"),
])
def test_lint_rejects_a_wrong_module_argument(awx_collection, tmp_path, bad, found):
    """The lint really validates awx.awx arguments: the same file with one wrong option fails."""
    text = open(WORKFLOW).read()
    assert bad[0] in text
    path = tmp_path / "rollout_workflow.yml"
    path.write_text(text.replace(bad[0], bad[1], 1))
    shutil.copy(SURVEY, tmp_path)
    proc = lint(path, awx_collection)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "args[module]" in output and found in output, output[-3000:]


def tasks_by_module():
    (play,) = yaml.safe_load(open(WORKFLOW))
    out = {}
    for task in play["tasks"]:
        module = [k for k in task if k.startswith("awx.awx.")][0]
        out.setdefault(module, []).append(task[module])
    return play, out


def test_workflow_is_canary_then_approval_then_sliced_waves():
    play, tasks = tasks_by_module()
    canary_jt, waves_jt = tasks["awx.awx.job_template"]
    assert canary_jt["job_slice_count"] == 1                    # one canary job, never sliced
    assert waves_jt["job_slice_count"] == "{{ awx_wave_slices }}" and play["vars"]["awx_wave_slices"] > 1
    for jt in (canary_jt, waves_jt):
        assert jt["playbook"] == "playbooks/bgp_policy_rollout.yml"
        assert jt["ask_limit_on_launch"] and jt["ask_variables_on_launch"] and not jt["allow_simultaneous"]
    (workflow,) = tasks["awx.awx.workflow_job_template"]
    assert workflow["survey_enabled"] and "bgp_policy_rollout.survey.json" in play["vars"]["rollout_survey"]
    nodes = {n["identifier"]: n for n in tasks["awx.awx.workflow_job_template_node"]}
    assert nodes["canary"]["unified_job_template"] == canary_jt["name"]
    assert nodes["canary"]["success_nodes"] == ["approve-waves"]
    assert "approval_node" in nodes["approve-waves"] and nodes["approve-waves"]["success_nodes"] == ["waves"]
    assert nodes["waves"]["unified_job_template"] == waves_jt["name"] and "success_nodes" not in nodes["waves"]
    # the waves never include the canary, and no other node starts anything (failure/always paths)
    assert nodes["canary"]["limit"] == "{{ awx_canary_group }}"
    assert nodes["waves"]["limit"] == "{{ awx_target_group }}:!{{ awx_canary_group }}"
    assert not any(k in n for n in nodes.values() for k in ("failure_nodes", "always_nodes"))
