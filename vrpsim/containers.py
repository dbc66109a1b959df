"""Container mode (podman): one container per router, the BGP world in a coordinator on the host.

Design (docs/containers.md): each router runs in its own container (own network namespace, hostname
= router name, SSH on port 22 published on 127.0.0.1) with the unchanged lab engine for ONE router:
SSH server, CLI engine, configuration, faults, control socket. The BGP model spans routers, so it
stays in one process on the host, the coordinator (``ContainerLab``, started by ``lab up
--containers``), and the routers reach it through ``RemoteWorld``, a proxy with ``BgpWorld``'s methods
over a unix socket in a directory bind-mounted into every container. The coordinator also serves the
lab's control socket and forwards each request to the container that owns the router.

State dir layout (host paths; containers see ``routers/R`` as /lab/router, ``transcripts`` as
/lab/router/transcripts and ``coordinator`` as /lab/coordinator):
``coordinator/world.sock``, ``routers/R/{topology.yml,lab.json,control.sock,...}``, ``transcripts/R.jsonl``,
``containers.json`` (names of the containers this lab started, for ``lab down`` after a crash).

The image: ``localhost/vrpsim-router:<content hash>`` built from ``containers/Containerfile``; offline
(``build`` below, ``containers/build.sh``) the base is a debootstrap rootfs imported into podman and the
Python packages come from wheels downloaded on the host. The hash covers vrpsim's sources, the
Containerfile, the rootfs recipe and the pinned dependency versions, so an unchanged tree is not rebuilt.
"""
import argparse
import asyncio
import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import yaml

from vrpsim.errors import CliError
from vrpsim.lab import CONTROL_SOCKET, HOST_KEY_FILE, LAB_FILE, Lab, control_request, load_host_key, serve_lab

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
CONTAINERFILE = REPO_ROOT / "containers" / "Containerfile"
BUILD_DIR = REPO_ROOT / "build" / "containers"
IMAGE_NAME = "localhost/vrpsim-router"
BASE_NAME = "localhost/vrpsim-base"
DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = os.environ.get("VRPSIM_DEBIAN_MIRROR", "http://deb.debian.org/debian")
ROOTFS_PACKAGES = ("python3", "python3-venv")
# Runtime dependencies of vrpsim (pyproject.toml [project] dependencies) at the versions of this venv.
DEPENDENCIES = ("asyncssh", "pyyaml")
RECORD_FILE = "containers.json"
WORLD_SOCKET = "world.sock"
CONTAINER_LAB = "/lab"             # mount points inside a router container
LABEL = "netops.vrp.lab"           # label value: the absolute state dir of the lab
START_TIMEOUT = 90.0
# podman by default; only options podman and Docker share are used (docs/containers.md: Docker is untested)
ENGINE = os.environ.get("VRPSIM_CONTAINER_ENGINE", "podman")


class ContainerError(RuntimeError):
    pass


# ----------------------------------------------------------------------------------------- engine
def podman(*args, check=True, capture=True, timeout=600, input=None):
    """Run the container engine (``ENGINE``: podman, or docker when VRPSIM_CONTAINER_ENGINE says so)."""
    proc = subprocess.run([ENGINE, *args], capture_output=capture, text=True, timeout=timeout, input=input)
    if check and proc.returncode != 0:
        raise ContainerError("%s %s failed (%d): %s" % (ENGINE, " ".join(args[:2]), proc.returncode,
                                                            (proc.stderr or proc.stdout or "").strip()[-1500:]))
    return proc


def check_available():
    """Raise ContainerError saying why containers cannot run here (before anything is created)."""
    if shutil.which(ENGINE) is None:
        raise ContainerError("container mode needs %s; run containers/setup-host.sh as root (apt-get install"
                             " podman runc debootstrap + /etc/containers/containers.conf)" % ENGINE)
    proc = podman("info", check=False, timeout=60)
    if proc.returncode != 0:
        raise ContainerError("%s cannot run here: %s (see docs/containers.md, containers/setup-host.sh)"
                             % (ENGINE, proc.stderr.strip()[-800:] or proc.returncode))


