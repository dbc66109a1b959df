# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One SSH session per router per ansible-playbook run, all kept by ONE background process per run.

Worker side (``KeeperTransport``, imported by every action plugin): stdlib only, no netmiko or
paramiko import, so a task costs a unix-socket round trip per command and nothing else.

Keeper side (this file run as a script, ``python session_keeper.py --serve``): one process per
(ansible-playbook pid, local user) holds the netmiko session of every router the play talks to
(``FastVrpv8``: ``huawei_vrpv8`` without its 2.2 s silence waits). It imports netmiko once, whatever
the number of routers, and serves JSON lines on one unix socket, one thread per client (= task).

Lifecycle
- Key = (ansible-playbook pid = the worker's parent, its start time). Socket
  ``<dir>/keeper-<sha>.sock`` (0600) in ``$NETOPS_VRP_KEEPER_DIR``, else
  ``$XDG_RUNTIME_DIR/netops-vrp``, else ``$ANSIBLE_HOME/tmp/netops-vrp`` (``~/.ansible``) (0700, must be ours; the
  directory is per user, so the key need not name the user). ``keeper-<sha>.lock`` (flock) is held
  around "connect to the socket -> else spawn -> wait for ready", so 20 forks whose first tasks
  arrive at once start exactly one keeper; a socket that refuses connections (crashed keeper) is
  unlinked and replaced.
- The spawner starts the keeper with ``start_new_session`` and writes its lifecycle settings (owner
  pid, idle timeout, paths; no credentials) to its stdin pipe; the keeper binds the socket and
  answers one line ``{"ok": true, "pid": N}`` on stdout. It imports netmiko in the background right
  away (every keeper is started for a login).
- Credentials: the socket replaces the pipe that carried them to the old per-router keeper and is
  treated exactly like it: 0600 in a 0700 directory owned by the user, so only this user's processes
  can connect. A host's settings *including the password* travel over it only with the first request
  for that host (the keeper answers ``need_settings`` when it does not know the host), live only in
  the keeper's memory, and never reach argv, the environment or disk.
- Per router: a lock held from a client's ``hello`` until it disconnects, so the commands of two
  tasks on one router never interleave (the second waits); different routers run in parallel. A
  session lost to a timeout or a drop is abandoned (its state is unknown); the failing task reports
  it and the next task logs in again with the stored settings. A failed login forgets the host, so
  the next task brings its settings again and retries.
- A session unused for its ``idle_timeout`` is logged out (0 = never). The keeper exits when the
  ansible-playbook process is gone (polled twice a second, pid + start time), when it has no session
  and no client for its own ``idle_timeout`` (the spawning task's), on SIGTERM/SIGHUP, or on op
  ``stop``: it removes its socket and lock file (under the lock) and logs every session out in
  parallel (discarding any pending candidate: ``return`` + ``N``).
- ``NETOPS_VRP_KEEPER_DEBUG=1``: the keeper logs start, logins, logouts and exit to
  ``keeper-<sha>.log`` (else that file holds only unexpected errors and is removed when empty).

Protocol (one JSON object per line; a client connection serves one host after its ``hello``)
- ``{"op": "hello", "session": {"host", "port", "username", "session_name"}[, "settings": {...}]}`` ->
  ``{"need_settings": true}`` (unknown host: send again with settings) or
  ``{"prompt": "<PE1>", "hostname": "PE1", "pid": N, "logins": N, "release": {..}|null}`` (logs in first if
  needed; ``release``: what ``remember_release`` stored for this login, module_utils/release.py)
- ``{"op": "remember_release", "release": {...}}`` -> ``{"ok": true}`` (kept until the session's next login)
- ``{"op": "send", "command": "display bgp peer", "timeout": 30}`` -> ``{"output": .., "prompt": ..}``
- ``{"op": "logout"}`` -> ``{"ok": true}`` (this host's session; the keeper stays)
- ``{"op": "stop"}`` -> ``{"ok": true}``, then the keeper logs everything out and exits
- ``{"op": "ping"}`` -> ``{"ok": true, "pid": N, "sessions": [names], "clients": N}``
- any failure -> ``{"error": {"class": "VrpTimeout"|..., "reason": .., "step": .., "message": ..}}``
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import fcntl
import hashlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time

try:
    from ansible_collections.netops.vrp.plugins.module_utils.transport import (
        PROMPT_OR_QUESTION_PATTERN,
        PROMPT_PATTERN,
        QUESTION_RE,
        Reply,
        Transport,
        VrpConnectionError,
        VrpError,
        VrpTimeout,
        error_from_dict,
        parse_prompt,
        split_reply,
    )
except ImportError:  # pragma: no cover - the keeper process runs this file as a plain script
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))),
                                    "module_utils"))
    from transport import (  # noqa: E402  pylint: disable=import-error
        PROMPT_OR_QUESTION_PATTERN,
        PROMPT_PATTERN,
        QUESTION_RE,
        Reply,
        Transport,
        VrpConnectionError,
        VrpError,
        VrpTimeout,
        error_from_dict,
        parse_prompt,
        split_reply,
    )

