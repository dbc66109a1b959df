# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One SSH session per router per ansible-playbook run, kept by a small background process.

Worker side (``KeeperTransport``, imported by every action plugin): stdlib only, no netmiko or
paramiko import, so a task costs a unix-socket round trip per command and nothing else.

Keeper side (this file run as a script, ``python session_keeper.py --serve``): logs in with
netmiko (``FastVrpv8``: ``huawei_vrpv8`` without its 2.2 s silence waits) and serves JSON lines on a
unix socket.

Lifecycle
- Key = (ansible-playbook pid = the worker's parent, host, port, user). Socket
  ``<dir>/<sha>.sock`` (0600) in ``$XDG_RUNTIME_DIR/netops-vrp`` or ``~/.ansible/tmp/netops-vrp``
  (0700, must be ours). A ``.lock`` file (flock) serialises start-up for a key.
- The first task finds no socket (or a stale one: connection refused -> unlinked), starts the
  keeper with ``start_new_session``, writes the settings *including the password* to its stdin pipe
  (never argv, env or disk) and waits for one line on its stdout: ``{"ok": ...}`` after a successful
  login, or ``{"error": {...}}`` (then the keeper has exited).
- The keeper exits when the ansible-playbook process is gone (polled twice a second, pid + start
  time), after ``idle_timeout`` seconds without requests, on SIGTERM/SIGHUP, or on op ``close``; it
  logs out (discarding any pending candidate: ``return`` + ``N``) and removes its socket.
- Requests are served one client at a time (a second task on the same host waits in the accept
  queue), so commands from two tasks never interleave.

Protocol (one JSON object per line)
- ``{"op": "hello"}`` -> ``{"prompt": "<PE1>", "hostname": "PE1", "pid": N, "logins": N}``
  (re-logs in first if the previous session was lost)
- ``{"op": "send", "command": "display bgp peer", "timeout": 30}`` -> ``{"output": .., "prompt": ..}``
- ``{"op": "close"}`` -> ``{"ok": true}``, then the keeper logs out and exits
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
_POLL = 0.5


# ---------------------------------------------------------------------------------------------------
# paths and identity
# ---------------------------------------------------------------------------------------------------
def runtime_dir():
    """The 0700 directory holding keeper sockets; created if needed, refused if not ours.

    ``$NETOPS_VRP_KEEPER_DIR`` overrides, then ``$XDG_RUNTIME_DIR/netops-vrp``, then
    ``~/.ansible/tmp/netops-vrp``.
    """
    base = os.environ.get("XDG_RUNTIME_DIR")
    if os.environ.get("NETOPS_VRP_KEEPER_DIR"):  # tests and unusual hosts
        path = os.environ["NETOPS_VRP_KEEPER_DIR"]
    elif base and os.path.isdir(base) and os.access(base, os.W_OK):
        path = os.path.join(base, "netops-vrp")
    else:
        path = os.path.join(os.path.expanduser("~"), ".ansible", "tmp", "netops-vrp")
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


def keeper_key(owner_pid, host, port, username):
    raw = "%s|%s|%s|%s" % (owner_pid, host, port, username or "")
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:24]


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


