"""One VRP8 CLI session: views and prompts, command dispatch, error carets, confirmation questions.

Transport-free: ``CliSession.execute(line)`` returns the text the router prints (without the echo and
without the next prompt) and whether the session ends; ``server.py`` moves the bytes. The router the
session is attached to (``lab.Router``) owns running config, commits, trials, faults and the BGP world.
"""
import logging
import time
from dataclasses import dataclass

from vrpsim import config as cfg
from vrpsim import grammar as g
from vrpsim import output_filter
from vrpsim.bgp import semantic_text
from vrpsim.errors import CliError, numbered

log = logging.getLogger(__name__)

UNCOMMITTED_QUESTION = ("Warning: Uncommitted configurations found, commit them before exiting? "
                        "[Y(yes)/N(no)/C(cancel)]:")
UNCOMMITTED_REASK = "Error: Please choose 'YES', 'NO' or 'CANCEL' first before pressing 'Enter'. [Y/N/C]:"
# [CE-CR abort_trial.md; NE40E-CR CfgTrial(CFGOM)]
ABORT_TRIAL_QUESTION = "Warning: The trial configuration will be rolled back. Continue? [Y/N]:"
ABORT_TRIAL_DONE = "Info: The trial configuration rollback succeeded."
# [CE-CR commit_(All_views_except_the_user_view).md, abort_trial.md]
TRIAL_STARTED = ("Info: The system enters the trial configuration mode.\n"
                 "The system will revert to previous configuration if the trial configuration is not confirmed "
                 "in %d seconds.")
NOT_IN_TRIAL = "Error: The system is not in the trial configuration mode."   # UNVERIFIED wording
# R5, reading foreign_trial=refused: another session's commit / abort trial (UNVERIFIED wording)
FOREIGN_TRIAL = "Error: The trial configuration belongs to another session."
# [CE-CR rollback_configuration.md]
ROLLBACK_QUESTION = ("Warning: This operation will revert configuration changes to the previous status. During the "
                     "rollback configuration process, some configurations involving differences may be temporarily "
                     "invalid. Continue? [Y/N]:")
ROLLBACK_DONE = ("Checking changes...\nLoading rollback changes\nCommitting\nCheck rollback result\n"
                 "Configuration rollback succeeded.\n"
                 "Please use 'display configuration commit changes last 1' to view the changes.")
# [gnetcli huawei_mock_test.go; fs NE40E captures]
SCREEN_LENGTH_INFO = "Info: The configuration takes effect on the current user terminal interface only."
# Emulator-only question (reference §4.2), asked when the topology sets reset_confirm: true.
RESET_QUESTION = "Warning: The BGP connection(s) will be reset. Continue? [Y/N]:"
SYSTEM_VIEW_INFO = "Enter system view, return user view with return command."
COMMIT_REJECTED = ("Error: Failed to commit the configuration.\n"
                   "Reason: The commit was refused by a fault injected in the vrpsim lab.")
INTERNAL_ERROR = "Error: Failed to execute the command."   # the emulator hit a bug; logged, never a traceback

# `display version` first lines [NE40E-CR displayVersion(SPMOM); CE-CR display_version_(All_views).md]
VERSION_TEXT = """Huawei Versatile Routing Platform Software
{version_line}
Copyright (C) 2012-2020 Huawei Technologies Co., Ltd.
HUAWEI {model} uptime is {days} days, {hours} hours, {minutes} minutes"""


@dataclass(frozen=True)
class View:
    kind: str       # grammar view name
    suffix: str     # prompt suffix after the host name ("-bgp-af-ipv4")
    path: tuple     # config path of the block this view edits


USER_VIEW = View(g.USER, "", ())
SYSTEM_VIEW = View(g.SYSTEM, "", ())


@dataclass
class Reply:
    output: str = ""
    logout: bool = False


def _view_suffix(kind, tokens, parent):
    if kind == g.BGP:
        return "-bgp"
    if kind == g.BGP_VPN:
        return "-bgp-" + tokens[2]
    if kind in g.BGP_AF_VIEWS:
        return "-" + kind
    if kind == g.ROUTE_POLICY:
        return "-route-policy"
    if kind == g.VPN_INSTANCE:
        return "-vpn-instance-" + tokens[2]
    if kind == g.VPN_INSTANCE_AF:
        return parent.suffix + "-af-ipv4"
    return "-" + tokens[1]    # interface view: the full interface name


