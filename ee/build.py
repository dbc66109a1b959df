#!/usr/bin/env python3
"""`make ee`: build the netops.vrp execution environment image offline, unless it is up to date.

    .venv/bin/python ee/build.py [--force] [--tarball build/netops-vrp-X.tar.gz]

Prints the image tag (``localhost/netops-vrp-ee:<content hash>``, also tagged ``:latest``) on stdout and
timed steps on stderr. The hash covers ee/execution-environment.yml, this script, the collection's
content (MANIFEST.json + FILES.json of the tarball: file checksums, no timestamps), the wheel files and
the base image recipe, so a rebuild with nothing changed is one ``podman image inspect``.

Steps (why: ../shared/toolchain-notes.md, "Execution environment image offline"):
1. base: the Debian bookworm debootstrap rootfs imported into podman that the vrpsim router image uses
   (``vrpsim.containers.build_base``: one home for the offline base; cached in build/containers/);
2. wheelhouse: ``pip download`` on the host (pip inside a build container cannot verify TLS to the index
   here) of the dev venv's ansible-core, ansible-runner, netmiko, jmespath and the builder's own tools;
   cached in build/ee/wheels-<hash of the pins>;
3. ``ansible-builder build`` of ee/execution-environment.yml with podman (``--network host``: apt-get
   fetches the collection's run-time system packages from the Debian mirror).
Everything is written under build/ and into the container store.
"""
import argparse
import glob
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from vrpsim.containers import ContainerError, build_base, check_available, image_exists, podman  # noqa: E402

BIN = os.path.dirname(sys.executable)
DEFINITION = os.path.join(ROOT, "ee", "execution-environment.yml")
BUILD_DIR = os.path.join(ROOT, "build", "ee")
INPUT_DIR = os.path.join(BUILD_DIR, "input")       # additional_build_files of the definition
IMAGE_NAME = "localhost/netops-vrp-ee"
# Pinned at the dev venv's versions, so the image runs what the tests run on the host.
PINNED = ("ansible-core", "ansible-runner", "netmiko", "jmespath")
# What ansible-builder's own steps install inside the image (builder stage, final stage).
BUILD_LABEL = "netops.vrp.ee-build=1"   # on the image and the build's stage images (pruned after a build)
TOOLS = ("bindep", "pyyaml", "packaging", "dumb-init==1.2.5", "setuptools", "wheel", "pip")


def step(message, started):
    print("ee: %s (%.1f s)" % (message, time.monotonic() - started), file=sys.stderr, flush=True)


def pins():
    out = []
    for name in PINNED:
        try:
            out.append("%s==%s" % (name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            sys.exit("ee: %s is not installed in %s; run `make setup` first" % (name, sys.executable))
    return out + list(TOOLS)


def wheelhouse(requirements):
    """Directory of wheels for ``requirements`` (downloaded once per pin list)."""
    key = hashlib.sha256(" ".join(requirements).encode()).hexdigest()[:12]
    path = os.path.join(BUILD_DIR, "wheels-" + key)
    if not os.path.isdir(path):
        partial = path + ".partial"
        shutil.rmtree(partial, ignore_errors=True)
        # The image runs Debian bookworm's CPython 3.11 on this machine's architecture, like the venv.
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:",
                               "--dest", partial] + requirements, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise ContainerError("pip download failed: %s" % (proc.stderr or proc.stdout)[-1500:])
        os.replace(partial, path)
    return path


def default_tarball():
    found = glob.glob(os.path.join(ROOT, "build", "netops-vrp-*.tar.gz"))
    if len(found) != 1:
        sys.exit("ee: expected one collection tarball in build/ (run `make build`), found %d" % len(found))
    return found[0]


def collection_identity(tarball):
    """MANIFEST.json + FILES.json: the collection's version and every file's checksum (no mtimes)."""
    with tarfile.open(tarball) as tar:
        return tar.extractfile("MANIFEST.json").read() + tar.extractfile("FILES.json").read()


def image_tag(tarball, wheels, base):
    digest = hashlib.sha256()
    for path in (DEFINITION, os.path.abspath(__file__)):
        with open(path, "rb") as handle:
            digest.update(handle.read())
    digest.update(collection_identity(tarball))
    digest.update(json.dumps([sorted(os.listdir(wheels)), base]).encode())
    return "%s:%s" % (IMAGE_NAME, digest.hexdigest()[:16])


def fill_input(tarball, wheels):
    shutil.rmtree(INPUT_DIR, ignore_errors=True)
    os.makedirs(os.path.join(INPUT_DIR, "collections"))
    shutil.copy2(tarball, os.path.join(INPUT_DIR, "collections", "netops-vrp.tar.gz"))
    shutil.copytree(wheels, os.path.join(INPUT_DIR, "wheels"), copy_function=os.link)


def prune(keep):
    """Remove EE images of older trees and this build's untagged stage images (ours only: by label)."""
    listed = podman("images", "--format", "{{.Repository}}:{{.Tag}}", IMAGE_NAME, check=False).stdout.split()
    for tag in listed:
        if tag not in (keep, IMAGE_NAME + ":latest"):
            podman("rmi", tag, check=False)
    stages = podman("images", "--quiet", "--filter", "dangling=true", "--filter", "label=" + BUILD_LABEL,
                    check=False).stdout.split()
    if stages:
        podman("rmi", *stages, check=False)


def build(tarball, force=False, no_cache=False):
    """Build the image unless it exists (``force``: even then; ``no_cache``: no layer reused); returns
    (tag, built)."""
    started = time.monotonic()
    check_available()
    base = build_base(started)
    wheels = wheelhouse(pins())
    tag = image_tag(tarball, wheels, base)
    if not force and image_exists(tag):
        podman("tag", tag, IMAGE_NAME + ":latest")
        step("%s is up to date" % tag, started)
        return tag, False
    fill_input(tarball, wheels)
    context = os.path.join(BUILD_DIR, "context")
    shutil.rmtree(context, ignore_errors=True)
    proc = subprocess.run([os.path.join(BIN, "ansible-builder"), "build", "--file", DEFINITION,
                           "--context", context, "--tag", tag, "--tag", IMAGE_NAME + ":latest",
                           "--container-runtime", "podman", "--build-arg", "EE_BASE_IMAGE=" + base,
                           "--extra-build-cli-args", "--network host --label " + BUILD_LABEL, "--verbosity", "2"]
                          + (["--no-cache"] if no_cache else []),
                          cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    if proc.returncode != 0:
        raise ContainerError("ansible-builder build failed:\n%s" % (proc.stdout + proc.stderr)[-4000:])
    shutil.rmtree(INPUT_DIR, ignore_errors=True)
    step("built %s" % tag, started)
    prune(keep=tag)
    return tag, True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if the image is up to date")
    parser.add_argument("--no-cache", action="store_true", help="with --force: reuse no image layer (a cold build)")
    parser.add_argument("--tarball", help="collection tarball (default: the one in build/)")
    args = parser.parse_args(argv)
    try:
        tag = build(args.tarball or default_tarball(), force=args.force, no_cache=args.no_cache)[0]
    except ContainerError as exc:
        sys.exit("ee: %s" % exc)
    print(tag)


if __name__ == "__main__":
    main()