# ---------------------------------------------------------------------------------------------------
# worker side: the client
# ---------------------------------------------------------------------------------------------------
class KeeperTransport(Transport):
    """Transport over the session keeper of (ansible-playbook pid, host, port, user).

    Nothing happens until the first ``send``: then the keeper is found or started (this is where
    connection errors surface). ``close()`` ends this task's use; the SSH session stays for the
    next task. ``shutdown()`` stops the keeper (logout).
    """

    def __init__(self, host, port=22, username=None, password=None, private_key_file=None,
                 host_key_checking=False, known_hosts_file=None, connect_timeout=30,
                 command_timeout=60, idle_timeout=600, session_log=None, name=None, owner_pid=None,
                 socket_dir=None):
        self.address = host
        self.port = int(port or 22)
        self.username = username
        self.host = name or host
        self.connect_timeout = float(connect_timeout or DEFAULTS["connect_timeout"])
        self.command_timeout = float(command_timeout or DEFAULTS["command_timeout"])
        self.owner_pid = int(owner_pid or os.getppid())
        self._settings = dict(
            host=host, port=self.port, username=username, password=password,
            private_key_file=private_key_file, host_key_checking=bool(host_key_checking),
            known_hosts_file=known_hosts_file, connect_timeout=self.connect_timeout,
            command_timeout=self.command_timeout,
            idle_timeout=float(idle_timeout if idle_timeout is not None else DEFAULTS["idle_timeout"]),
            session_log=session_log, name=self.host, owner_pid=self.owner_pid,
            owner_start=process_start_time(self.owner_pid),
        )
        self._socket_dir = socket_dir
        self._sock = None
        self._rfile = None
        self.prompt = None
        self.hostname = None
        self.keeper_pid = None
        self.started_keeper = False

    # paths
    @property
    def socket_path(self):
        directory = self._socket_dir or runtime_dir()
        return os.path.join(directory, keeper_key(self.owner_pid, self.address, self.port, self.username) + ".sock")

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

    def connect(self):
        """Attach to (or start) the keeper and learn the session's current prompt."""
        if self._sock is not None:
            return
        path = self.socket_path
        with open(path[:-5] + ".lock", "a") as lock:
            os.chmod(lock.name, 0o600)
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                sock = self._try_connect(path)
                if sock is None:
                    if os.path.lexists(path):
                        os.unlink(path)  # stale socket of a keeper that died
                    self._spawn(path)
                    sock = self._try_connect(path)
                    if sock is None:
                        raise self._error("session keeper", "keeper started but its socket %s is missing" % path)
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
        self._sock = sock
        self._rfile = sock.makefile("rb")
        hello = self._request({"op": "hello"}, self.connect_timeout + self.command_timeout + 30, "login")
        self.prompt = hello.get("prompt")
        self.hostname = hello.get("hostname")
        self.keeper_pid = hello.get("pid")

    def _spawn(self, path):
        settings = dict(self._settings, socket_path=path)
        log_path = path[:-5] + ".log"
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
            proc.stdin.write((json.dumps(settings) + "\n").encode("utf-8"))
            proc.stdin.close()
        except (OSError, IOError):
            pass
        deadline = self.connect_timeout * 3 + 30
        ready = select.select([proc.stdout], [], [], deadline)[0]
        line = proc.stdout.readline() if ready else b""
        proc.stdout.close()
        if not line:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            raise self._error("login", "session keeper did not start (see %s)" % log_path)
        message = json.loads(line.decode("utf-8"))
        if "error" in message:
            proc.wait()
            raise error_from_dict(message["error"], host=self.host)
        self.started_keeper = True

    def _request(self, payload, timeout, step):
        try:
            self._sock.settimeout(timeout)
            self._sock.sendall((json.dumps(payload) + "\n").encode("utf-8"))
            line = self._rfile.readline()
        except socket.timeout:
            self._drop()
            raise VrpTimeout(self.host, step, "no answer from the session keeper within %ds" % timeout)
        except (OSError, IOError) as exc:
            self._drop()
            raise self._error(step, "session keeper connection lost: %s" % exc)
        if not line:
            self._drop()
            raise self._error(step, "session keeper closed the connection")
        message = json.loads(line.decode("utf-8"))
        if "error" in message:
            raise error_from_dict(message["error"], host=self.host)
        return message

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
        message = self._request({"op": "send", "command": command, "timeout": timeout}, timeout + 30,
                                "command %r" % command)
        self.prompt = message.get("prompt") or self.prompt
        return Reply(message.get("output", ""), message.get("prompt", ""))

    def close(self):
        self._drop()

    def shutdown(self):
        """Ask the keeper to log out and exit (no-op if it is not running)."""
        if self._sock is None:
            sock = self._try_connect(self.socket_path)
            if sock is None:
                return
            self._sock, self._rfile = sock, sock.makefile("rb")
        try:
            self._request({"op": "close"}, 30, "close")
        except VrpError:
            pass
        finally:
            self._drop()