DEFAULTS = dict(port=22, connect_timeout=30, command_timeout=60, idle_timeout=600)
_POLL = 0.5           # keeper: seconds between owner / idle checks
_STOP_GRACE = 5.0     # keeper: seconds to log every session out at exit
_SPAWN_TIMEOUT = 30   # worker: seconds to wait for a new keeper's ready line
# keeper: the netmiko preload thread and the first logins import netmiko/paramiko at the same time;
# CPython's per-module import locks then report a false deadlock in paramiko's circular imports
# (_DeadlockError, seen with two routers logging in at once), so those imports take turns.
_IMPORT_LOCK = threading.Lock()


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
# worker side: the client
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
            raise self._error("session keeper", "cannot connect to %s: %s" % (path, exc))

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
                    raise self._error("login", "session keeper connection lost: %s" % exc)
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
                [sys.executable, os.path.realpath(__file__.replace(".pyc", ".py")), "--serve"],
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
            raise VrpTimeout(self.host, step, "no answer from the session keeper within %ds" % timeout)
        except (OSError, IOError) as exc:
            raise _KeeperGone(str(exc))
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
            raise self._error(step, "session keeper connection lost: %s" % exc)

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


# ---------------------------------------------------------------------------------------------------
# keeper side: netmiko driver and server (only ever used inside the keeper process)
# ---------------------------------------------------------------------------------------------------
def fast_vrpv8_class():
    """netmiko ``HuaweiVrpv8SSH`` without the 2.2 s silence waits (reads until a prompt instead)."""
    from netmiko.huawei.huawei import HuaweiVrpv8SSH

    class FastVrpv8(HuaweiVrpv8SSH):
        vrp_prompt = None  # last prompt seen by send_vrp(), lets cleanup() skip probing

        def session_preparation(self):
            self.ansi_escape_codes = True
            self.set_base_prompt()
            self.disable_paging(command="screen-length 0 temporary")
            # the stock driver sleeps 0.3 s and clears the buffer; read up to the prompt instead
            out = self.read_until_pattern(pattern=PROMPT_PATTERN, read_timeout=20)
            self.vrp_prompt = split_reply(out).prompt or None

        def read_channel(self):
            data = super(FastVrpv8, self).read_channel()
            if not data:
                # netmiko polls until read_timeout even when the router has closed the session
                chan = self.remote_conn
                transport = chan.get_transport() if chan is not None else None
                if chan is None or ((chan.closed or chan.eof_received or transport is None
                                     or not transport.is_active()) and not chan.recv_ready()):
                    raise EOFError("the router closed the SSH session")
            return data

        def check_config_mode(self, check_string="]", pattern="", force_regex=False):
            self.write_channel(self.RETURN)
            output = self.read_until_pattern(pattern=pattern or PROMPT_OR_QUESTION_PATTERN)
            last = output.strip().splitlines()[-1] if output.strip() else ""
            return last.endswith(check_string)

        def exit_config_mode(self, exit_config="return", pattern=r">"):
            output = ""
            if self.check_config_mode():
                self.write_channel(self.normalize_cmd(exit_config))
                output = self.read_until_pattern(pattern=PROMPT_OR_QUESTION_PATTERN)
                if QUESTION_RE.search(output):  # never commit implicitly: discard the candidate
                    self.write_channel(self.normalize_cmd("N"))
                    output += self.read_until_pattern(pattern=PROMPT_PATTERN)
            return output

        def cleanup(self, command="quit"):
            try:
                kind = parse_prompt(self.vrp_prompt)["kind"] if self.vrp_prompt else None
                if kind == "question":
                    self.write_channel(self.normalize_cmd("N"))
                    self.read_until_pattern(pattern=PROMPT_OR_QUESTION_PATTERN, read_timeout=5)
                    kind = None
                if kind == "config" or (kind is None and self.check_config_mode()):
                    self.write_channel(self.normalize_cmd("return"))
                    out = self.read_until_pattern(pattern=PROMPT_OR_QUESTION_PATTERN, read_timeout=5)
                    if QUESTION_RE.search(out):
                        self.write_channel(self.normalize_cmd("N"))
                        self.read_until_pattern(pattern=PROMPT_PATTERN, read_timeout=5)
            except Exception:  # pylint: disable=broad-except
                pass
            if self.session_log:
                self.session_log.fin = True
            self.write_channel(command + self.RETURN)

        def send_vrp(self, command, read_timeout):
            raw = self.send_command(command, expect_string=PROMPT_OR_QUESTION_PATTERN, strip_prompt=False,
                                    strip_command=True, read_timeout=read_timeout)
            reply = split_reply(raw)
            if reply.prompt:
                self.vrp_prompt = reply.prompt
            return reply

    return FastVrpv8


