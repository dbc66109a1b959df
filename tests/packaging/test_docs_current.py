"""docs/plugins, docs/roles and docs/reference.md are what scripts/gen_docs.py makes of the current sources."""
import filecmp
import os
import re
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
                          capture_output=True, text=True, check=False)
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


# Pages other engineers write; the README links them ahead of time.
PENDING_PAGES = {"CHANGELOG.rst"}  # written by `antsibull-changelog release` at release time


def test_relative_links_in_readme_and_docs_resolve():
    pages = [os.path.join(ROOT, "README.md")]
    for base, _, names in os.walk(os.path.join(ROOT, "docs")):
        pages += [os.path.join(base, n) for n in names if n.endswith(".md")]
    broken = []
    for page in pages:
        text = open(page).read()
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if re.match(r"^[a-z]+:", target):
                continue  # absolute URL
            target = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", target)  # markdown backslash escapes (gen_docs)
            path = os.path.normpath(os.path.join(os.path.dirname(page), target))
            if not os.path.exists(path) and os.path.relpath(path, ROOT) not in PENDING_PAGES:
                broken.append("%s -> %s" % (os.path.relpath(page, ROOT), target))
    assert len(pages) > 10 and not broken, broken


# Written docs that name the release: the tarball `make build` writes, the EE tag, the Galaxy pin.
RELEASE_NAMED_IN = ("README.md", "docs/getting-started.md", "docs/awx.md", "docs/awx/execution-environment.yml")
RELEASE_MENTION = re.compile(r"netops-vrp-(?:ee:)?(\d+\.\d+\.\d+)|version: (\d+\.\d+\.\d+)")


def test_docs_name_the_galaxy_version():
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        version = re.search(r"^version:\s*(\S+)", handle.read(), re.M).group(1)
    wrong, seen = [], 0
    for name in RELEASE_NAMED_IN:
        with open(os.path.join(ROOT, name)) as handle:
            for number, line in enumerate(handle, 1):
                for match in RELEASE_MENTION.finditer(line):
                    seen += 1
                    if (match.group(1) or match.group(2)) != version:
                        wrong.append("%s:%d: %s" % (name, number, line.strip()))
    assert seen >= 5, "the release is no longer named where this test looks"
    assert not wrong, "galaxy.yml says %s, but:\n%s" % (version, "\n".join(wrong))
