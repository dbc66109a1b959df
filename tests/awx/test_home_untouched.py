"""Nothing the test stages run installs into ~/.ansible (issue 17, "Done when"): molecule's prerun would
install this collection into ~/.ansible/collections, and molecule and ansible-lint (offline) create their
roles/ and collections/ cache in ``$ANSIBLE_HOME``, else ~/.ansible. The EE, sliced-job and workflow tests
check $HOME themselves (ee_support.home_listing); the root conftest.py sets ANSIBLE_HOME for pytest run without make;
.ci/run fails when `make test` changed anything under ~/.ansible."""
import os
import subprocess
import sys

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


PROBE = '''
import os
from ansible import constants as C


def test_ansible_temp_files_stay_in_the_repository():
    assert C.DEFAULT_LOCAL_TMP.startswith(os.path.join(ROOT, ".ansible", "tmp", "ansible-local-"))
    assert os.environ["ANSIBLE_REMOTE_TEMP"] == os.path.join(ROOT, ".ansible", "tmp")   # the sh shell's remote_tmp
'''


def test_pytest_run_directly_keeps_ansible_files_out_of_home(tmp_path):
    """`.venv/bin/pytest PATHS`, the documented way to run some tests, is not run by make, so the Makefile's
    ANSIBLE_HOME is not there: the root conftest.py must point Ansible into the repository itself, else every
    pytest process (and xdist worker) that imports Ansible creates ~/.ansible/tmp/ansible-local-PID. Run with a
    HOME of its own, so another process writing to the real ~/.ansible cannot make this pass or fail."""
    probe_dir = os.path.join(ROOT, "build", "home-probe")
    os.makedirs(probe_dir, exist_ok=True)
    probe = os.path.join(probe_dir, "test_probe_%d.py" % os.getpid())
    with open(probe, "w") as handle:
        handle.write("ROOT = %r\n" % ROOT + PROBE)
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["HOME"] = str(home)
    try:
        proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "pytest"), "-q", "-p", "no:cacheprovider", "-n", "1",
                               probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    finally:
        os.remove(probe)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout, proc.stdout
    written = sorted(str(path.relative_to(home)) for path in home.rglob("*"))
    assert written == [], written


def test_docs_generator_keeps_ansible_files_out_of_home(tmp_path):
    """scripts/gen_docs.py (make docs; tests/packaging/test_docs_current.py) runs ansible-doc with the ANSIBLE_*
    variables removed, so that it reads the working tree: it must give ansible-doc an ANSIBLE_HOME of its own, or
    ansible-doc makes its temp dir under ~/.ansible/tmp (what CI's ~/.ansible check caught)."""
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen_docs.py"), "--output", str(tmp_path / "docs")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    written = sorted(str(path.relative_to(home)) for path in home.rglob("*"))
    assert written == [], written