class CliSession:
    def __init__(self, router, user, session_id):
        self.router = router
        self.user = user
        self.session_id = session_id
        self.views = [USER_VIEW]
        self.candidate = None
        self.question = None        # (question text, answer handler) while a question waits
        self.typed = ""             # the line being run as typed (fault ``match`` is searched in it)

    # ----------------------------------------------------------------------------------- prompt
    @property
    def view(self):
        return self.views[-1]

    @property
    def pending(self):
        return self.candidate is not None and self.candidate.pending

    @property
    def prompt(self):
        if self.question:
            return self.question[0]
        name = self.router.config.hostname
        if self.view.kind == g.USER:
            return "<%s>" % name
        return "[%s%s%s]" % ("*" if self.pending else "~", name, self.view.suffix)

    # ----------------------------------------------------------------------------------- input
    def execute(self, line):
        """Run one typed line (or the answer to the open question)."""
        self.typed = line
        if self.question:
            _, handler = self.question
            self.question = None
            return handler(line.strip().lower())
        tokens_at = g.split_line(line)
        if not tokens_at:
            return Reply()
        prompt = self.prompt
        tokens = [t for t, _ in tokens_at]
        try:
            pipe = output_filter.pipe_index(tokens_at)
            if pipe is not None and "display".startswith(tokens[0].lower()):
                # `display ... | include RE ...`: the command before the first lone `|`, then its filters
                depth, match = self._match(tokens[:pipe])
                if match.command.action.startswith("display_"):
                    return self._run(depth, match, output_filter.parse(line, tokens_at, pipe))
            depth, match = self._match(tokens)
            return self._run(depth, match)
        except CliError as error:
            return Reply(self._render_error(error, prompt, tokens_at, offset=0))
        except Exception:   # a bug in the emulator must not kill the session or the server
            log.exception("%s: command %r failed", self.router.name, line)
            return Reply(INTERNAL_ERROR)

    def _render_error(self, error, prompt, tokens_at, offset):
        if not error.has_caret:
            return semantic_text(error.text, self.router.readings)
        text = numbered(error.kind, error.text) if self.router.platform.numbered_errors else error.text
        index = error.token_index + offset
        if index < len(tokens_at):
            column = tokens_at[index][1]
        else:   # incomplete: caret just after the last token (UNVERIFIED column)
            token, start = tokens_at[-1]
            column = start + len(token) + 1
        return " " * (len(prompt) + column) + "^\n" + text

    def _match(self, tokens):
        """Match in the current view; like VRP, a command of an enclosing view also works (and moves there)."""
        errors = []
        for depth in range(len(self.views) - 1, -1, -1):
            try:
                return depth, g.match_command(self.views[depth].kind, tokens)
            except CliError as error:
                errors.append(error)
            if self.views[depth].kind in (g.USER, g.SYSTEM):
                break
        raise max(errors, key=lambda e: e.token_index)   # the view that understood the most; ties: current

    def _run(self, depth, match, filters=()):
        action = match.command.action
        if action in cfg.CONFIG_ACTIONS:
            del self.views[depth + 1:]
            return self._configure(match)
        reply = getattr(self, "_do_" + action)(match)
        if filters:
            reply.output = output_filter.apply(filters, reply.output)
        if action.startswith("display_") and self.router.platform.display_timestamp:
            # newer NE40E print the time first on every display [netdis: "2024-06-08 13:04:22.667 +03:00"]
            reply.output = _display_timestamp() + ("\n" + reply.output if reply.output else "")
        return reply

    # ----------------------------------------------------------------------------------- config
    def _configure(self, match):
        if self.candidate is None:
            self.candidate = cfg.Candidate(self.router.config)
        view = self.view
        new_path = self.candidate.apply(view.path, view.kind, match)
        if new_path is not None:
            kind = match.command.enters
            self.views.append(View(kind, _view_suffix(kind, match.tokens, view), new_path))
        return Reply()

    def _discard(self):
        self.candidate = None

    def _to_user_view(self):
        self._discard()
        del self.views[1:]

    def _leave_system_view(self):
        """``return`` / ``quit`` out of system view: ask first if the candidate has edits."""
        if not self.pending:
            self._to_user_view()
            return Reply()

        def answer(reply):
            if reply in ("y", "yes"):
                result = self._commit_candidate()
                if result.output.startswith("Error:"):
                    return result
                self._to_user_view()
                return result
            if reply in ("n", "no"):
                self._to_user_view()
                return Reply()
            if reply in ("c", "cancel"):
                return Reply()
            self.question = (UNCOMMITTED_REASK, answer)
            return Reply()

        self.question = (UNCOMMITTED_QUESTION, answer)
        return Reply()

    def _do_system_view(self, match):
        self.views.append(SYSTEM_VIEW)
        return Reply(SYSTEM_VIEW_INFO)

    def _do_quit(self, match):
        if self.view.kind == g.USER:
            return Reply(logout=True)
        if self.view.kind == g.SYSTEM:
            return self._leave_system_view()
        self.views.pop()
        return Reply()

    def _do_return(self, match):
        if self.view.kind == g.USER:
            return Reply()
        return self._leave_system_view()

    def _do_screen_length(self, match):
        return Reply(SCREEN_LENGTH_INFO)   # paging is not emulated, so every length behaves like 0

    def _do_clear_candidate(self, match):
        self._discard()
        return Reply()

    # ----------------------------------------------------------------------------------- commit
    def _do_commit(self, match):
        """``commit [ trial [ <time> ] [ label <label> ] ] [ description <description> ]`` [NE40E-CR Commit(CFGOM)]."""
        words = match.tokens[1:]
        trial_seconds, label, description = None, "-", ""
        if words[:1] == ["trial"]:
            words = words[1:]
            trial_seconds = 600
            if words and words[0] not in ("label", "description"):
                trial_seconds, words = int(words[0]), words[1:]
        if words[:1] == ["label"]:
            label, words = words[1], words[2:]
            if self.router.config.label_in_use(label):
                return Reply("Error: The label already exists.")   # UNVERIFIED wording
        if words[:1] == ["description"]:
            description = " ".join(words[1:])
        return self._commit_candidate(label=label, description=description, trial_seconds=trial_seconds)

    def _foreign_trial(self):
        """The running trial when another session started it (R5), else None."""
        trial = self.router.config.trial
        return trial if trial is not None and trial.session != self.session_id else None

    def _commit_candidate(self, label="-", description="", trial_seconds=None):
        router = self.router
        # a fault's ``match`` picks which commit: searched in the typed line (``y`` when answering the
        # uncommitted-changes question), as for every fault kind
        if router.take_fault("reject_commit", command=self.typed):
            return Reply(COMMIT_REJECTED)
        foreign = self._foreign_trial()
        if foreign is not None and (self.pending or router.readings["foreign_trial"] == "refused"):
            # "only the current trial running user can modify the configuration" [NE40E-CG
            # Configuration_Precautions_for_Configuration_Management]
            return Reply(FOREIGN_TRIAL)
        if foreign is not None:   # reading "silent": an empty commit of another session changes nothing
            self._discard()
            return Reply()
        if trial_seconds is not None and router.config.trial is not None:
            return Reply("Error: The system is already in the trial configuration mode.")   # UNVERIFIED
        output = ""
        if trial_seconds is None and router.config.trial is not None:
            router.end_trial(roll_back=False)   # the owner's plain commit confirms its trial
        tree = self.candidate.current() if self.candidate is not None else None
        point = router.commit(tree, self.user, label, description) if tree is not None else None
        self._discard()
        if trial_seconds is not None and point is not None:
            router.start_trial(point, trial_seconds, self.session_id)
            output = TRIAL_STARTED % trial_seconds
        return Reply(output)

    def _do_abort_trial(self, match):
        """``abort trial [session <id>]``: the session's own trial, or the trial of session <id>."""
        trial = self.router.config.trial
        words = match.tokens[2:]
        owner = int(words[1]) if words else self.session_id
        if trial is None or (trial.session != owner and self.router.readings["foreign_trial"] == "silent"):
            return Reply(NOT_IN_TRIAL)
        if trial.session != owner:
            return Reply(FOREIGN_TRIAL)

        def answer(reply):
            if reply not in ("y", "yes"):
                return Reply()
            if self.router.config.trial is not trial:   # expired while the question was open
                return Reply(NOT_IN_TRIAL)
            self.router.end_trial(roll_back=True)
            return Reply(ABORT_TRIAL_DONE)

        self.question = (ABORT_TRIAL_QUESTION, answer)
        return Reply()

    def _do_rollback(self, match):
        words = match.tokens[2:]
        how, value = ("last", words[1]) if words[0] == "last" else (words[1], words[2])
        tree = self.router.config.find_rollback_target(how, value)   # a missing point: error, no question

        def answer(reply):
            if reply not in ("y", "yes"):
                return Reply()
            self.router.rollback(tree, self.user)
            return Reply(ROLLBACK_DONE)

        self.question = (ROLLBACK_QUESTION, answer)
        return Reply()

    # ----------------------------------------------------------------------------------- display
    def _do_display_version(self, match):
        minutes = int((time.time() - self.router.started) // 60)
        platform = self.router.platform
        return Reply(VERSION_TEXT.format(version_line=platform.version_line, model=platform.model,
                                         days=minutes // 1440, hours=minutes // 60 % 24, minutes=minutes % 60))

    def _do_display_current(self, match):
        section = match.tokens[3] if len(match.tokens) > 3 else None
        if section is None:
            # header lines of the full display [NE40E-CR buildrun(CFGOM)]
            header = "!Software Version %s\n!Last configuration was updated at %s" % (
                self.router.platform.release, _timestamp(self._last_change()))
            return Reply(header + "\n" + self.router.config.running_text())
        return Reply(cfg.render_config(self.router.config.running, section))

    def _last_change(self):
        commits = self.router.config.commits
        return commits[-1].timestamp if commits else self.router.started

    def _do_display_this(self, match):
        return Reply(cfg.render_block(self.router.config.running, self.view.path))

    def _do_display_candidate(self, match):
        running = self.router.config.running
        tree = self.candidate.current() if self.candidate is not None else running
        if match.tokens[-1] == "changes":
            return Reply(cfg.render_changes(running, tree))
        return Reply(cfg.render_candidate(running, tree))

    def _do_display_commit_list(self, match):
        words = match.tokens[4:]
        verbose = "verbose" in words
        count = int(words[-1]) if words and words[-1] != "verbose" else None
        points = list(reversed(self.router.config.commits))[:count]
        return Reply(render_commit_list(points, verbose))

    def _do_display_commit_changes(self, match):
        words = match.tokens[4:]
        blocks = self.router.config.points_for_changes(*words[:2])
        if blocks is None:
            return Reply("Error: The specified rollback point does not exist.")   # UNVERIFIED
        out = []
        for point, before, after in blocks:
            if point is not None:
                out.append("Commit changes of commitId %d %s" % (point.commit_id, _timestamp(point.timestamp)))
            changes = cfg.render_changes(before, after)
            out += changes.splitlines()[1:]   # without its own "Building configuration"
        return Reply("\n".join(["Building configuration"] + out) if blocks else "")

    def _do_display_trial_status(self, match):
        return Reply(render_trial_status(self.router.config.trial, self.router.trial_remaining()))

    # ----------------------------------------------------------------------------------- BGP
    def _world_call(self, method, match, prompt_tokens_offset=2):
        tokens = match.tokens[prompt_tokens_offset:]
        try:
            return Reply(getattr(self.router.world, method)(self.router.name, tokens) or "")
        except CliError as error:
            if error.has_caret:
                error.token_index += prompt_tokens_offset
            raise

    def _do_display_bgp(self, match):
        return self._world_call("display", match)

    def _do_refresh_bgp(self, match):
        return self._world_call("refresh", match)

    def _do_reset_bgp(self, match):
        if not self.router.reset_confirm:
            return self._world_call("reset", match)
        prompt, typed = self.prompt, match

        def answer(reply):
            if reply not in ("y", "yes"):
                return Reply()
            try:
                return self._world_call("reset", typed)
            except CliError as error:   # render against the original command line
                return Reply(self._render_error(error, prompt, g.split_line(" ".join(typed.tokens)), 0))

        self.question = (RESET_QUESTION, answer)
        return Reply()


def _timestamp(epoch):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))


def _display_timestamp():
    now = time.time()
    return "%s.%03d %s" % (time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now)), int(now * 1000) % 1000,
                           _utc_offset())