# ----------------------------------------------------------------------------------------- image
def _dependency_pins():
    pins = []
    for name in DEPENDENCIES:
        try:
            pins.append("%s==%s" % (name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            raise ContainerError("%s is not installed in this Python; install the dev venv first" % name) from None
    return pins


def _rootfs_key():
    recipe = json.dumps([DEBIAN_SUITE, DEBIAN_MIRROR, "minbase", sorted(ROOTFS_PACKAGES)])
    return hashlib.sha256(recipe.encode()).hexdigest()[:12]


def image_tag():
    """``localhost/vrpsim-router:<hash>`` of vrpsim's sources, the Containerfile, rootfs recipe and pins."""
    digest = hashlib.sha256()
    sources = sorted(p for p in (REPO_ROOT / "vrpsim").rglob("*")
                     if p.is_file() and "__pycache__" not in p.parts and p.suffix in (".py", ".yml"))
    for path in sources + [CONTAINERFILE]:
        digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(json.dumps([_rootfs_key(), _dependency_pins()]).encode())
    return "%s:%s" % (IMAGE_NAME, digest.hexdigest()[:16])


def image_exists(tag):
    return podman("image", "inspect", "--format", "{{.Id}}", tag, check=False).returncode == 0


def _step(message, started):
    print("containers: %s (%.1f s)" % (message, time.monotonic() - started), file=sys.stderr, flush=True)


def build_base(started):
    """The offline base image: a debootstrap rootfs (tarball cached in build/containers/) imported."""
    key = _rootfs_key()
    tag = "%s:%s" % (BASE_NAME, key)
    if image_exists(tag):
        return tag
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    tarball = BUILD_DIR / ("rootfs-%s-%s.tar" % (DEBIAN_SUITE, key))
    if not tarball.exists():
        if shutil.which("debootstrap") is None:
            raise ContainerError("the offline build needs debootstrap (containers/setup-host.sh)")
        rootfs = BUILD_DIR / ("rootfs-%s.tmp" % key)
        shutil.rmtree(rootfs, ignore_errors=True)
        proc = subprocess.run(["debootstrap", "--variant=minbase", "--include=" + ",".join(ROOTFS_PACKAGES),
                               DEBIAN_SUITE, str(rootfs), DEBIAN_MIRROR], capture_output=True, text=True)
        if proc.returncode != 0:
            raise ContainerError("debootstrap failed: %s" % (proc.stderr or proc.stdout)[-1500:])
        # apt caches are not needed at run time; a smaller tarball imports faster
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for entry in (rootfs / cache).glob("*.deb" if "archives" in cache else "*_*"):
                entry.unlink()
        partial = tarball.with_suffix(".partial")
        subprocess.run(["tar", "-C", str(rootfs), "-cf", str(partial), "."], check=True)
        os.replace(partial, tarball)
        shutil.rmtree(rootfs, ignore_errors=True)
        _step("debootstrap rootfs cached as %s" % tarball.name, started)
    with open(tarball, "rb") as f:
        proc = subprocess.run([ENGINE, "import", "-", tag], stdin=f, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ContainerError("%s import failed: %s" % (ENGINE, proc.stderr[-1500:]))
    _step("base image %s imported" % tag, started)
    return tag


def _build_context(pins, offline):
    """A build context holding vrpsim's sources and (offline) the dependency wheels."""
    context = BUILD_DIR / "context"
    shutil.rmtree(context, ignore_errors=True)
    (context / "wheels").mkdir(parents=True)
    shutil.copytree(REPO_ROOT / "vrpsim", context / "vrpsim", ignore=shutil.ignore_patterns("__pycache__"))
    if offline:
        wheels = BUILD_DIR / ("wheels-" + hashlib.sha256(" ".join(pins).encode()).hexdigest()[:12])
        if not wheels.is_dir():
            partial = wheels.with_suffix(".partial")
            shutil.rmtree(partial, ignore_errors=True)
            # The image runs Debian bookworm's CPython 3.11 on this machine's architecture, like the venv.
            proc = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:",
                                   "--dest", str(partial), *pins], capture_output=True, text=True)
            if proc.returncode != 0:
                raise ContainerError("pip download of %s failed: %s" % (pins, proc.stderr[-1500:]))
            os.replace(partial, wheels)
        for wheel in wheels.iterdir():
            shutil.copy2(wheel, context / "wheels" / wheel.name)
    return context


def build(offline=True, force=False):
    """Build the router image unless it exists; returns (tag, built: bool)."""
    started = time.monotonic()
    tag = image_tag()
    if not force and image_exists(tag):
        _step("%s is up to date" % tag, started)
        return tag, False
    check_available()
    pins = _dependency_pins()
    base = build_base(started) if offline else "docker.io/library/debian:bookworm-slim"
    context = _build_context(pins, offline)
    pip_options = "--no-index --find-links /tmp/wheels" if offline else ""
    podman("build", "--file", str(CONTAINERFILE), "--tag", tag, "--build-arg", "BASE=" + base,
           "--build-arg", "PIP_OPTIONS=" + pip_options, "--build-arg", "REQUIREMENTS=" + " ".join(pins),
           "--label", "netops.vrp.image=vrpsim-router", str(context), timeout=900)
    shutil.rmtree(context, ignore_errors=True)
    _step("built %s" % tag, started)
    prune_images(keep=tag)
    return tag, True


def prune_images(keep):
    """Remove router images of older trees; one still used by a running lab stays (rmi refuses it)."""
    listed = podman("images", "--format", "{{.Repository}}:{{.Tag}}", IMAGE_NAME, check=False)
    old = [tag for tag in listed.stdout.split() if tag != keep and tag.startswith(IMAGE_NAME + ":")]
    for tag in old:
        podman("rmi", tag, check=False)


# ----------------------------------------------------------------------------------------- BGP world RPC
WORLD_METHODS = ("apply_config", "refresh", "reset", "display", "fault_peer_stuck", "clear_faults", "dump")


class RemoteWorld:
    """``BgpWorld``'s interface (internals.md "Engine vs BGP model") over the coordinator's unix socket.

    Calls are synchronous like the in-process world's: a router container serves one router, so a
    round trip (well under a millisecond) blocking its loop is what the in-process lab does anyway.
    """

    def __init__(self, path, timeout=30.0):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(self.path)
        self.reader = self.sock.makefile("rb")

    def _call(self, method, *args):
        self.sock.sendall((json.dumps({"method": method, "args": list(args)}) + "\n").encode())
        line = self.reader.readline()
        if not line:
            raise ContainerError("the lab coordinator closed the BGP world socket")
        reply = json.loads(line)
        if "cli_error" in reply:
            err = reply["cli_error"]
            raise CliError(err["kind"], err["token_index"], err["text"])
        if "error" in reply:
            raise ContainerError("BGP world: %s" % reply["error"])
        return reply["result"]

    def __getattr__(self, name):
        if name not in WORLD_METHODS:
            raise AttributeError(name)
        return lambda *args: self._call(name, *args)


async def serve_world(world, path):
    """The coordinator side of ``RemoteWorld``: one JSON line per call, answered in order."""
    async def handle(reader, writer):
        try:
            while line := await reader.readline():
                request = json.loads(line)
                try:
                    if request.get("method") not in WORLD_METHODS:
                        raise ValueError("unknown method %r" % request.get("method"))
                    reply = {"result": getattr(world, request["method"])(*request.get("args", []))}
                except CliError as error:
                    reply = {"cli_error": {"kind": error.kind, "token_index": error.token_index,
                                           "text": error.text}}
                except Exception as error:   # a bad call must not stop the lab
                    log.exception("BGP world call %s failed", request.get("method"))
                    reply = {"error": "%s: %s" % (type(error).__name__, error)}
                writer.write((json.dumps(reply) + "\n").encode())
                await writer.drain()
        finally:
            writer.close()
    if os.path.exists(path):
        os.unlink(path)
    return await asyncio.start_unix_server(handle, str(path))


# ----------------------------------------------------------------------------------------- coordinator
def container_name(state_dir, router):
    suffix = hashlib.sha1(str(Path(state_dir).resolve()).encode()).hexdigest()[:8]
    return "vrpsim-%s-%s" % (suffix, "".join(c if c.isalnum() or c in "_.-" else "-" for c in router))


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _router_request(router_dir, op, args):
    """One request to a router container's own control socket (``routers/R/control.sock``)."""
    return control_request(router_dir, op, args)


class ContainerLab(Lab):
    """The host side of a containerized lab: BGP world, containers, control socket, inventory."""

    def __init__(self, topology, state_dir, image=None, **kwargs):
        super().__init__(topology, state_dir, **kwargs)
        self.state_dir = Path(state_dir).resolve()
        self.image = image
        self.logins = {}
        self.containers = {}
        self._world_server = None

    def router_dir(self, name):
        return self.state_dir / "routers" / name

    async def start(self):
        self.loop = asyncio.get_running_loop()
        if not self.image:
            self.image = await asyncio.to_thread(lambda: build()[0])
        (self.state_dir / "transcripts").mkdir(parents=True, exist_ok=True)
        (self.state_dir / "coordinator").mkdir(parents=True, exist_ok=True)
        load_host_key(self.state_dir)      # one host key for the lab, copied to every router
        self.world = self.world_factory(self.topology)
        self._world_server = await serve_world(self.world, self.state_dir / "coordinator" / WORLD_SOCKET)
        defaults = self.topology.get("defaults") or {}
        base_port = int(self.topology.get("base_port") or 0)
        for index, spec in enumerate(self.topology["routers"]):
            name = spec["name"]
            port = int(spec.get("port") or (base_port + index if base_port else 0)) or _free_port()
            self.logins[name] = {"host": "127.0.0.1", "port": port,
                                 "username": spec.get("username", defaults.get("username", "admin")),
                                 "password": str(spec.get("password", defaults.get("password", "Admin@123")))}
            self._prepare_router_dir(spec)
        self.containers = {name: container_name(self.state_dir, name) for name in self.logins}
        self._record_containers()          # before any exists: lab down finds them even if we die now
        # the podman runs are independent (about 0.7 s each here), so they run concurrently
        await asyncio.gather(*(asyncio.to_thread(self._run_container, spec["name"])
                               for spec in self.topology["routers"]))
        await asyncio.to_thread(self._wait_routers)
        await self._publish()

    def _prepare_router_dir(self, spec):
        """The router's topology role: this router only, listening on port 22 of the container."""
        directory = self.router_dir(spec["name"])
        directory.mkdir(parents=True, exist_ok=True)
        for stale in (LAB_FILE, CONTROL_SOCKET):
            (directory / stale).unlink(missing_ok=True)
        own = {k: v for k, v in self.topology.items() if k not in ("routers", "netns", "base_port")}
        own["routers"] = [dict(spec, host="0.0.0.0", port=22)]
        (directory / "topology.yml").write_text(yaml.safe_dump(own, sort_keys=False))
        shutil.copy2(self.state_dir / HOST_KEY_FILE, directory / HOST_KEY_FILE)

    def _run_container(self, name):
        cname = self.containers[name]
        podman("rm", "--force", cname, check=False)
        router = "%s/router" % CONTAINER_LAB
        podman("run", "--detach", "--pull", "never", "--name", cname, "--hostname", name,
               "--label", "%s=%s" % (LABEL, self.state_dir),
               "--publish", "127.0.0.1:%d:22" % self.logins[name]["port"],
               "--volume", "%s:%s" % (self.router_dir(name), router),
               "--volume", "%s:%s/transcripts" % (self.state_dir / "transcripts", router),
               "--volume", "%s:%s/coordinator" % (self.state_dir / "coordinator", CONTAINER_LAB),
               self.image, "/opt/vrpsim/bin/python", "-m", "vrpsim.containers", "router",
               "--state-dir", router, "--world-socket", "%s/coordinator/%s" % (CONTAINER_LAB, WORLD_SOCKET),
               timeout=120)

    def _record_containers(self):
        (self.state_dir / RECORD_FILE).write_text(json.dumps({"containers": self.containers}, indent=2))

    def _wait_routers(self):
        """Every router wrote its lab.json (it listens) and answers SSH on the published port."""
        deadline = time.monotonic() + START_TIMEOUT
        pending = set(self.logins)
        while pending:
            for name in sorted(pending):
                if (self.router_dir(name) / LAB_FILE).exists() and _ssh_banner(self.logins[name]["port"]):
                    pending.discard(name)
            if not pending:
                break
            for name in pending:
                state = podman("inspect", "--format", "{{.State.Status}}", self.containers[name], check=False)
                if state.stdout.strip() in ("exited", "stopped"):
                    logs = podman("logs", "--tail", "30", self.containers[name], check=False)
                    raise ContainerError("router %s: container exited:\n%s%s" % (name, logs.stdout, logs.stderr))
            if time.monotonic() > deadline:
                raise ContainerError("routers %s not up within %.0f s" % (sorted(pending), START_TIMEOUT))
            time.sleep(0.1)

    async def stop(self):
        if self._control is not None:
            self._control.close()
            self.control_path.unlink(missing_ok=True)
        await asyncio.to_thread(teardown, self.state_dir)
        if self._world_server is not None:
            self._world_server.close()

    def router_logins(self):
        return {name: dict(login) for name, login in self.logins.items()}

    async def _control_call(self, op, args):
        """In a thread: a router answering the request may call back into the BGP world, which this loop
        serves (a blocking call here would deadlock)."""
        return await asyncio.to_thread(self.control, op, args)

    def control(self, op, args=None):
        """The lab's control ops, answered by the container that owns the router."""
        args = args or {}
        if op in ("status", "reset_transcripts") or (op == "clear_faults" and not args.get("router")):
            results = {name: _router_request(self.router_dir(name), op, args)
                       for name in self.logins}
            if op != "status":
                return {}
            routers = {}
            for name, status in results.items():
                routers[name] = dict(status["routers"][name], **self.logins[name], container=self.containers[name])
            return {"pid": os.getpid(), "topology": self.topology["name"], "image": self.image,
                    "faults": [f for status in results.values() for f in status["faults"]], "routers": routers}
        name = args.get("router")
        if name not in self.logins:
            raise ValueError("unknown router %r" % name)
        return _router_request(self.router_dir(name), op, args)


def _ssh_banner(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
            return sock.recv(16).startswith(b"SSH-")
    except OSError:
        return False


def teardown(state_dir):
    """Remove the containers this lab started (from containers.json and by label); idempotent."""
    state_dir = Path(state_dir).resolve()
    record = state_dir / RECORD_FILE
    if shutil.which(ENGINE) is None:
        return
    names = set()
    if record.exists():
        names.update(json.loads(record.read_text()).get("containers", {}).values())
    labelled = podman("ps", "--all", "--quiet", "--filter", "label=%s=%s" % (LABEL, state_dir), check=False)
    names.update(labelled.stdout.split())
    if names:
        podman("rm", "--force", *sorted(names), check=False, timeout=120)
    record.unlink(missing_ok=True)


# ----------------------------------------------------------------------------------------- in the container
def run_router(state_dir, world_socket):
    """Entry point inside a router container: the lab engine for one router, BGP via the coordinator."""
    topology = str(Path(state_dir) / "topology.yml")
    world = RemoteWorld(world_socket)

    def one_router_lab(topology, state_dir, **kwargs):
        return Lab(topology, state_dir, world_factory=lambda _: world, **kwargs)
    asyncio.run(serve_lab(topology, Path(state_dir), lab_factory=one_router_lab))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m vrpsim.containers")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the router image unless it is up to date")
    b.add_argument("--online", action="store_true", help="base image and packages from registries")
    b.add_argument("--force", action="store_true")
    sub.add_parser("tag", help="print the image tag of this tree")
    r = sub.add_parser("router", help="(inside a container) serve one router")
    r.add_argument("--state-dir", required=True)
    r.add_argument("--world-socket", required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            tag, _ = build(offline=not args.online, force=args.force)
            print(tag)
        elif args.command == "tag":
            print(image_tag())
        else:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
            run_router(args.state_dir, args.world_socket)
    except ContainerError as error:
        raise SystemExit("vrpsim containers: %s" % error) from error


if __name__ == "__main__":
    main()
