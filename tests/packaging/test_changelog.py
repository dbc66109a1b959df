"""The changelog fragments are valid and make a release: ``antsibull-changelog lint`` and a trial release.

The real ``antsibull-changelog release`` is run once, by the maintainer, when every fragment is in; here it
runs on a copy so the fragments in the repository stay.
"""
import os
import shutil
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
CHANGELOG = os.path.join(BIN, "antsibull-changelog")


def run(args, cwd):
    # ansible-doc (from the venv) is how antsibull-changelog finds the plugins new in a release.
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    return subprocess.run([CHANGELOG] + args, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_fragments_lint_clean():
    proc = run(["lint"], ROOT)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


def test_trial_release_lists_every_plugin(tmp_path):
    copy = tmp_path / "vrp"
    for part in ("changelogs", "plugins", "roles", "meta"):
        shutil.copytree(os.path.join(ROOT, part), copy / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(os.path.join(ROOT, "galaxy.yml"), copy)
    version = yaml.safe_load(open(os.path.join(ROOT, "galaxy.yml")))["version"]
    released = version in (yaml.safe_load(open(os.path.join(ROOT, "changelogs", "changelog.yaml"))).get("releases") or {})

    # Before the release: make it on the copy. After it: regenerate, and the committed file must match.
    proc = run(["generate"] if released else ["release", "--version", version], str(copy))

    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = (copy / "CHANGELOG.rst").read_text()
    assert "v%s" % version in text and "Release Summary" in text
    modules = sorted(n[:-3] for n in os.listdir(os.path.join(ROOT, "plugins", "modules")) if n.endswith(".py"))
    new_modules = text.split("New Modules", 1)[1]
    for module in modules:
        assert "netops.vrp.%s - " % module in new_modules, module
    assert "netops.vrp.netmiko - " in text
    release = yaml.safe_load((copy / "changelogs" / "changelog.yaml").read_text())["releases"][version]
    assert release["changes"]["minor_changes"], release
    if released:
        assert open(os.path.join(ROOT, "CHANGELOG.rst")).read() == text, "CHANGELOG.rst is stale: antsibull-changelog generate"