def _utc_offset():
    offset = time.strftime("%z")   # +0300
    return offset[:3] + ":" + offset[3:]


def render_commit_list(points, verbose):
    """``display configuration commit list [verbose]``; newest first. Verbose as in [NE40E-CR
    DisplayCfgCommitList(CFGOM)] (no leading space); brief columns are UNVERIFIED."""
    if verbose:
        blocks = []
        for n, p in enumerate(points, 1):
            blocks.append("\n".join((
                "%d) CommitId: %d" % (n, p.commit_id),
                "        Label: %s" % p.label,
                "        User: %s" % p.user,
                "        User-Intf: VTY 0",
                "        Type: %s" % p.kind,
                "        TimeStamp: %s" % _timestamp(p.timestamp),
                "        Description: %s" % p.description)))
        return "\n\n".join(blocks)
    lines = ["No.  CommitId    Label             User            TimeStamp"]
    for n, p in enumerate(points, 1):
        lines.append("%-4d %-11d %-17s %-15s %s" % (n, p.commit_id, p.label, p.user, _timestamp(p.timestamp)))
    return "\n".join(lines)


def render_trial_status(trial, remaining):
    """``display configuration trial status`` [NE40E-CR DisplayTrialState(CFGOM); CE-CR
    display_configuration_trial_status.md]. CANCELING / WAITCANCEL (an abort in progress) are not modelled."""
    if trial is None:
        return "Trial status: INACTIVE\nTrial time left (sec): 0"
    return "Trial status: ACTIVE\nTrial time left (sec): %d" % remaining
