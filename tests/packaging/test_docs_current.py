"""docs/plugins, docs/roles and docs/reference.md are what scripts/gen_docs.py makes of the current sources."""
import filecmp
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GENERATED_DIRS = ("plugins", "roles")
GENERATED_FILES = ("reference.md",)


def generated_files(base):
    found = {name for name in GENERATED_FILES if os.path.exists(os.path.join(base, name))}
    for folder in GENERATED_DIRS:
        path = os.path.join(base, folder)
        if os.path.isdir(path):
            found |= {os.path.join(folder, name) for name in os.listdir(path)}
    return found


def test_generated_docs_are_current(tmp_path):
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen_docs.py"), "--output", str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    fresh = generated_files(str(tmp_path))
    committed = generated_files(os.path.join(ROOT, "docs"))
    assert len(fresh) > 10, fresh
    stale = sorted(name for name in fresh & committed
                   if not filecmp.cmp(os.path.join(tmp_path, name), os.path.join(ROOT, "docs", name), shallow=False))
    problems = ["missing: docs/%s" % n for n in sorted(fresh - committed)]
    problems += ["no longer generated: docs/%s" % n for n in sorted(committed - fresh)]
    problems += ["out of date: docs/%s" % n for n in stale]
    assert not problems, "docs/ is stale, run `make docs`:\n" + "\n".join(problems)
