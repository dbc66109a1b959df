# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The session keeper: ONE background process per ansible-playbook run holding every router's SSH session.

Run as a script (``python keeper_server.py --serve``, started by plugin_utils/keeper_client.py; how it
is found, started and handed credentials is described there): one process per (ansible-playbook pid,
local user) holds the netmiko session of every router the play talks to (plugin_utils/netmiko_driver.py).
It imports netmiko once, in the background right away (every keeper is started for a login), whatever
the number of routers, and serves JSON lines on one unix socket, one thread per client (= task).

Lifecycle
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

import fcntl
import json
import os
import select
import signal
import socket
import sys
import threading
import time
import types

if __name__ == "__main__":  # the keeper process runs this file as a plain script: no Ansible collection loader
    # This file's own collection answers to its usual name, so the keeper runs the code of the worker that started it.
    _COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
    for _name, _path in (("ansible_collections", []), ("ansible_collections.netops", []),
                         ("ansible_collections.netops.vrp", [_COLLECTION])):
        sys.modules[_name] = types.ModuleType(_name)
        sys.modules[_name].__path__ = _path

from ansible_collections.netops.vrp.plugins.module_utils.transport import (
    VrpConnectionError,
    VrpError,
)
from ansible_collections.netops.vrp.plugins.plugin_utils.keeper_client import (
    process_alive,
    session_key,
)
from ansible_collections.netops.vrp.plugins.plugin_utils.netmiko_driver import (
    Session,
    debug,
    log,
    preload_netmiko,
)

_POLL = 0.5           # seconds between owner / idle checks
_STOP_GRACE = 5.0     # seconds to log every session out at exit


class _Stop(Exception):
    pass


def _on_signal(signum, frame):
    raise _Stop()


class Keeper:
    """The server: one listening socket, one thread per client, a table of router sessions."""

    def __init__(self, config):
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
        with self.table:
            sessions = list(self.sessions.values())
            self.sessions.clear()

        def finish(session):
            if session.lock.acquire(timeout=_STOP_GRACE / 2):
                session.logout("keeper exit")
            else:
                session.abandon("keeper exit while in use")

        threads = [threading.Thread(target=finish, args=(s,), daemon=True) for s in sessions]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + _STOP_GRACE
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def cleanup(self):
        self.remove_files()
        self.logout_all()
        log_path = self.lock_path[:-5] + ".log"
        try:
            if os.path.getsize(log_path) == 0:
                os.unlink(log_path)
        except OSError:
            pass


def keeper_main():
    """Entry point of the keeper process: lifecycle settings on stdin, one ready line on stdout."""
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
        threading.Thread(target=preload_netmiko, daemon=True).start()
        out.write(json.dumps({"ok": True, "pid": os.getpid()}) + "\n")
        out.close()
        debug("start: owner pid %d, socket %s" % (keeper.owner_pid, keeper.path))
        reason = keeper.serve()
    except _Stop:
        reason = "signal"
    except Exception as exc:  # pylint: disable=broad-except
        reason = "crash: %s: %s" % (type(exc).__name__, exc)
        log(reason)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        debug("exit: %s" % reason)
        keeper.cleanup()
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        sys.exit(keeper_main())
    sys.stderr.write("usage: keeper_server.py --serve  (started by netops.vrp action plugins)\n")
    sys.exit(2)
