# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Worker side of the session keeper: ``KeeperTransport``, the Transport every action plugin uses.

One SSH session per router per ansible-playbook run, all kept by ONE background process per run
(plugin_utils/keeper_server.py; its protocol is described there). This side is stdlib only, no
netmiko or paramiko import, so a task costs a unix-socket round trip per command and nothing else.

Lifecycle
- Key = (ansible-playbook pid = the worker's parent, its start time). Socket
  ``<dir>/keeper-<sha>.sock`` (0600) in ``$NETOPS_VRP_KEEPER_DIR``, else
  ``$XDG_RUNTIME_DIR/netops-vrp``, else ``$ANSIBLE_HOME/tmp/netops-vrp`` (``~/.ansible``) (0700, must be ours; the
  directory is per user, so the key need not name the user). ``keeper-<sha>.lock`` (flock) is held
  around "connect to the socket -> else spawn -> wait for ready", so 20 forks whose first tasks
  arrive at once start exactly one keeper; a socket that refuses connections (crashed keeper) is
  unlinked and replaced.
- The spawner starts ``python keeper_server.py --serve`` with ``start_new_session`` and writes its
  lifecycle settings (owner pid, idle timeout, paths; no credentials) to its stdin pipe; the keeper
  binds the socket and answers one line ``{"ok": true, "pid": N}`` on stdout.
- Credentials: the socket replaces the pipe that carried them to the old per-router keeper and is
  treated exactly like it: 0600 in a 0700 directory owned by the user, so only this user's processes
  can connect. A host's settings *including the password* travel over it only with the first request
  for that host (the keeper answers ``need_settings`` when it does not know the host), live only in
  the keeper's memory, and never reach argv, the environment or disk.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import fcntl
import hashlib
import json
import os
import select
import socket
import subprocess
import sys

from ansible_collections.netops.vrp.plugins.module_utils.transport import (
    Reply,
    Transport,
    VrpConnectionError,
    VrpError,
    VrpTimeout,
    error_from_dict,
)

DEFAULTS = dict(port=22, connect_timeout=30, command_timeout=60, idle_timeout=600)
_SPAWN_TIMEOUT = 30   # seconds to wait for a new keeper's ready line
# the keeper process runs this file of the same collection as a script
SERVER_SCRIPT = os.path.join(os.path.dirname(os.path.realpath(__file__)), "keeper_server.py")


# ---------------------------------------------------------------------------------------------------
# paths and identity
# ---------------------------------------------------------------------------------------------------
def runtime_dir():
    """The 0700 directory holding keeper sockets; created if needed, refused if not ours.

    ``$NETOPS_VRP_KEEPER_DIR`` overrides, then ``$XDG_RUNTIME_DIR/netops-vrp``, then
    ``$ANSIBLE_HOME/tmp/netops-vrp`` (``~/.ansible`` when unset, as for Ansible itself).
    """
    base = os.environ.get("XDG_RUNTIME_DIR")
    if os.environ.get("NETOPS_VRP_KEEPER_DIR"):  # tests and unusual hosts
        path = os.environ["NETOPS_VRP_KEEPER_DIR"]
    elif base and os.path.isdir(base) and os.access(base, os.W_OK):
        path = os.path.join(base, "netops-vrp")
    else:
        path = os.path.join(os.path.expanduser(os.environ.get("ANSIBLE_HOME") or "~/.ansible"), "tmp", "netops-vrp")
    try:
        os.makedirs(path, mode=0o700)
    except OSError as exc:
        if exc.errno != errno.EEXIST:
            raise
    st = os.lstat(path)
    if st.st_uid != os.getuid() or not os.path.isdir(path) or os.path.islink(path):
        raise VrpConnectionError("keeper", "session keeper",
                                 "%s is not a directory owned by this user" % path, reason="closed")
    if st.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def keeper_key(owner_pid, owner_start=None):
    """File name stem of the keeper of one ansible-playbook run (pid + start time: pids get reused)."""
    raw = "%s|%s" % (owner_pid, owner_start if owner_start is not None else "")
    return "keeper-" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:20]


def session_key(host, port, username, session_name=""):
    """Which router session a task wants inside the keeper (``session_name``: a second login to the same router)."""
    return "%s|%s|%s|%s" % (host, int(port or 22), username or "", session_name or "")