class Session:
    """One router's netmiko session inside the keeper, with errors mapped to VrpError.

    ``lock`` is held by the client (task) using the session, from its ``hello`` until it
    disconnects; ``users`` counts the clients holding or waiting for it (guarded by the keeper's
    table lock), so the idle reaper never takes a session somebody is about to use.
    """

    def __init__(self, settings):
        import threading

        self.settings = settings
        self.name = settings.get("name") or settings["host"]
        self.idle_timeout = float(settings.get("idle_timeout") or 0)
        self.conn = None
        self.logins = 0
        self.release = None  # the router's release, learned once per login (module_utils/release.py)
        self.lost = None  # why the last session ended, if it did
        self.lock = threading.Lock()
        self.users = 0
        self.last_used = time.monotonic()
        self.retired = False  # removed from the keeper's table; an attacher must look up again

    def _where(self):
        return "%s:%s" % (self.settings["host"], self.settings["port"])

    def login(self):
        s = self.settings
        try:
            with _IMPORT_LOCK:
                import paramiko
                from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException
        except ImportError as exc:
            raise VrpConnectionError(self.name, "login", "netmiko is not installed in %s: %s"
                                     % (sys.executable, exc), reason="unreachable")
        params = dict(
            host=s["host"], port=int(s["port"]), username=s.get("username"), password=s.get("password"),
            conn_timeout=s["connect_timeout"], auth_timeout=s["connect_timeout"],
            banner_timeout=s["connect_timeout"], read_timeout_override=None,
            # AWX's Machine credential loads its SSH key into an ssh-agent (SSH_AUTH_SOCK, inherited by
            # the keeper from ansible-playbook) rather than handing over a key file.
            allow_agent=bool(s.get("use_ssh_agent", True) and os.environ.get("SSH_AUTH_SOCK")),
            use_keys=bool(s.get("private_key_file")),
            key_file=s.get("private_key_file"),
            ssh_strict=bool(s.get("host_key_checking")),
            system_host_keys=bool(s.get("host_key_checking")) and not s.get("known_hosts_file"),
            alt_host_keys=bool(s.get("host_key_checking") and s.get("known_hosts_file")),
            alt_key_file=s.get("known_hosts_file") or "",
            fast_cli=True,
        )
        if s.get("session_log"):
            log_path = os.path.expanduser(s["session_log"])
            os.close(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
            params.update(session_log=log_path, session_log_file_mode="append")
        step = "login"
        try:
            self.conn = fast_vrpv8_class()(**params)
        except NetmikoAuthenticationException:
            raise VrpConnectionError(self.name, step, "authentication failed for user %r at %s (wrong password "
                                     "or key?)" % (s.get("username"), self._where()), reason="auth")
        except paramiko.BadHostKeyException as exc:
            raise VrpConnectionError(self.name, step, "host key mismatch for %s: got %s key %s; check known_hosts"
                                     % (self._where(), exc.key.get_name(), exc.key.get_base64()[:24] + "..."),
                                     reason="hostkey")
        except NetmikoTimeoutException as exc:
            text = str(exc)
            if "known_hosts" in text or "host key" in text.lower():
                raise VrpConnectionError(self.name, step, "host key of %s is not trusted: %s"
                                         % (self._where(), text.strip().splitlines()[-1]), reason="hostkey")
            raise VrpConnectionError(self.name, step, "cannot reach %s within %ss: %s"
                                     % (self._where(), s["connect_timeout"], text.strip().splitlines()[0]),
                                     reason="unreachable")
        except paramiko.SSHException as exc:
            reason = "hostkey" if "known_hosts" in str(exc) else "unreachable"
            raise VrpConnectionError(self.name, step, "SSH to %s failed: %s" % (self._where(), exc), reason=reason)
        except (socket.error, EOFError) as exc:
            raise VrpConnectionError(self.name, step, "cannot reach %s: %s" % (self._where(), exc),
                                     reason="unreachable")
        except Exception as exc:  # pylint: disable=broad-except
            raise VrpConnectionError(self.name, step, "login to %s failed: %s: %s"
                                     % (self._where(), type(exc).__name__, exc), reason="closed")
        self.logins += 1
        self.lost = None
        self.release = None   # a new login learns it again (the router may have been upgraded)
        _debug("login %s (%s), login #%d" % (self.name, self._where(), self.logins))

    @property
    def prompt(self):
        return self.conn.vrp_prompt if self.conn else None

    @property
    def hostname(self):
        return self.conn.base_prompt if self.conn else None

    def send(self, command, timeout):
        step = "command %r" % command
        if self.conn is None:
            raise VrpConnectionError(self.name, step, "the SSH session was lost earlier (%s)"
                                     % (self.lost or "not logged in"), reason="closed")
        from netmiko.exceptions import ReadTimeout
        try:
            return self.conn.send_vrp(command, read_timeout=timeout or self.settings["command_timeout"])
        except ReadTimeout:
            self._abandon("timeout")
            raise VrpTimeout(self.name, step, "no prompt within %ss (session closed; the next task logs in again)"
                             % (timeout or self.settings["command_timeout"]))
        except Exception as exc:  # pylint: disable=broad-except
            # paramiko/socket errors: the router closed the session
            self._abandon("closed")
            raise VrpConnectionError(self.name, step, "SSH session closed by %s: %s"
                                     % (self._where(), str(exc).strip() or type(exc).__name__), reason="closed")

    def _abandon(self, why):
        """Drop the SSH session without talking to the router (its state is unknown)."""
        self.lost = why
        conn, self.conn = self.conn, None
        _debug("abandon %s: %s" % (self.name, why))
        if conn is not None:
            try:
                conn.paramiko_cleanup()
                if conn.session_log:
                    conn.session_log.close()
            except Exception:  # pylint: disable=broad-except
                pass

    def logout(self, why="logout"):
        conn, self.conn = self.conn, None
        if conn is not None:
            _debug("logout %s: %s" % (self.name, why))
            try:
                conn.disconnect()
            except Exception:  # pylint: disable=broad-except
                pass


class _Stop(Exception):
    pass


def _on_signal(signum, frame):
    raise _Stop()


class Keeper:
    """The server: one listening socket, one thread per client, a table of router sessions."""

    def __init__(self, config):
        import threading

        self.path = config["socket_path"]
        self.lock_path = config["lock_path"]
        self.owner_pid = int(config["owner_pid"])
        self.owner_start = config.get("owner_start")
        self.idle_timeout = float(config.get("idle_timeout") or 0)
        self.sessions = {}                   # session_key -> Session
        self.table = threading.Lock()        # guards sessions, Session.users, clients
        self.clients = 0
        self.last_activity = time.monotonic()
        self.listener = None
        self.socket_inode = None
        self.stopping = False

    # -- socket ------------------------------------------------------------------------------------
    def bind(self):
        if os.path.lexists(self.path):
            os.unlink(self.path)  # the spawner holds the lock and found it dead
        old = os.umask(0o177)     # created 0600: no window where others could connect
        try:
            self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.listener.bind(self.path)
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        self.socket_inode = os.stat(self.path).st_ino
        self.listener.listen(128)    # 20+ forks may connect at once

    # -- main loop ---------------------------------------------------------------------------------
    def should_stop(self):
        if self.stopping:
            return "stop requested"
        if not process_alive(self.owner_pid, self.owner_start):
            return "ansible-playbook (pid %d) exited" % self.owner_pid
        with self.table:
            idle = not self.sessions and not self.clients
        if idle and self.idle_timeout and time.monotonic() - self.last_activity > self.idle_timeout:
            return "idle for %ds" % self.idle_timeout
        return None

    def serve(self):
        import threading

        while True:
            reason = self.should_stop()
            if reason:
                return reason
            self.reap_idle_sessions()
            if select.select([self.listener], [], [], _POLL)[0]:
                try:
                    conn = self.listener.accept()[0]
                except (OSError, IOError):
                    continue
                with self.table:
                    self.clients += 1
                    self.last_activity = time.monotonic()
                threading.Thread(target=self.serve_client, args=(conn,), daemon=True).start()

    def reap_idle_sessions(self):
        """Log out sessions nobody used for their idle timeout (the next task logs in again)."""
        now = time.monotonic()
        idle = []
        with self.table:
            for key, session in list(self.sessions.items()):
                if (session.users == 0 and session.idle_timeout
                        and now - session.last_used > session.idle_timeout and session.lock.acquire(False)):
                    session.retired = True
                    del self.sessions[key]
                    session.lock.release()
                    idle.append(session)
            if idle:
                self.last_activity = now
        for session in idle:
            session.logout("idle for %ds" % session.idle_timeout)

    # -- one client (= one task on one router) -----------------------------------------------------
    def serve_client(self, conn):
        client = {"session": None}
        rfile = conn.makefile("rb")
        try:
            for line in rfile:
                try:
                    response = self.dispatch(client, json.loads(line.decode("utf-8")))
                except VrpError as exc:
                    response = {"error": exc.to_dict()}
                except Exception as exc:  # pylint: disable=broad-except
                    response = {"error": {"class": "VrpError", "step": "session keeper",
                                          "message": "%s: %s" % (type(exc).__name__, exc)}}
                conn.sendall((json.dumps(response) + "\n").encode("utf-8"))
                if self.stopping:
                    break
        except (OSError, IOError):
            pass
        finally:
            self.detach(client)
            for item in (rfile, conn):
                try:
                    item.close()
                except (OSError, IOError):
                    pass
            with self.table:
                self.clients -= 1
                self.last_activity = time.monotonic()

    def attach(self, key, settings):
        """The locked Session for ``key`` (created from ``settings``), or None if unknown and no settings."""
        while True:
            with self.table:
                session = self.sessions.get(key)
                if session is None:
                    if settings is None:
                        return None
                    session = self.sessions[key] = Session(settings)
                elif settings is not None and session.conn is None:
                    session.settings = settings  # not logged in: the newest settings log in
                session.users += 1
            session.lock.acquire()  # one task at a time per router: commands never interleave
            if not session.retired:
                return session
            session.lock.release()
            with self.table:
                session.users -= 1

    def detach(self, client):
        session, client["session"] = client["session"], None
        if session is not None:
            with self.table:
                session.users -= 1
                session.last_used = time.monotonic()
            session.lock.release()

    def retire(self, key, session):
        """Forget ``session`` (held by the caller): the next task for its router starts afresh."""
        with self.table:
            session.retired = True
            if self.sessions.get(key) is session:
                del self.sessions[key]

    def dispatch(self, client, request):
        op = request.get("op")
        session = client["session"]
        if op == "hello":
            key = session_key(**request["session"])
            if session is None:
                session = self.attach(key, request.get("settings"))
                if session is None:
                    return {"need_settings": True}
                client["session"] = session
            if session.conn is None:
                try:
                    session.login()
                except VrpError:
                    # a failed login forgets the router: its next task brings (maybe fixed) settings
                    self.retire(key, session)
                    raise
            return {"prompt": session.prompt, "hostname": session.hostname, "pid": os.getpid(),
                    "logins": session.logins, "release": session.release}
        if op == "remember_release":
            if session is None:
                raise ValueError("remember_release before hello")
            session.release = request.get("release")
            return {"ok": True}
        if op == "send":
            if session is None:
                raise ValueError("send before hello")
            reply = session.send(request["command"], request.get("timeout"))
            return {"output": reply.output, "prompt": reply.prompt}
        if op == "logout":
            if session is not None:
                self.retire(session_key(session.settings["host"], session.settings["port"],
                                        session.settings.get("username"), session.settings.get("session_name")),
                            session)
                session.logout("logout requested")
            return {"ok": True}
        if op == "stop":
            self.stopping = True
            return {"ok": True}
        if op == "ping":
            with self.table:
                names = sorted(s.name for s in self.sessions.values())
                clients = self.clients
            return {"ok": True, "pid": os.getpid(), "sessions": names, "clients": clients}
        raise ValueError("unknown op %r" % (op,))

    # -- exit --------------------------------------------------------------------------------------
    def remove_files(self):
        """Unlink our socket and the lock file while holding the lock, so no spawner sees a half-dead keeper."""
        fd = None
        try:
            fd = os.open(self.lock_path, os.O_RDWR)
            deadline = time.monotonic() + _STOP_GRACE
            while True:  # a spawner holds it for a moment at most; do not hang on it
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except (OSError, IOError):
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.02)
        except (OSError, IOError):
            fd = None
        try:
            if self.listener is not None:
                self.listener.close()
            if self.socket_inode is not None and os.stat(self.path).st_ino == self.socket_inode:
                os.unlink(self.path)
        except (OSError, IOError):
            pass
        if fd is not None:
            try:
                if os.stat(self.lock_path).st_ino == os.fstat(fd).st_ino:
                    os.unlink(self.lock_path)
            except (OSError, IOError):
                pass
            os.close(fd)

    def logout_all(self):
        """Log every session out in parallel; a session busy in a task is abandoned after a grace period."""
        import threading

        with self.table:
            sessions = list(self.sessions.values())
            self.sessions.clear()

        def finish(session):
            if session.lock.acquire(timeout=_STOP_GRACE / 2):
                session.logout("keeper exit")
            else:
                session._abandon("keeper exit while in use")

        threads = [threading.Thread(target=finish, args=(s,), daemon=True) for s in sessions]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + _STOP_GRACE
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def cleanup(self):
        self.remove_files()
        self.logout_all()
        log = self.lock_path[:-5] + ".log"
        try:
            if os.path.getsize(log) == 0:
                os.unlink(log)
        except OSError:
            pass


