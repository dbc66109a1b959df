"""FakeTransport: the scripted ``Transport`` of the unit tests (``VrpCli`` over it gives exact command lists).

Importable from every test (the root conftest.py puts tests/unit on ``sys.path``):
``from fake_transport import FakeTransport``.
"""
from ansible_collections.netops.vrp.plugins.module_utils.transport import (
    Reply,
    Transport,
    VrpConnectionError,
    error_line,
    parse_prompt,
)

UNCOMMITTED_QUESTION = ("Warning: Uncommitted configurations found, commit them before exiting? "
                        "[Y(yes)/N(no)/C(cancel)]:")
ABORT_TRIAL_QUESTION = "Warning: The trial configuration will be rolled back. Continue? [Y/N]:"


class FakeTransport(Transport):
    """Scripted transport for unit tests; records every command in ``self.sent``.

    ``replies`` maps a command (exact string, or a compiled regex) to what the router answers:
    a ``str`` (output; the prompt comes from the built-in view model), a ``Reply`` (output and
    prompt; the model adopts that prompt), an exception instance (raised), a callable
    ``f(command, transport)`` returning any of these, or a list of those (consumed in order, the
    last one repeats).

    The built-in model knows just enough VRP8 for VrpCli: ``system-view`` / ``return`` / ``quit``,
    the ``~``/``*`` candidate marker (any other line typed in a config view marks the candidate
    pending), ``commit`` (incl. ``commit trial``), the "Uncommitted configurations found" question
    on leaving with a pending candidate (answers ``Y``/``N``/``C``), ``abort trial`` + ``[Y/N]``,
    ``rollback configuration`` and ``display configuration trial status``. Unscripted commands
    print nothing (``strict=True``: raise ``AssertionError`` instead, except the view commands).
    """

    def __init__(self, replies=None, host="R1", hostname=None, prompt=None, strict=False):
        self.host = host
        self.hostname = hostname or host
        self.replies = dict(replies or {})
        self.strict = strict
        self.sent = []
        self.closed = False
        self.trial = False
        self.prompt = prompt or "<%s>" % self.hostname
        self._question = None  # "uncommitted" | "abort_trial" | "generic"
        self._question_prev = None
        self._views = []  # config view stack, root first (for quit)
        self._track(self.prompt)

    # -- model state --------------------------------------------------------------------------------
    @property
    def commands(self):
        return list(self.sent)

    @property
    def in_user_view(self):
        return parse_prompt(self.prompt)["kind"] == "user"

    @property
    def candidate_pending(self):
        return parse_prompt(self.prompt)["mark"] == "*"

    def _config_prompt(self, mark=None, view=None):
        info = parse_prompt(self.prompt)
        if info["kind"] == "config":
            mark = info["mark"] if mark is None else mark
            view = info["view"] if view is None else view
        return "[%s%s]" % ("~" if mark is None else mark, view or self.hostname)

    def _user_prompt(self):
        return "<%s>" % self.hostname

    # -- Transport ----------------------------------------------------------------------------------
    def send(self, command, timeout=None):
        if self.closed:
            raise VrpConnectionError(self.host, "send %r" % command, "transport closed", reason="closed")
        self.sent.append(command)
        scripted = self._lookup(command)
        if scripted is not _MISSING:
            if callable(scripted) and not isinstance(scripted, (Reply, BaseException)):
                scripted = scripted(command, self)
            if isinstance(scripted, BaseException):
                raise scripted
            if isinstance(scripted, Reply):
                self._adopt(scripted.prompt)
                return Reply(scripted.output, scripted.prompt)
            return self._model(command, output=scripted)
        return self._model(command, output=None)

    def close(self):
        self.closed = True

    # -- internals ----------------------------------------------------------------------------------
    def _lookup(self, command):
        if command in self.replies:
            value = self.replies[command]
        else:
            value = _MISSING
            for key, val in self.replies.items():
                if hasattr(key, "fullmatch") and key.fullmatch(command):
                    value = val
                    break
            if value is _MISSING:
                return _MISSING
        if isinstance(value, list):
            if not value:
                return _MISSING
            return value.pop(0) if len(value) > 1 else value[0]
        return value

    def _track(self, prompt):
        info = parse_prompt(prompt)
        if info["kind"] == "user":
            self._views = []
        elif info["kind"] == "config":
            if info["view"] in self._views:
                del self._views[self._views.index(info["view"]) + 1:]
            else:
                self._views.append(info["view"])

    def _adopt(self, prompt):
        self._track(prompt)
        info = parse_prompt(prompt)
        if info["kind"] == "question":
            self._question_prev = self.prompt if self._question is None else self._question_prev
            self._question = "generic"
        else:
            self._question = None
        if info["kind"] == "user" and info["hostname"]:
            self.hostname = info["hostname"]
        self.prompt = prompt

    def _ask(self, kind, text):
        self._question_prev = self.prompt
        self._question = kind
        self.prompt = text
        return Reply("", text)

    def _reply(self, output, prompt):
        self._track(prompt)
        self.prompt = prompt
        return Reply(output, prompt)

    def _model(self, command, output):
        cmd = command.strip()
        words = cmd.split()
        if self._question is not None:
            kind, prev = self._question, self._question_prev
            self._question = self._question_prev = None
            answer = cmd.upper()[:1]
            if kind == "uncommitted":
                if answer == "C":
                    return self._reply(output or "", prev)
                if answer == "Y":
                    self.trial = False
                return self._reply(output or "", self._user_prompt())
            if kind == "abort_trial" and answer == "Y":
                self.trial = False
                return self._reply(output or "", self._user_prompt() if parse_prompt(prev)["kind"] == "user"
                                   else self._config_prompt(mark="~"))
            return self._reply(output or "", prev)
        kind = parse_prompt(self.prompt)["kind"]
        if cmd == "system-view" and kind == "user":
            text = "Enter system view, return user view with return command." if output is None else output
            return self._reply(text, "[~%s]" % self.hostname)
        leaves_root = cmd == "quit" and parse_prompt(self.prompt)["view"] == self.hostname
        if kind == "config" and (cmd == "return" or leaves_root):
            if self.candidate_pending:
                return self._ask("uncommitted", UNCOMMITTED_QUESTION)
            return self._reply(output or "", self._user_prompt())
        if kind == "config" and cmd == "quit":
            parent = self._views[-2] if len(self._views) > 1 else self.hostname
            return self._reply(output or "", self._config_prompt(view=parent))
        if kind == "config" and words[:1] == ["commit"] and not (error_line(output) or "Failed" in (output or "")):
            self.trial = words[1:2] == ["trial"]
            text = output
            if text is None:
                text = ("Info: The system enters the trial configuration mode." if self.trial else "")
            return self._reply(text, self._config_prompt(mark="~"))
        if words[:2] == ["abort", "trial"]:
            if kind == "user":   # all views except the user view [NE40E-CR CfgTrial(CFGOM)]
                return self._reply("Error: Unrecognized command found at '^' position.", self.prompt)
            return self._ask("abort_trial", ABORT_TRIAL_QUESTION)
        if words[:2] == ["rollback", "configuration"] and kind == "user":
            return self._reply(output or "", self.prompt)
        if cmd == "display configuration trial status" and output is None:
            # [NE40E-CR DisplayTrialState(CFGOM)]
            text = ("Trial status: ACTIVE\nTrial time left (sec): 600" if self.trial
                    else "Trial status: INACTIVE\nTrial time left (sec): 0")
            return self._reply(text, self.prompt)
        if output is None and self.strict and words[:1] != ["screen-length"]:
            raise AssertionError("FakeTransport: unscripted command %r" % command)
        if kind == "config" and words[:1] != ["display"] and not error_line(output):
            return self._reply(output or "", self._config_prompt(mark="*"))
        return self._reply(output or "", self.prompt)


_MISSING = object()
