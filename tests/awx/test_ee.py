"""The rollout inside the execution environment image `make ee` builds, run the way AWX runs it (issue 17).

`make ee` (ee/build.py) builds the image offline; ansible-navigator runs the collection's playbook
``netops.vrp.bgp_policy_rollout`` in it with podman (``--pull-policy never``, host network, stdout mode:
ee/ansible-navigator.yml), against a vrpsim lab (the shipped demo topology) on the host. The playbook is
called by its FQCN with ``ANSIBLE_COLLECTIONS_PATH`` set to the image's collection directory, so only the
image's copy of the collection can run. What the lab sees proves the session keeper works inside the
container: one login per router per run, the check run sends only ``display`` commands, the real run
confirms its trial commit, and a second run changes nothing.
"""
import json
import os
import shutil
import subprocess

import pytest
import yaml
from ee_support import ROOT, build_image, home_listing, navigator_run
from harness import assert_only_displays, commands_sent, demo_topology

VERSION = yaml.safe_load(open(os.path.join(ROOT, "galaxy.yml")))["version"]
VARS_FILE = os.path.join(ROOT, "playbooks", "vars", "demo_rollout.yml")


@pytest.fixture(scope="module")
def ee_image(tmp_path_factory):
    return build_image(tmp_path_factory.mktemp("tarball"))


def test_image_holds_ansible_core_the_collection_and_its_python_packages(ee_image):
    script = ("set -e; id -u; ansible-playbook --version | head -1; ansible-galaxy collection list netops.vrp;"
              " python3 -c 'import netmiko, jmespath, ansible_runner; print(\"netmiko\", netmiko.__version__)';"
              " command -v ssh-agent")
    proc = subprocess.run(["podman", "run", "--rm", "--pull", "never", ee_image, "bash", "-c", script],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] != "0", "the EE must run as a non-root user, as AWX expects"
    core = lines[1].split("[core ")[1].rstrip("]")
    assert tuple(int(p) for p in core.split(".")[:2]) >= (2, 17), core
    assert any(line.split()[:2] == ["netops.vrp", VERSION] for line in lines), proc.stdout
    assert any(line.startswith("netmiko 4.") for line in lines), proc.stdout
    assert lines[-1] == "/usr/bin/ssh-agent"   # ansible-runner loads a Machine credential's key with it


def test_rebuild_with_nothing_changed_is_a_no_op(ee_image, tmp_path):
    """A tarball built again (new mtimes) from the same tree gives the same content hash: nothing rebuilt."""
    def created():
        return subprocess.run(["podman", "image", "inspect", "--format", "{{.Id}} {{.Created}}", ee_image],
                              capture_output=True, text=True, check=True).stdout
    before = created()
    assert build_image(tmp_path) == ee_image
    assert created() == before


def logins_expected(report):
    """One login per router with work; a router with nothing to do in this rollout is never logged into."""
    return 0 if report["status"] == "nothing_to_do" else 1


def run_in_ee(job, lab, *extra):
    result = navigator_run(str(job), "netops.vrp.bgp_policy_rollout", str(job / "inventory.yml"),
                           ["-e", "@" + str(job / "vars.yml"), "-e", "report_dir=" + str(job / "reports")]
                           + list(extra))
    assert result.returncode == 0, result.stdout[-6000:]
    reports = {}
    for router in lab.routers:
        with open(job / "reports" / (router + ".json")) as handle:
            reports[router] = json.load(handle)
    shutil.rmtree(job / "reports")
    (job / "reports").mkdir()
    return result, reports


def test_rollout_in_the_ee_check_run_confirm_and_idempotence(ee_image, make_lab, tmp_path):
    home_before = home_listing()
    lab = make_lab(demo_topology())
    routers = sorted(lab.routers)
    job = tmp_path / "job"            # the working directory navigator mounts into the container
    (job / "reports").mkdir(parents=True)
    shutil.copy(lab.inventory_path, job / "inventory.yml")
    shutil.copy(VARS_FILE, job / "vars.yml")
    config_before = {r: lab.running_config(r) for r in routers}

    # Check run: only displays, one login per router, nothing changed, reports say what would change.
    result, reports = run_in_ee(job, lab, "--check")
    assert {r["status"] for r in reports.values()} <= {"would_change", "nothing_to_do"}, reports
    assert reports["PE1"]["status"] == "would_change"
    for router in routers:
        assert_only_displays(lab, router)
        assert lab.logins(router) == logins_expected(reports[router]), (router, lab.logins(router))
        assert lab.running_config(router) == config_before[router]
        assert not lab.logins(router) or lab.wait_logged_out(router, timeout=15), router

    # Real run: every router with a change confirms its trial; still one login per router.
    lab.reset_transcripts()
    result, reports = run_in_ee(job, lab)
    assert {r["status"] for r in reports.values()} <= {"confirmed", "nothing_to_do"}, reports
    for router in ("PE1", "PE2"):
        assert reports[router]["status"] == "confirmed", reports[router]
        sent = commands_sent(lab, router)
        assert any(c.startswith("commit trial") for c in sent), sent
        assert lab.running_config(router) != config_before[router]
    for router in routers:
        assert lab.logins(router) == logins_expected(reports[router]), (router, lab.logins(router))
        assert not lab.logins(router) or lab.wait_logged_out(router, timeout=15), router
    assert "PLAY RECAP" in result.stdout and "failed=0" in result.stdout

    # Second run: nothing left to change, only displays.
    config_after = {r: lab.running_config(r) for r in routers}
    lab.reset_transcripts()
    result, reports = run_in_ee(job, lab)
    assert {r["status"] for r in reports.values()} <= {"unchanged", "nothing_to_do"}, reports
    for router in routers:
        assert_only_displays(lab, router)
        assert lab.running_config(router) == config_after[router]
    assert home_listing() == home_before, "the run wrote under $HOME"
