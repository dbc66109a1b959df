"""Shared by the execution environment tests: the image `make ee` builds, and ansible-navigator runs in it.

The image is built (or found up to date) by ``ee/build.py``; ansible-navigator comes from its own venv
(``make ee-navigator``: build/venvs/navigator). When podman cannot run, or the navigator venv is missing,
the tests FAIL with the reason: CI treats a skip as a failure, and a missing engine is a broken promise.
Nothing is written outside the repository and the container store: navigator's cache goes to
build/ee/xdg-cache (``XDG_CACHE_HOME``), its log to the job directory, and ``HOME_WATCH`` lists the paths
under $HOME the tests check are left alone.
"""
import glob
import os
import subprocess
import sys

import pytest
from awx_support import galaxy

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
NAVIGATOR = os.path.join(ROOT, "build", "venvs", "navigator", "bin", "ansible-navigator")
NAVIGATOR_SETTINGS = os.path.join(ROOT, "ee", "ansible-navigator.yml")
IMAGE_LATEST = "localhost/netops-vrp-ee:latest"
HOME_WATCH = ("~/.ansible/collections", "~/.cache/ansible-navigator", "~/.ansible/roles")


def build_image(tarball_dir):
    """Tag of the EE image for the working tree (built if missing, into ``tarball_dir`` first the collection
    tarball, as `make build` does); fails the test with the reason otherwise."""
    galaxy(["collection", "build", "--force", "--output-path", str(tarball_dir), ROOT])
    (tarball,) = glob.glob(os.path.join(str(tarball_dir), "netops-vrp-*.tar.gz"))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "ee", "build.py"), "--tarball", tarball], cwd=ROOT,
                          capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        pytest.fail("`make ee` cannot build the execution environment here:\n%s" % (proc.stderr or proc.stdout)[-3000:])
    return proc.stdout.strip().splitlines()[-1]


def require_navigator():
    if not os.access(NAVIGATOR, os.X_OK):
        pytest.fail("ansible-navigator is not installed in build/venvs/navigator: run `make ee-navigator`")


def home_listing():
    """Every file under the watched $HOME paths, with size and mtime: compared before and after a test."""
    found = {}
    for top in HOME_WATCH:
        top = os.path.expanduser(top)
        for dirpath, dirnames, filenames in os.walk(top):
            for name in dirnames + filenames:
                path = os.path.join(dirpath, name)
                stat = os.lstat(path)
                found[path] = (stat.st_size, stat.st_mtime_ns)
        if os.path.lexists(top) and top not in found:
            found[top] = "exists"
    return found


def navigator_run(workdir, playbook, inventory, extra_args=(), timeout=600):
    """``ansible-navigator run PLAYBOOK -i INVENTORY`` from WORKDIR with ee/ansible-navigator.yml, the
    documented command; returns the CompletedProcess (stdout + stderr in .stdout)."""
    require_navigator()
    env = dict(os.environ, ANSIBLE_NAVIGATOR_CONFIG=NAVIGATOR_SETTINGS,
               XDG_CACHE_HOME=os.path.join(ROOT, "build", "ee", "xdg-cache"), ANSIBLE_NOCOLOR="1")
    for name in ("ANSIBLE_CONFIG", "ANSIBLE_COLLECTIONS_PATH"):  # the test session's, not the EE's
        env.pop(name, None)
    command = [NAVIGATOR, "run", playbook, "-i", inventory, "--lf", os.path.join(workdir, "navigator.log")]
    return subprocess.run(command + list(extra_args), cwd=workdir, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout)
