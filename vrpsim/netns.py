"""Network-namespace mode (root only): every router looks like its own containerized host.

Each router gets a namespace ``vrpsim-<lab>-<router>`` with ``lo`` up and an ``eth0`` that is one end of
a veth pair; the host end (``vs-<hash>``, interface names are limited to 15 characters) holds ``.1`` and
``eth0`` holds ``.2`` of a /30 from 198.51.100.0/24, then 203.0.113.0/24 (at most 128 routers). The SSH
servers are still the one vrpsim process: ``listen_socket`` creates the listening socket from a thread
that has entered the namespace (a socket stays in the namespace it was created in) and asyncssh serves it.

Everything created is recorded in ``DIR/netns.json`` as soon as it exists, so ``teardown(DIR)`` (lab stop,
``lab down``, ``lab up`` after a crash) removes exactly what this lab made and nothing else.
"""
import contextlib
import ctypes
import fcntl
import hashlib
import ipaddress
import json
import os
import re
import shutil
import socket
import subprocess
import threading
from pathlib import Path

RECORD_FILE = "netns.json"
POOLS = ("198.51.100.0/24", "203.0.113.0/24")   # documentation ranges (DESIGN.md "The lab")
MAX_ROUTERS = sum(ipaddress.ip_network(p).num_addresses // 4 for p in POOLS)
SSH_PORT = 22
# Held while picking free /30s and assigning them, so two labs starting at once do not pick the same ones.
LOCK_FILE = "/run/vrpsim-netns.lock"
CLONE_NEWNET = 0x40000000


class NetnsError(RuntimeError):
    pass


def check_available():
    """Raise NetnsError saying why netns mode cannot run here (before anything is created)."""
    if os.geteuid() != 0:
        raise NetnsError("network-namespace mode needs root (creating namespaces and veths needs CAP_NET_ADMIN"
                         " and CAP_SYS_ADMIN); run as root or drop 'netns'")
    if shutil.which("ip") is None:
        raise NetnsError("network-namespace mode needs the 'ip' command (iproute2); install it"
                         " (apt-get install iproute2) or drop 'netns'")
    probe = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    if probe.returncode != 0:
        raise NetnsError("'ip netns' does not work here: %s" % (probe.stderr.strip() or probe.returncode))


def namespace_name(lab_name, router_name):
    return "vrpsim-%s-%s" % (_safe(lab_name), _safe(router_name))


def host_link_name(namespace):
    # A hash of the (lab-unique) namespace name: short enough for IFNAMSIZ, distinct across labs.
    return "vs-" + hashlib.sha1(namespace.encode()).hexdigest()[:8]


def _safe(name):
    return re.sub(r"[^A-Za-z0-9_.-]", "_", str(name))


def subnets(count, used=()):
    """``count`` free /30s (host .1, router .2) from POOLS, skipping those whose .1 is in ``used``."""
    if count > MAX_ROUTERS:
        raise NetnsError("network-namespace mode supports at most %d routers (/30s of %s); this topology has %d"
                         % (MAX_ROUTERS, " and ".join(POOLS), count))
    used = {str(a) for a in used}
    free = [net for pool in POOLS for net in ipaddress.ip_network(pool).subnets(new_prefix=30)
            if str(net[1]) not in used]
    if len(free) < count:
        raise NetnsError("only %d free /30s left in %s (other netns labs are running); %d needed"
                         % (len(free), " and ".join(POOLS), count))
    return free[:count]


def _ip(*args, check=True):
    try:
        result = subprocess.run(["ip", *args], capture_output=True, text=True)
    except FileNotFoundError:
        raise NetnsError("the 'ip' command (iproute2) is missing") from None
    if check and result.returncode != 0:
        raise NetnsError("ip %s: %s" % (" ".join(args), result.stderr.strip()))
    return result


def _host_ipv4_addresses():
    data = json.loads(_ip("-j", "-4", "addr", "show").stdout or "[]")
    return {info["local"] for link in data for info in link.get("addr_info", ())}


class _Record:
    """``DIR/netns.json``: namespaces and host links this lab created, rewritten after each creation."""

    def __init__(self, state_dir):
        self.path = Path(state_dir) / RECORD_FILE
        self.data = load_record(state_dir)

    def add(self, kind, name):
        self.data[kind].append(name)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=2))
        os.replace(tmp, self.path)


def load_record(state_dir):
    try:
        data = json.loads((Path(state_dir) / RECORD_FILE).read_text())
    except (OSError, ValueError):
        data = {}
    return {"namespaces": list(data.get("namespaces", [])), "host_links": list(data.get("host_links", []))}


def setup(state_dir, lab_name, router_names):
    """Create every router's namespace; returns ``{router: {"namespace", "host_link", "address", ...}}``.

    On any failure the part already created is removed again before the error propagates.
    """
    check_available()
    teardown(state_dir)          # leftovers of a crashed run of this lab
    record = _Record(state_dir)
    plan = {}
    try:
        with open(LOCK_FILE, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            for router, net in zip(router_names, subnets(len(router_names), _host_ipv4_addresses()), strict=False):
                namespace = namespace_name(lab_name, router)
                link = host_link_name(namespace)
                if namespace in _ip("netns", "list").stdout.split():
                    raise NetnsError("namespace %s already exists (a lab named %r is running elsewhere, or a"
                                     " crashed one left it: `ip netns del %s`)" % (namespace, lab_name, namespace))
                _ip("netns", "add", namespace)
                record.add("namespaces", namespace)
                _ip("link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", namespace)
                record.add("host_links", link)
                _ip("addr", "add", "%s/30" % net[1], "dev", link)
                _ip("link", "set", link, "up")
                _ip("-n", namespace, "link", "set", "lo", "up")
                _ip("-n", namespace, "addr", "add", "%s/30" % net[2], "dev", "eth0")
                _ip("-n", namespace, "link", "set", "eth0", "up")
                plan[router] = {"namespace": namespace, "host_link": link, "host_address": str(net[1]),
                                "address": str(net[2])}
    except BaseException:
        teardown(state_dir)
        raise
    return plan


def teardown(state_dir):
    """Delete the namespaces and host links recorded in ``DIR/netns.json`` (missing ones are fine)."""
    record = load_record(state_dir)
    # Deleting the host end removes the pair even while a socket still pins the namespace.
    for link in record["host_links"]:
        _ip("link", "del", link, check=False)
    for namespace in record["namespaces"]:
        _ip("netns", "del", namespace, check=False)
    with contextlib.suppress(FileNotFoundError):
        (Path(state_dir) / RECORD_FILE).unlink()
    return record


def listen_socket(namespace, address, port=SSH_PORT, backlog=100):
    """A listening TCP socket created inside ``namespace``.

    ``setns`` switches only the calling thread, so a fresh thread enters the namespace, makes the socket
    and ends; the event loop's thread never changes namespace.
    """
    result = {}

    def run():
        try:
            with open("/run/netns/" + namespace) as ns:
                _setns(ns.fileno())
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((address, port))
                sock.listen(backlog)
            except BaseException:
                sock.close()
                raise
            result["sock"] = sock
        except BaseException as error:   # re-raised in the caller's thread
            result["error"] = error

    thread = threading.Thread(target=run, name="vrpsim-netns-" + namespace)
    thread.start()
    thread.join()
    if "error" in result:
        raise NetnsError("listening in namespace %s on %s:%d: %s" % (namespace, address, port, result["error"]))
    return result["sock"]


def _setns(fd):
    if hasattr(os, "setns"):            # Python >= 3.12
        os.setns(fd, os.CLONE_NEWNET)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))
