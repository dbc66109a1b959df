"""Make the working tree importable as ``ansible_collections.netops.vrp`` for every test.

The symlink tree lives outside the repository so that tools walking the repo never recurse into it.
``ANSIBLE_COLLECTIONS_PATH`` is exported so ``ansible-playbook`` subprocesses load the same code; ``ANSIBLE_HOME``
and ``ANSIBLE_REMOTE_TEMP`` (unless set) keeps Ansible's own files in the repository's ``.ansible/``, as under make.
"""
import hashlib
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.abspath(__file__))
_TAG = hashlib.sha1(ROOT.encode()).hexdigest()[:10]
COLLECTIONS_ROOT = os.path.join(tempfile.gettempdir(), "netops-vrp-" + _TAG)


def _link_collection():
    ns_dir = os.path.join(COLLECTIONS_ROOT, "ansible_collections", "netops")
    link = os.path.join(ns_dir, "vrp")
    os.makedirs(ns_dir, exist_ok=True)
    if os.path.islink(link) and os.readlink(link) == ROOT:
        return
    tmp = link + ".%d" % os.getpid()
    os.symlink(ROOT, tmp)
    os.replace(tmp, link)


_link_collection()
if COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # vrpsim
# tests/integration holds harness.py and lab_fixtures.py, tests/unit fake_transport.py: shared by every test directory.
for _shared in (os.path.join(ROOT, "tests", "unit"), os.path.join(ROOT, "tests", "integration")):
    if _shared not in sys.path:
        sys.path.insert(0, _shared)
pytest_plugins = ["lab_fixtures"]
os.environ["ANSIBLE_COLLECTIONS_PATH"] = COLLECTIONS_ROOT
os.environ.setdefault("ANSIBLE_CONFIG", os.path.join(ROOT, "ansible.cfg"))
# Ansible's temp files (ansible-local-PID) and caches in the repository, as the Makefile exports it: pytest run
# directly (not by make) would otherwise create them under ~/.ansible in every process that imports Ansible.
os.environ.setdefault("ANSIBLE_HOME", os.path.join(ROOT, ".ansible"))
os.environ.setdefault("ANSIBLE_REMOTE_TEMP", os.path.join(ROOT, ".ansible", "tmp"))  # a local task's "remote" temp
