# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The netmiko side of the session keeper (only ever used inside the keeper process, and by bench/).

``fast_vrpv8_class()``: ``FastVrpv8``, netmiko's ``huawei_vrpv8`` without its 2.2 s silence waits.
``Session``: one router's login with its errors mapped to ``VrpError``, its commands and answers, the
release a task remembered for that login (module_utils/release.py) and its logout. netmiko and paramiko
are imported on first use, never when this file is imported.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import socket
import sys
import threading
import time

from ansible_collections.netops.vrp.plugins.module_utils.transport import (
    PROMPT_OR_QUESTION_PATTERN,
    PROMPT_PATTERN,
    QUESTION_RE,
    VrpConnectionError,
    VrpTimeout,
    parse_prompt,
    split_reply,
)

# the netmiko preload thread and the first logins import netmiko/paramiko at the same time;
# CPython's per-module import locks then report a false deadlock in paramiko's circular imports
# (_DeadlockError, seen with two routers logging in at once), so those imports take turns.
_IMPORT_LOCK = threading.Lock()
_DEBUG = bool(os.environ.get("NETOPS_VRP_KEEPER_DEBUG"))


def log(message):
    """A line in the keeper's log (its stderr: ``keeper-<sha>.log``)."""
    sys.stderr.write("%s keeper[%d]: %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), os.getpid(), message))
    sys.stderr.flush()


def debug(message):
    """``log`` with ``NETOPS_VRP_KEEPER_DEBUG=1`` only (start, logins, logouts, exit)."""
    if _DEBUG:
        log(message)


def preload_netmiko():
    """Import netmiko (~0.4 s) while the first client sends its hello; logins wait on the import lock."""
    try:
        with _IMPORT_LOCK:
            fast_vrpv8_class()
    except Exception:  # pylint: disable=broad-except
        pass  # login reports a missing netmiko clearly


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
                                     % (sys.executable, exc), reason="unreachable") from exc
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
                                     "or key?)" % (s.get("username"), self._where()), reason="auth") from None
        except paramiko.BadHostKeyException as exc:
            raise VrpConnectionError(self.name, step, "host key mismatch for %s: got %s key %s; check known_hosts"
                                     % (self._where(), exc.key.get_name(), exc.key.get_base64()[:24] + "..."),
                                     reason="hostkey") from exc
        except NetmikoTimeoutException as exc:
            text = str(exc)
            if "known_hosts" in text or "host key" in text.lower():
                raise VrpConnectionError(self.name, step, "host key of %s is not trusted: %s"
                                         % (self._where(), text.strip().splitlines()[-1]), reason="hostkey") from exc
            raise VrpConnectionError(self.name, step, "cannot reach %s within %ss: %s"
                                     % (self._where(), s["connect_timeout"], text.strip().splitlines()[0]),
                                     reason="unreachable") from exc
        except paramiko.SSHException as exc:
            reason = "hostkey" if "known_hosts" in str(exc) else "unreachable"
            raise VrpConnectionError(self.name, step, "SSH to %s failed: %s" % (self._where(), exc), reason=reason) from exc
        except (socket.error, EOFError) as exc:
            raise VrpConnectionError(self.name, step, "cannot reach %s: %s" % (self._where(), exc),
                                     reason="unreachable") from exc
        except Exception as exc:  # pylint: disable=broad-except
            raise VrpConnectionError(self.name, step, "login to %s failed: %s: %s"
                                     % (self._where(), type(exc).__name__, exc), reason="closed") from exc
        self.logins += 1
        self.lost = None
        self.release = None   # a new login learns it again (the router may have been upgraded)
        debug("login %s (%s), login #%d" % (self.name, self._where(), self.logins))

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
            self.abandon("timeout")
            raise VrpTimeout(self.name, step, "no prompt within %ss (session closed; the next task logs in again)"
                             % (timeout or self.settings["command_timeout"])) from None
        except Exception as exc:  # pylint: disable=broad-except
            # paramiko/socket errors: the router closed the session
            self.abandon("closed")
            raise VrpConnectionError(self.name, step, "SSH session closed by %s: %s"
                                     % (self._where(), str(exc).strip() or type(exc).__name__), reason="closed") from exc

    def abandon(self, why):
        """Drop the SSH session without talking to the router (its state is unknown)."""
        self.lost = why
        conn, self.conn = self.conn, None
        debug("abandon %s: %s" % (self.name, why))
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
            debug("logout %s: %s" % (self.name, why))
            try:
                conn.disconnect()
            except Exception:  # pylint: disable=broad-except
                pass
