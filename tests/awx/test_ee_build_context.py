"""The example execution environment (docs/awx/execution-environment.yml) yields a complete build context.

``ansible-builder create`` writes the Containerfile and ``_build/`` without a container engine. That
example's base image needs a registry, which this machine does not have (the offline image `make ee`
builds is built and run by test_ee.py); here the introspection step of the example's image build
(``ansible-builder introspect`` over the installed collection, which is what the builder stage runs) is
run on the same tarball, so the Python and system requirements the image would get are checked too.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml
from awx_support import galaxy

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
EE_FILE = os.path.join(ROOT, "docs", "awx", "execution-environment.yml")
VERSION = yaml.safe_load(open(os.path.join(ROOT, "galaxy.yml")))["version"]
TARBALL_NAME = "netops-vrp-%s.tar.gz" % VERSION


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """docs/awx/execution-environment.yml and a freshly built build/<tarball>, laid out as in the repo."""
    base = tmp_path_factory.mktemp("ee")
    (base / "docs" / "awx").mkdir(parents=True)
    shutil.copy(EE_FILE, base / "docs" / "awx")
    galaxy(["collection", "build", "--output-path", str(base / "build"), ROOT])
    assert (base / "build" / TARBALL_NAME).is_file()
    return base


@pytest.fixture(scope="module")
def context(workspace):
    out = workspace / "context"
    proc = subprocess.run([os.path.join(BIN, "ansible-builder"), "create", "--file", "execution-environment.yml",
                           "--context", str(out), "--output-filename", "Containerfile"],
                          cwd=str(workspace / "docs" / "awx"), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@pytest.fixture(scope="module")
def introspected(context, tmp_path_factory):
    """What the image's builder stage computes: pip and bindep requirements of the installed collections."""
    base = tmp_path_factory.mktemp("introspect")
    # Only the destination counts, so a netops.vrp installed elsewhere cannot make the install a no-op.
    env = {k: v for k, v in os.environ.items() if k != "ANSIBLE_CONFIG"}
    env["ANSIBLE_COLLECTIONS_PATH"] = str(base / "collections")
    galaxy(["collection", "install", "-p", str(base / "collections"),
            str(context / "_build" / "collections" / TARBALL_NAME)], env=env, cwd=str(base))
    pip_out, bindep_out = base / "requirements.txt", base / "bindep.txt"
    proc = subprocess.run([os.path.join(BIN, "ansible-builder"), "introspect", str(base / "collections"),
                           "--user-bindep", str(context / "_build" / "bindep.txt"),
                           "--write-pip", str(pip_out), "--write-bindep", str(bindep_out)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return pip_out.read_text(), bindep_out.read_text()


def test_containerfile_installs_ansible_core_in_the_supported_range(context):
    containerfile = (context / "Containerfile").read_text()
    assert re.search(r'^ARG EE_BASE_IMAGE="\S+"', containerfile, re.M), containerfile[:400]
    refs = re.search(r'^ARG ANSIBLE_INSTALL_REFS="([^"]*)"', containerfile, re.M).group(1)
    core = re.search(r"ansible-core(\S*)", refs).group(1)
    requires = yaml.safe_load(open(os.path.join(ROOT, "meta", "runtime.yml")))["requires_ansible"]
    # The image's lower bound is the collection's (meta/runtime.yml) and there is an upper bound.
    assert requires in core.split(","), (core, requires)
    assert "<" in core, core
    assert "ansible-runner" in refs  # AWX runs jobs through ansible-runner inside the EE


def test_context_carries_the_collection_tarball_and_installs_it(context):
    tarball = context / "_build" / "collections" / TARBALL_NAME
    with tarfile.open(tarball) as tar:
        manifest = json.load(tar.extractfile("MANIFEST.json"))["collection_info"]
    assert (manifest["namespace"], manifest["name"], manifest["version"]) == ("netops", "vrp", VERSION)
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert requirements["collections"] == [{"name": "/build/collections/" + TARBALL_NAME, "type": "file"}]
    containerfile = (context / "Containerfile").read_text()
    galaxy_stage = containerfile.split("FROM base AS galaxy", 1)[1].split("FROM base AS builder", 1)[0]
    # _build/ (with the tarball) is in /build before ansible-galaxy installs requirements.yml from there.
    assert galaxy_stage.index("COPY _build /build") < galaxy_stage.index("ansible-galaxy collection install")


def test_introspection_finds_the_collection_python_requirements(introspected):
    pip = introspected[0]
    wanted = [line for line in open(os.path.join(ROOT, "requirements.txt")).read().splitlines()
              if line and not line.startswith("#")]
    names = {re.split(r"[<>=!~ ]", w, maxsplit=1)[0] for w in wanted}
    assert {"netmiko", "jmespath"} <= names
    for requirement in wanted:
        assert re.search(r"^%s\s*#\s*from collection netops\.vrp" % re.escape(requirement), pip, re.M), (requirement, pip)


def test_introspection_finds_system_packages_for_rpm_and_debian_images(introspected):
    bindep = introspected[1]
    entries = [line for line in bindep.splitlines() if line.strip()]

    def packages(platform, compile_only):
        return {line.split()[0] for line in entries if "from collection netops.vrp" in line
                and "platform:%s" % platform in line and ("compile" in line) == compile_only}

    for platform in ("rpm", "dpkg"):
        # A compiler and headers where a wheel is missing; the SSH agent tools at run time.
        assert {"gcc"} <= packages(platform, True), (platform, bindep)
        assert len(packages(platform, True)) >= 4, (platform, bindep)
        assert packages(platform, False), (platform, bindep)
    assert any(line.startswith("python3.11-devel") for line in entries), bindep  # from the EE file itself
