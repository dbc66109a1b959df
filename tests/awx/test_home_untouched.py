"""Nothing the test stages run installs into ~/.ansible (issue 17, "Done when"): molecule's prerun would
install this collection into ~/.ansible/collections, and molecule and ansible-lint (offline) create their
roles/ and collections/ cache in ``$ANSIBLE_HOME``, else ~/.ansible. The EE, sliced-job and workflow tests
check $HOME themselves (ee_support.home_listing)."""
import os
import subprocess

import yaml
from molecule.util import lookup_config_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_molecule_prerun_is_off_for_every_scenario(monkeypatch):
    monkeypatch.chdir(ROOT)
    path = lookup_config_file(".config/molecule/config.yml")   # molecule's base config, for every scenario
    assert path == os.path.join(ROOT, ".config", "molecule", "config.yml")
    with open(path) as handle:
        assert yaml.safe_load(handle)["prerun"] is False


def test_molecule_and_lint_keep_their_cache_in_the_repository():
    proc = subprocess.run(["make", "-n", "--no-print-directory", "lint", "test-molecule"], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    lines = [line for line in proc.stdout.splitlines() if "bin/ansible-lint" in line or "bin/molecule" in line]
    assert len(lines) == 2, proc.stdout
    for line in lines:
        assert 'ANSIBLE_HOME="%s/.ansible"' % ROOT in line, line
