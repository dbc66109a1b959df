"""The collection under each ansible-core AWX execution environments carry: 2.17, 2.18 and 2.19 (issue 17).

``meta/runtime.yml`` claims ansible-core >= 2.17. `make test-cores` builds one venv per version in
``CORE_VERSIONS`` (Makefile: build/venvs/core-<version>, ansible-core pinned + requirements.txt, built once
per stamp) and runs, with each venv's own tools: the ansible-test sanity tests (scripts/sanity.py), and the
demo rollout (vrpsim/topologies/demo.yml, playbooks/vars/demo_rollout.yml) as a check run (only displays,
nothing changed), a real run (PE1 and PE2 confirm) and a second run (nothing changes, only displays).
The lab runs in the test process (the dev venv); only the controller side changes version.
"""
import json
import os
import subprocess
import tempfile

import pytest
from harness import assert_only_displays, demo_topology

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
VERSIONS = os.environ.get("CORE_VERSIONS", "").split()
PLAYBOOK = os.path.join(ROOT, "playbooks", "bgp_policy_rollout.yml")
VARS_FILE = os.path.join(ROOT, "playbooks", "vars", "demo_rollout.yml")


def venv_bin(version):
    path = os.path.join(ROOT, "build", "venvs", "core-%s" % version, "bin")
    if not os.path.exists(os.path.join(path, "ansible-playbook")):
        pytest.fail("no venv for ansible-core %s in %s: run `make test-cores`" % (version, path))
    return path


def test_the_matrix_is_given_and_covers_the_claimed_minimum():
    """CORE_VERSIONS comes from the Makefile; it must start at meta/runtime.yml's minimum."""
    assert VERSIONS, "CORE_VERSIONS is empty: run the stage with `make test-cores`"
    with open(os.path.join(ROOT, "meta", "runtime.yml")) as handle:
        minimum = [line.split(">=")[1].strip().strip("'\"") for line in handle
                   if line.startswith("requires_ansible")][0]
    assert [v.split(".")[:2] for v in VERSIONS] == [["2", "17"], ["2", "18"], ["2", "19"]], VERSIONS
    assert VERSIONS[0].startswith(minimum.rsplit(".", 1)[0]), (minimum, VERSIONS)


@pytest.mark.parametrize("version", VERSIONS)
def test_sanity(version, tmp_path):
    bin_dir = venv_bin(version)
    # scripts/sanity.py copies the collection under $TMPDIR: a directory of this run's own, so no other
    # sanity run (another version, another checkout) can change the copy under it
    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = subprocess.run([os.path.join(bin_dir, "python"), os.path.join(ROOT, "scripts", "sanity.py")], cwd=ROOT,
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1800)
    errors = [line for line in proc.stdout.splitlines() if line.startswith("ERROR")]
    assert proc.returncode == 0, "\n".join(errors) or proc.stdout[-4000:]


def run_rollout(bin_dir, lab, report_dir, check=False):
    os.makedirs(report_dir, exist_ok=True)
    for name in os.listdir(report_dir):
        os.unlink(os.path.join(report_dir, name))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               NETOPS_VRP_KEEPER_DIR=tempfile.mkdtemp(prefix="nvk-"),
               PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    command = [os.path.join(bin_dir, "ansible-playbook"), "-i", lab.inventory_path, PLAYBOOK, "-e", "@" + VARS_FILE,
               "-e", "report_dir=" + report_dir] + (["--check"] if check else [])
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    statuses = {}
    for router in lab.routers:
        with open(os.path.join(report_dir, router + ".json")) as handle:
            statuses[router] = json.load(handle)["status"]
    for router in lab.routers:   # the run's keeper logs out once the play is over
        assert not lab.logins(router) or lab.wait_logged_out(router, timeout=15), router
    return statuses


@pytest.mark.parametrize("version", VERSIONS)
def test_demo_rollout_check_run_and_idempotence(version, make_lab, tmp_path):
    bin_dir = venv_bin(version)
    proc = subprocess.run([os.path.join(bin_dir, "ansible-playbook"), "--version"], capture_output=True, text=True)
    assert "[core %s]" % version in proc.stdout, proc.stdout
    lab = make_lab(demo_topology())
    routers = sorted(lab.routers)
    before = {r: lab.running_config(r) for r in routers}
    reports = str(tmp_path / "reports")

    statuses = run_rollout(bin_dir, lab, reports, check=True)
    assert statuses == {"PE1": "would_change", "PE2": "would_change", "RR1": "nothing_to_do"}, statuses
    for router in routers:
        assert_only_displays(lab, router)
        assert lab.running_config(router) == before[router]

    lab.reset_transcripts()
    statuses = run_rollout(bin_dir, lab, reports)
    assert statuses == {"PE1": "confirmed", "PE2": "confirmed", "RR1": "nothing_to_do"}, statuses
    after = {r: lab.running_config(r) for r in routers}
    assert after["PE1"] != before["PE1"] and after["PE2"] != before["PE2"]

    lab.reset_transcripts()
    statuses = run_rollout(bin_dir, lab, reports)
    assert statuses == {"PE1": "unchanged", "PE2": "unchanged", "RR1": "nothing_to_do"}, statuses
    for router in routers:
        assert_only_displays(lab, router)
        assert lab.running_config(router) == after[router]
