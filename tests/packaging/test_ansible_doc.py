"""``ansible-doc`` lists every plugin the collection ships and renders each one without a warning."""
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
COLLECTION = "netops.vrp"


def plugin_files(kind):
    """Plugin names of one kind from the files (filters: the documented ones, .yml next to the .py)."""
    folder = os.path.join(ROOT, "plugins", kind)
    suffix = ".yml" if kind == "filter" else ".py"
    return sorted(os.path.splitext(n)[0] for n in os.listdir(folder) if n.endswith(suffix) and not n.startswith("_"))


PLUGINS = [(kind, name) for kind in ("module", "filter", "connection")
           for name in plugin_files({"module": "modules"}.get(kind, kind))]
ROLES = sorted(os.listdir(os.path.join(ROOT, "roles")))


def ansible_doc(*args):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")  # root conftest: working tree
    return subprocess.run([os.path.join(BIN, "ansible-doc")] + list(args), capture_output=True, text=True, env=env)


@pytest.mark.parametrize("kind", ["module", "filter", "connection", "role"])
def test_list_shows_every_plugin(kind):
    proc = ansible_doc("-t", kind, "-l", COLLECTION, "--json")
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr
    listed = sorted(name.split(".")[-1] for name in json.loads(proc.stdout))
    expected = ROLES if kind == "role" else [name for k, name in PLUGINS if k == kind]
    assert expected and listed == expected


def test_module_list_is_the_action_group():
    runtime = yaml.safe_load(open(os.path.join(ROOT, "meta", "runtime.yml")))
    assert sorted(runtime["action_groups"]["vrp"]) == [name for kind, name in PLUGINS if kind == "module"]
    proc = ansible_doc("-l", COLLECTION)  # the plain form an operator types
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr
    assert sorted(line.split()[0] for line in proc.stdout.splitlines() if line.strip()) == \
        ["%s.%s" % (COLLECTION, n) for n in sorted(runtime["action_groups"]["vrp"])]


@pytest.mark.parametrize("kind,name", PLUGINS + [("role", r) for r in ROLES])
def test_renders_without_warnings(kind, name):
    proc = ansible_doc("-t", kind, "%s.%s" % (COLLECTION, name))
    assert proc.returncode == 0, proc.stderr
    assert not proc.stderr.strip(), proc.stderr
    assert "%s.%s" % (COLLECTION, name) in proc.stdout
    # Every page shows its options (a role: those of its entry point), and modules their examples.
    text = proc.stdout.lower()
    assert "options" in text, proc.stdout[:500]
    if kind == "role":
        assert re.search(r"entry point: \*?main\b", text), proc.stdout[:500]
    if kind == "module":
        assert "examples:" in text, proc.stdout[:500]