def process_start_time(pid):
    """Start time of ``pid`` (clock ticks since boot) from /proc, or None when unknown."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as handle:
            data = handle.read().decode("ascii", "replace")
        return int(data.rsplit(")", 1)[1].split()[19])
    except (OSError, IOError, ValueError, IndexError):
        return None


def process_alive(pid, start_time=None):
    try:
        os.kill(pid, 0)
    except OSError as exc:
        if exc.errno == errno.ESRCH:
            return False
    if start_time is not None:
        current = process_start_time(pid)
        if current is not None and current != start_time:
            return False  # the pid was reused
    return True


def _lock_file(path):
    """flock ``path`` exclusively; returns the fd. Retries when the file was replaced meanwhile.

    The keeper unlinks the lock file at exit (while holding it), so a waiter can end up holding a
    deleted inode; it then starts over on the current file.
    """
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                os.close(fd)
                raise
        os.close(fd)


def _unlock_file(fd):
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------------------------------
# the client
# ---------------------------------------------------------------------------------------------------
class _KeeperGone(Exception):
    """The keeper closed the connection or refused it (it is exiting or died): retry once."""


class KeeperTransport(Transport):
    """Transport to one router through the session keeper of this ansible-playbook run.

    Nothing happens until the first ``send`` (or ``connect``): then the keeper is found or started
    and the router session attached (this is where connection errors surface). ``close()`` ends
    this task's use; the SSH session stays for the next task. ``logout()`` ends this router's
    session; ``shutdown()`` stops the whole keeper (every router logs out).
    """

    def __init__(self, host, port=22, username=None, password=None, private_key_file=None,
                 use_ssh_agent=True, host_key_checking=False, known_hosts_file=None, connect_timeout=30,
                 command_timeout=60, idle_timeout=600, session_log=None, name=None, owner_pid=None,
                 socket_dir=None, session_name=""):
        self.address = host
        self.port = int(port or 22)
        self.username = username
        self.host = name or host
        self.connect_timeout = float(connect_timeout or DEFAULTS["connect_timeout"])
        self.command_timeout = float(command_timeout or DEFAULTS["command_timeout"])
        self.idle_timeout = float(idle_timeout if idle_timeout is not None else DEFAULTS["idle_timeout"])
        self.owner_pid = int(owner_pid or os.getppid())
        self.owner_start = process_start_time(self.owner_pid)
        self._session = dict(host=host, port=self.port, username=username, session_name=session_name or "")
        # sent only when the keeper does not know this router yet (see the module docstring)
        self._settings = dict(
            host=host, port=self.port, username=username, password=password,
            private_key_file=private_key_file, use_ssh_agent=bool(use_ssh_agent),
            host_key_checking=bool(host_key_checking),
            known_hosts_file=known_hosts_file, connect_timeout=self.connect_timeout,
            command_timeout=self.command_timeout, idle_timeout=self.idle_timeout,
            session_log=session_log, name=self.host, session_name=session_name or "",
        )
        self._socket_dir = socket_dir
        self._sock = None
        self._rfile = None
        self.prompt = None
        self.hostname = None
        self.keeper_pid = None
        self.logins = None
        self.release = None
        self.started_keeper = False

    # paths
    @property
    def socket_path(self):
        directory = self._socket_dir or runtime_dir()
        return os.path.join(directory, keeper_key(self.owner_pid, self.owner_start) + ".sock")

    def _error(self, step, message, reason="closed"):
        return VrpConnectionError(self.host, step, message, reason=reason)

    # connection
    def _try_connect(self, path):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except (OSError, IOError) as exc:
            sock.close()
            if exc.errno in (errno.ENOENT, errno.ECONNREFUSED):
                return None
            raise self._error("session keeper", "cannot connect to %s: %s" % (path, exc)) from exc

    def _keeper_socket(self):
        """A connection to the keeper, starting it first if none runs (under the lock file)."""
        path = self.socket_path
        sock = self._try_connect(path)  # fast path: the keeper runs; no lock needed
        if sock is not None:
            return sock
        lock = _lock_file(path[:-5] + ".lock")
        try:
            sock = self._try_connect(path)  # another fork may have started it while we waited
            if sock is None:
                if os.path.lexists(path):
                    os.unlink(path)  # stale socket of a keeper that died
                self._spawn(path)
                sock = self._try_connect(path)
                if sock is None:
                    raise self._error("session keeper", "keeper started but its socket %s is missing" % path)
            return sock
        finally:
            _unlock_file(lock)

    def connect(self):
        """Attach to this router's session in the keeper (starting the keeper or logging in if needed)."""
        if self._sock is not None:
            return
        hello_timeout = self.connect_timeout + self.command_timeout + 30
        for attempt in (1, 2):
            self._sock = self._keeper_socket()
            self._rfile = self._sock.makefile("rb")
            try:
                hello = self._request({"op": "hello", "session": self._session}, hello_timeout, "login")
                if hello.get("need_settings"):
                    hello = self._request({"op": "hello", "session": self._session, "settings": self._settings},
                                          hello_timeout, "login")
                break
            except _KeeperGone as exc:
                # the keeper was exiting (idle) as we connected: the next attempt starts a new one
                self._drop()
                if attempt == 2:
                    raise self._error("login", "session keeper connection lost: %s" % exc) from exc
            except VrpError:
                self._drop()
                raise
        self.prompt = hello.get("prompt")
        self.hostname = hello.get("hostname")
        self.keeper_pid = hello.get("pid")
        self.logins = hello.get("logins")
        self.release = hello.get("release")

    def remember_release(self, release):
        """Keep the router's release (module_utils/release.py) with the keeper's session for later tasks."""
        self.connect()
        self._call({"op": "remember_release", "release": release}, self.command_timeout, "remember release")
        self.release = release

    def _spawn(self, path):
        stem = path[:-5]
        config = dict(socket_path=path, lock_path=stem + ".lock", owner_pid=self.owner_pid,
                      owner_start=self.owner_start, idle_timeout=self.idle_timeout)
        log_path = stem + ".log"
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            proc = subprocess.Popen(
                [sys.executable, SERVER_SCRIPT, "--serve"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=fd, close_fds=True,
                start_new_session=True, cwd="/",
            )
        finally:
            os.close(fd)
        try:
            proc.stdin.write((json.dumps(config) + "\n").encode("utf-8"))
            proc.stdin.close()
        except (OSError, IOError):
            pass
        ready = select.select([proc.stdout], [], [], _SPAWN_TIMEOUT)[0]
        line = proc.stdout.readline() if ready else b""
        proc.stdout.close()
        message = json.loads(line.decode("utf-8")) if line.strip() else {}
        if not message.get("ok"):
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if "error" in message:
                raise error_from_dict(message["error"], host=self.host)
            raise self._error("login", "session keeper did not start (see %s)" % log_path)
        self.started_keeper = True

    def _request(self, payload, timeout, step):
        """One request/response; raises _KeeperGone if the keeper closed the connection."""
        try:
            self._sock.settimeout(timeout)
            self._sock.sendall((json.dumps(payload) + "\n").encode("utf-8"))
            line = self._rfile.readline()
        except socket.timeout:
            self._drop()
            raise VrpTimeout(self.host, step, "no answer from the session keeper within %ds" % timeout) from None
        except (OSError, IOError) as exc:
            raise _KeeperGone(str(exc)) from exc
        if not line:
            raise _KeeperGone("the keeper closed the connection")
        message = json.loads(line.decode("utf-8"))
        if "error" in message:
            raise error_from_dict(message["error"], host=self.host)
        return message

    def _call(self, payload, timeout, step):
        try:
            return self._request(payload, timeout, step)
        except _KeeperGone as exc:
            self._drop()
            raise self._error(step, "session keeper connection lost: %s" % exc) from exc

    def _drop(self):
        for item in (self._rfile, self._sock):
            try:
                if item is not None:
                    item.close()
            except (OSError, IOError):
                pass
        self._sock = self._rfile = None

    # Transport
    def send(self, command, timeout=None):
        self.connect()
        timeout = float(timeout or self.command_timeout)
        message = self._call({"op": "send", "command": command, "timeout": timeout}, timeout + 30,
                             "command %r" % command)
        self.prompt = message.get("prompt") or self.prompt
        return Reply(message.get("output", ""), message.get("prompt", ""))

    def close(self):
        self._drop()

    def logout(self):
        """Log this router's session out (the keeper stays for the other routers)."""
        try:
            if self._sock is None:
                sock = self._try_connect(self.socket_path)
                if sock is None:
                    return  # no keeper, no session
                self._sock, self._rfile = sock, sock.makefile("rb")
                hello = self._call({"op": "hello", "session": self._session}, self.connect_timeout + 30, "logout")
                if hello.get("need_settings"):
                    return  # the keeper has no session for this router
            self._call({"op": "logout"}, 30, "logout")
        finally:
            self._drop()

    def shutdown(self):
        """Ask the keeper to log every session out and exit (no-op if it is not running)."""
        if self._sock is None:
            sock = self._try_connect(self.socket_path)
            if sock is None:
                return
            self._sock, self._rfile = sock, sock.makefile("rb")
        try:
            self._call({"op": "stop"}, 30, "stop")
        except VrpError:
            pass
        finally:
            self._drop()
