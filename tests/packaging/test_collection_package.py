"""The collection tarball is what users install: check its content and that it installs and loads."""
import glob
import json
import os
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
GALAXY = yaml.safe_load(open(os.path.join(ROOT, "galaxy.yml")))
MODULES = sorted(
    os.path.splitext(name)[0]
    for name in os.listdir(os.path.join(ROOT, "plugins", "modules"))
    if name.endswith(".py") and not name.startswith("_")
)


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(out), ROOT],
                   check=True, capture_output=True)
    found = glob.glob(str(out / "netops-vrp-*.tar.gz"))
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="module")
def members(tarball):
    with tarfile.open(tarball) as tar:
        return {m.name.lstrip("./") for m in tar.getmembers()}


def test_tarball_is_named_after_galaxy_metadata(tarball):
    assert os.path.basename(tarball) == "netops-vrp-%s.tar.gz" % GALAXY["version"]
    assert (GALAXY["namespace"], GALAXY["name"]) == ("netops", "vrp")


@pytest.mark.parametrize("required", ["MANIFEST.json", "FILES.json", "meta/runtime.yml", "README.md",
                                      "LICENSE", "plugins/modules", "plugins/action", "plugins/module_utils",
                                      "plugins/connection", "roles", "playbooks", "requirements.txt"])
def test_tarball_contains_collection_content(members, required):
    assert required in members or any(m.startswith(required + "/") for m in members), required


@pytest.mark.parametrize("ignored", ["vrpsim", "bench", ".venv", ".collections", ".vrpsim", ".ci", "build",
                                     "tests", "containers/Containerfile", ".hypothesis",
                                     "conftest.py", "pyproject.toml", "Makefile", "scripts", "__pycache__"])
def test_tarball_excludes_non_collection_content(members, ignored):
    offenders = [m for m in members if m == ignored or m.startswith(ignored + "/") or ("/" + ignored + "/") in m]
    assert not offenders, offenders[:5]


def test_every_module_is_in_the_tarball_with_its_action(members):
    assert MODULES, "no modules found"
    for name in MODULES:
        assert "plugins/modules/%s.py" % name in members
        assert "plugins/action/%s.py" % name in members


def test_runtime_declares_ansible_range_and_action_group():
    runtime = yaml.safe_load(open(os.path.join(ROOT, "meta", "runtime.yml")))
    assert runtime["requires_ansible"].startswith(">=")
    group = runtime["action_groups"]["vrp"]
    assert sorted(group) == MODULES


def test_tarball_installs_into_empty_path_and_lists_plugins(tarball, tmp_path):
    dest = tmp_path / "collections"
    # Only the empty destination is configured: the working tree (linked for the other tests) must not
    # make ansible-galaxy think the collection is already installed.
    empty_cfg = tmp_path / "ansible.cfg"
    empty_cfg.write_text("[defaults]\n")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(dest), ANSIBLE_CONFIG=str(empty_cfg))
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "-p", str(dest), tarball],
                   check=True, capture_output=True, env=env)
    installed = dest / "ansible_collections" / "netops" / "vrp"
    manifest = json.loads((installed / "MANIFEST.json").read_text())
    assert manifest["collection_info"]["version"] == GALAXY["version"]
    listing = subprocess.run([os.path.join(BIN, "ansible-doc"), "-l", "netops.vrp", "--json"],
                             check=True, capture_output=True, text=True, env=env)
    listed = {name.split(".")[-1] for name in json.loads(listing.stdout)}
    assert set(MODULES) <= listed
    for name in MODULES:
        doc = subprocess.run([os.path.join(BIN, "ansible-doc"), "netops.vrp." + name],
                             capture_output=True, text=True, env=env)
        assert doc.returncode == 0, doc.stderr
        assert "[WARNING]" not in doc.stderr, doc.stderr


def _ci_sandbox(tmp_path, makefile_test_recipe):
    """A throwaway repo holding the real .ci/run and a Makefile whose `test` target we control."""
    repo = tmp_path / "repo"
    (repo / ".ci").mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, ".ci", "run"), repo / ".ci" / "run")
    (repo / "Makefile").write_text("test:\n\t" + makefile_test_recipe + "\n")
    (repo / "test_sample.py").write_text(
        "import os\n\n"
        "def test_ok():\n    assert 1 + 1 == 2\n\n"
        "def test_fails_when_asked():\n    assert os.environ.get('FAIL_ME') != '1'\n")
    return repo


@pytest.mark.parametrize("recipe, env, expect_rc_zero", [
    ("mkdir -p build/test-results && %s -m pytest -q -k test_ok --junitxml=build/test-results/u.xml test_sample.py" % sys.executable, {}, True),
    ("mkdir -p build/test-results && %s -m pytest -q --junitxml=build/test-results/u.xml test_sample.py" % sys.executable, {"FAIL_ME": "1"}, False),
    ("mkdir -p build/test-results && %s -m pytest -q -k nothing_matches --junitxml=build/test-results/u.xml test_sample.py || true" % sys.executable, {}, False),
    ("true", {}, False),
])
def test_ci_run_fails_on_failed_tests_and_when_no_test_ran(tmp_path, recipe, env, expect_rc_zero):
    repo = _ci_sandbox(tmp_path, recipe)
    result = subprocess.run(["bash", ".ci/run"], cwd=repo, capture_output=True, text=True,
                            env=dict(os.environ, **env), timeout=300)
    assert (result.returncode == 0) == expect_rc_zero, result.stdout + result.stderr