# ---------------------------------------------------------------------------------------------------
# keeper side: netmiko driver and server (only ever imported inside the keeper process)
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
    """The netmiko session inside the keeper, with errors mapped to VrpError."""

    def __init__(self, settings):
        self.settings = settings
        self.name = settings.get("name") or settings["host"]
        self.conn = None
        self.logins = 0
        self.lost = None  # why the last session ended, if it did

    def _where(self):
        return "%s:%s" % (self.settings["host"], self.settings["port"])

    def login(self):
        s = self.settings
        try:
            import paramiko
            from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException
        except ImportError as exc:
            raise VrpConnectionError(self.name, "login", "netmiko is not installed in %s: %s"
                                     % (sys.executable, exc), reason="unreachable")
        params = dict(
            host=s["host"], port=int(s["port"]), username=s.get("username"), password=s.get("password"),
            conn_timeout=s["connect_timeout"], auth_timeout=s["connect_timeout"],
            banner_timeout=s["connect_timeout"], read_timeout_override=None,
            allow_agent=False, use_keys=bool(s.get("private_key_file")),
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
        self.lost = why
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.paramiko_cleanup()
                if conn.session_log:
                    conn.session_log.close()
            except Exception:  # pylint: disable=broad-except
                pass

    def logout(self):
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.disconnect()
            except Exception:  # pylint: disable=broad-except
                pass


class _Stop(Exception):
    pass


def _on_signal(signum, frame):
    raise _Stop()


class Keeper:
    def __init__(self, settings):
        self.settings = settings
        self.session = Session(settings)
        self.path = settings["socket_path"]
        self.owner_pid = int(settings["owner_pid"])
        self.owner_start = settings.get("owner_start")
        self.idle_timeout = float(settings.get("idle_timeout") or 0)
        self.last_activity = time.monotonic()
        self.listener = None
        self.stopping = False

    def bind(self):
        if os.path.lexists(self.path):
            os.unlink(self.path)
        old = os.umask(0o177)
        try:
            self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.listener.bind(self.path)
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        self.listener.listen(16)

    def should_stop(self):
        if self.stopping:
            return "close requested"
        if not process_alive(self.owner_pid, self.owner_start):
            return "ansible-playbook (pid %d) exited" % self.owner_pid
        if self.idle_timeout and time.monotonic() - self.last_activity > self.idle_timeout:
            return "idle for %ds" % self.idle_timeout
        return None

    def serve(self):
        while True:
            reason = self.should_stop()
            if reason:
                return reason
            ready = select.select([self.listener], [], [], _POLL)[0]
            if ready:
                conn = self.listener.accept()[0]
                try:
                    self.handle(conn)
                finally:
                    conn.close()

    def handle(self, conn):
        buf = b""
        self.last_activity = time.monotonic()
        while True:
            while b"\n" not in buf:
                if self.should_stop() and not self.stopping:
                    return
                ready = select.select([conn], [], [], _POLL)[0]
                if not ready:
                    continue
                try:
                    data = conn.recv(65536)
                except (OSError, IOError):
                    return
                if not data:
                    return
                buf += data
            line, buf = buf.split(b"\n", 1)
            self.last_activity = time.monotonic()
            try:
                request = json.loads(line.decode("utf-8"))
                response = self.dispatch(request)
            except VrpError as exc:
                response = {"error": exc.to_dict()}
            except Exception as exc:  # pylint: disable=broad-except
                response = {"error": {"class": "VrpError", "step": "session keeper",
                                      "message": "%s: %s" % (type(exc).__name__, exc)}}
            try:
                conn.sendall((json.dumps(response) + "\n").encode("utf-8"))
            except (OSError, IOError):
                return
            self.last_activity = time.monotonic()
            if self.stopping:
                return

    def dispatch(self, request):
        op = request.get("op")
        if op == "hello":
            if self.session.conn is None:
                self.session.login()
            return {"prompt": self.session.prompt, "hostname": self.session.hostname, "pid": os.getpid(),
                    "logins": self.session.logins}
        if op == "send":
            reply = self.session.send(request["command"], request.get("timeout"))
            return {"output": reply.output, "prompt": reply.prompt}
        if op == "close":
            self.stopping = True
            return {"ok": True}
        if op == "ping":
            return {"ok": True, "pid": os.getpid()}
        raise ValueError("unknown op %r" % (op,))

    def cleanup(self):
        self.session.logout()
        try:
            if self.listener is not None:
                self.listener.close()
            if os.path.lexists(self.path):
                os.unlink(self.path)
        except OSError:
            pass
        lock = self.path[:-5] + ".lock"
        log = self.path[:-5] + ".log"
        for extra in (lock, log):
            try:
                if extra == lock or os.path.getsize(extra) == 0:
                    os.unlink(extra)
            except OSError:
                pass


def _log(message):
    sys.stderr.write("%s keeper[%d]: %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), os.getpid(), message))
    sys.stderr.flush()


def keeper_main():
    """Entry point of the keeper process: settings on stdin, one status line on stdout."""
    settings = json.loads(sys.stdin.readline())
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    keeper = Keeper(settings)
    out = os.fdopen(os.dup(1), "w")
    os.dup2(devnull, 1)
    reason = "error"
    try:
        try:
            keeper.session.login()
            keeper.bind()
        except VrpError as exc:
            out.write(json.dumps({"error": exc.to_dict()}) + "\n")
            out.close()
            keeper.cleanup()
            return 1
        out.write(json.dumps({"ok": True, "pid": os.getpid()}) + "\n")
        out.close()
        reason = keeper.serve()
    except _Stop:
        reason = "signal"
    finally:
        try:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            keeper.cleanup()
        finally:
            if reason not in ("error",) and os.environ.get("NETOPS_VRP_KEEPER_DEBUG"):
                _log("exit: %s" % reason)
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        sys.exit(keeper_main())
    sys.stderr.write("usage: session_keeper.py --serve  (started by netops.vrp action plugins)\n")
    sys.exit(2)
