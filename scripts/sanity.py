#!/usr/bin/env python3
"""Run `ansible-test sanity` the way it expects: on a copy under ansible_collections/netops/vrp.

The copy is the built collection tarball's content (exactly what users install) plus tests/sanity.
ansible-test bootstraps pip in its venvs with a script it downloads from ci-files.testing.ansible.com,
which this machine cannot reach; we place a stand-in in its cache that uses ensurepip + PyPI instead.
"""
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Outside the repository: inside it, ansible-test would take the (git-ignored) copy's file list from
# the enclosing git repo and find no targets.
# keyed by the checkout, so sanity runs in two worktrees at once do not clobber each other.
SANITY_BASE = os.path.join(tempfile.gettempdir(), "netops-vrp-sanity-%d-%s"
                           % (os.getuid(), hashlib.sha1(ROOT.encode()).hexdigest()[:10]))
COLLECTION_DIR = os.path.join(SANITY_BASE, "ansible_collections", "netops", "vrp")
BIN = os.path.dirname(sys.executable)
# ansible-test keeps its venvs and caches under ~/.ansible/test: give it a HOME inside the repository
SANITY_HOME = os.path.join(ROOT, "build", "sanity-home")

# Tests skipped, and why (each needs something this machine does not have):
SKIPPED_TESTS = {}

GET_PIP_STANDIN = '''"""Stand-in for get-pip.py: bootstrap pip from the standard library, then install from PyPI."""
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
if args:
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
'''


def prepare_get_pip_cache():
    from ansible_test._internal import python_requirements

    # The pinned pip version(s) are plain literals in get_venv_packages(); read them from the source.
    with open(python_requirements.__file__) as handle:
        versions = set(re.findall(r"pip='([0-9.]+)'", handle.read()))
    cache_dir = os.path.join(SANITY_HOME, ".ansible", "test", "cache")
    os.makedirs(cache_dir, exist_ok=True)
    for version in versions:
        path = os.path.join(cache_dir, "get_pip_%s.py" % version.replace(".", "_"))
        if not os.path.exists(path):
            with open(path, "w") as handle:
                handle.write(GET_PIP_STANDIN)


def copy_collection():
    tarballs = glob.glob(os.path.join(ROOT, "build", "netops-vrp-*.tar.gz"))
    if len(tarballs) != 1:
        sys.exit("sanity: expected one built tarball in build/ (run `make build`), found %d" % len(tarballs))
    shutil.rmtree(SANITY_BASE, ignore_errors=True)
    os.makedirs(COLLECTION_DIR)
    with tarfile.open(tarballs[0]) as tar:
        tar.extractall(COLLECTION_DIR, filter="data")
    sanity_src = os.path.join(ROOT, "tests", "sanity")
    if os.path.isdir(sanity_src):
        shutil.copytree(sanity_src, os.path.join(COLLECTION_DIR, "tests", "sanity"), dirs_exist_ok=True)


def main():
    subprocess.check_call([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--force",
                           "--output-path", os.path.join(ROOT, "build"), ROOT], stdout=subprocess.DEVNULL)
    copy_collection()
    prepare_get_pip_cache()
    cmd = [os.path.join(BIN, "ansible-test"), "sanity", "--venv", "--python", "3.11", "--color", "no"]
    for test, why in SKIPPED_TESTS.items():
        print("sanity: skipping %s: %s" % (test, why))
        cmd += ["--skip-test", test]
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""), HOME=SANITY_HOME)
    user_pip = os.path.expanduser("~/.config/pip/pip.conf")   # keep the user's package index settings
    if os.path.exists(user_pip) and "PIP_CONFIG_FILE" not in env:
        env["PIP_CONFIG_FILE"] = user_pip
    sys.exit(subprocess.call(cmd, cwd=COLLECTION_DIR, env=env))


if __name__ == "__main__":
    main()
