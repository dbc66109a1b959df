"""SSH front end of the emulated routers (asyncssh): authentication, terminal I/O, faults, transcript.

Terminal handling follows toolchain-notes.md: no asyncssh line editor; raw characters are read, echoed
by the same coroutine that writes the prompts (so typed-ahead input never lands before a prompt),
``\\r\\n`` counts as one line end, output uses ``\\r\\n`` and follows the echo without a blank line.
``exec`` and subsystem requests are refused: a router only offers an interactive shell.
"""
import asyncio
import codecs
import logging
import time

import asyncssh

from vrpsim.cli import CliSession

log = logging.getLogger(__name__)

MAX_LINE = 4096          # longer input is dropped, not buffered without bound
BACKSPACE = ("\x7f", "\x08")
CTRL_C, CTRL_Z, ESC = "\x03", "\x1a", "\x1b"
EXEC_REFUSED = "Error: This router only accepts interactive shell sessions.\r\n"


class RouterSSHServer(asyncssh.SSHServer):
    """Authentication for one router: its password and authorized keys, unless an auth_fail fault is set."""

    def __init__(self, router):
        self.router = router

    def begin_auth(self, username):
        return True

    def password_auth_supported(self):
        return True

    def validate_password(self, username, password):
        if self.router.lab.faults.find(self.router.name, "auth_fail"):
            return False
        return username == self.router.username and password == self.router.password

    def public_key_auth_supported(self):
        return bool(self.router.authorized_keys)

    def validate_public_key(self, username, key):
        if self.router.lab.faults.find(self.router.name, "auth_fail"):
            return False
        return username == self.router.username and key.public_data in self.router.authorized_keys


def server_options(host_key):
    """Options shared by every listener of a lab (building them once keeps 1,000 listeners fast)."""
    return asyncssh.SSHServerConnectionOptions(
        server_host_keys=[host_key], process_factory=_run_process, line_editor=False, encoding=None,
        login_timeout=30, keepalive_interval=0)


async def listen(router, options, sock=None):
    """``sock``: an already listening socket (netns mode makes it inside the router's namespace)."""
    if sock is not None:
        return await asyncssh.listen(sock=sock, server_factory=lambda: RouterSSHServer(router), options=options)
    return await asyncssh.listen(router.host, router.port, server_factory=lambda: RouterSSHServer(router),
                                 options=options)


async def _run_process(process):
    router = process.get_extra_info("connection").get_owner().router
    if process.command is not None or process.subsystem is not None:
        process.stderr.write(EXEC_REFUSED.encode())
        process.exit(1)
        return
    await ShellSession(router, process).run()


class ShellSession:
    """One interactive SSH shell on a router."""

    def __init__(self, router, process):
        self.router = router
        self.process = process
        self.conn = process.get_extra_info("connection")
        self.user = process.get_extra_info("username")
        self.cli = CliSession(router, self.user, router.new_session_id())
        self.buffer = []
        self.after_cr = False
        self.in_escape = False
        self.closed = False

    def write(self, text):
        if not self.closed:
            try:
                self.process.stdout.write(text.replace("\n", "\r\n").encode("utf-8", "replace"))
            except (OSError, asyncssh.Error):
                pass   # the client has gone (e.g. during a delay fault); the line it sent still ran

    def close(self, abort=False):
        """End the session; ``abort`` drops the TCP connection like a network failure would."""
        if self.closed:
            return
        self.closed = True
        if abort:
            self.conn.abort()
        else:
            self.process.exit(0)
            self.conn.close()

    def record(self, event, **fields):
        self.router.record(event, self.cli.session_id, self.user, **fields)

    async def run(self):
        self.router.active_sessions.add(self)
        self.record("login")
        try:
            self.write(self._banner() + self.cli.prompt)
            decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
            while not self.closed:
                try:
                    data = await self.process.stdin.read(4096)
                except (asyncssh.TerminalSizeChanged, asyncssh.BreakReceived, asyncssh.SignalReceived):
                    continue
                except (asyncssh.Error, OSError):
                    break
                if not data:
                    break
                await self._feed(decoder.decode(data))
        finally:
            # A client that disconnects mid-edit loses its candidate: it lived only in this session.
            self.router.active_sessions.discard(self)
            self.record("logout")
            if not self.closed:
                self.close()

    def _banner(self):
        return ("Info: The max number of VTY users is 21, and the number of current VTY users on line is %d.\n"
                "      The current login time is %s.\n"
                % (len(self.router.active_sessions), time.strftime("%Y-%m-%d %H:%M:%S+00:00", time.gmtime())))

    async def _feed(self, chars):
        echo = []
        for ch in chars:
            if self.closed:
                return
            if self.in_escape:   # swallow terminal escape sequences (arrow keys and the like)
                self.in_escape = not (ch.isalpha() or ch == "~")
                continue
            if ch == "\n" and self.after_cr:
                self.after_cr = False
                continue
            self.after_cr = ch == "\r"
            if ch in "\r\n":
                echo.append("\n")
                self.write("".join(echo))
                echo.clear()
                line, self.buffer = "".join(self.buffer), []
                await self._line(line)
            elif ch in BACKSPACE:
                if self.buffer:
                    self.buffer.pop()
                    echo.append("\b \b")
            elif ch == CTRL_C:
                self.buffer.clear()
                echo.append("^C\n" + self.cli.prompt)
            elif ch == CTRL_Z:
                self.buffer.clear()
                self.write("".join(echo) + "\n")
                echo.clear()
                await self._line("return", typed=False)
            elif ch == ESC:
                self.in_escape = True
            elif " " <= ch <= "~" and len(self.buffer) < MAX_LINE:   # VRP takes printable ASCII only
                self.buffer.append(ch)
                echo.append(ch)
        if echo:
            self.write("".join(echo))

    async def _line(self, line, typed=True):
        """Run one line: faults, the CLI, the output and the next prompt, the transcript entry."""
        router, name = self.router, self.router.name
        prompt = self.cli.prompt
        answering = self.cli.question is not None
        if router.take_fault("drop", line, "before"):
            self.record("fault", kind="drop", when="before", prompt=prompt, command=line)
            self.close(abort=True)
            return
        delay = router.lab.faults.delay(name, line)
        if delay:
            self.record("fault", kind="delay", seconds=delay, prompt=prompt, command=line)
            await asyncio.sleep(delay)
        reply = self.cli.execute(line)
        output = reply.output
        if router.take_fault("drop", line, "during"):
            # the command took effect but its reply never reaches the client
            self.record("command", prompt=prompt, command=line, output=output)
            self.record("fault", kind="drop", when="during", prompt=prompt, command=line)
            self.close(abort=True)
            return
        if reply.logout:
            self.write(output)
        else:
            self.write((output + "\n" if output else "") + self.cli.prompt)
        if line.strip() or answering or not typed:
            self.record("command", prompt=prompt, command=line, output=output)
        if reply.logout:
            self.close()
        elif router.take_fault("drop", line, "after"):
            self.record("fault", kind="drop", when="after", prompt=prompt, command=line)
            await self.process.stdout.drain()
            self.close(abort=True)