_DEBUG = bool(os.environ.get("NETOPS_VRP_KEEPER_DEBUG"))


def _log(message):
    sys.stderr.write("%s keeper[%d]: %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), os.getpid(), message))
    sys.stderr.flush()


def _debug(message):
    if _DEBUG:
        _log(message)


def _preload_netmiko():
    """Import netmiko (~0.4 s) while the first client sends its hello; logins wait on the import lock."""
    try:
        with _IMPORT_LOCK:
            fast_vrpv8_class()
    except Exception:  # pylint: disable=broad-except
        pass  # login reports a missing netmiko clearly


def keeper_main():
    """Entry point of the keeper process: lifecycle settings on stdin, one ready line on stdout."""
    import threading

    config = json.loads(sys.stdin.readline())
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the terminal is for ansible-playbook
    keeper = Keeper(config)
    out = os.fdopen(os.dup(1), "w")
    os.dup2(devnull, 1)
    reason = "error"
    try:
        try:
            keeper.bind()
        except (OSError, IOError) as exc:
            out.write(json.dumps({"error": VrpConnectionError(
                "keeper", "session keeper", "cannot listen on %s: %s" % (keeper.path, exc)).to_dict()}) + "\n")
            out.close()
            return 1
        threading.Thread(target=_preload_netmiko, daemon=True).start()
        out.write(json.dumps({"ok": True, "pid": os.getpid()}) + "\n")
        out.close()
        _debug("start: owner pid %d, socket %s" % (keeper.owner_pid, keeper.path))
        reason = keeper.serve()
    except _Stop:
        reason = "signal"
    except Exception as exc:  # pylint: disable=broad-except
        reason = "crash: %s: %s" % (type(exc).__name__, exc)
        _log(reason)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        _debug("exit: %s" % reason)
        keeper.cleanup()
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        sys.exit(keeper_main())
    sys.stderr.write("usage: session_keeper.py --serve  (started by netops.vrp action plugins)\n")
    sys.exit(2)
