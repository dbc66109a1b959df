# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run journal: what each netops.vrp task sent to a router, written on the controller as it happens.

When the connection option ``journal`` (variable ``netops_vrp_journal``) names a file, every action plugin
appends one JSON object per line: ``task`` when it starts, ``send`` before each line that is not a display
(written ahead, so a controller killed while the router runs it still leaves the line on record),
``reply`` after its answer (or ``lost``), and ``result`` when the task ends. Each line is flushed and
fsynced, so SIGKILL of ansible-playbook loses at most the line being written.
``read_journal`` reads it back (a torn last line is skipped); ``last_run`` tells the recovery play (filter
``vrp_rollout_last_run``) whether the last rollout run on a router finished.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from ansible_collections.netops.vrp.plugins.module_utils.transport import error_line

# result keys worth keeping: what a task did, never its arguments (secrets stay out of the file)
_RESULT_KEYS = ("changed", "failed", "step", "msg", "commit_id", "trial_pending", "trial_seconds_left")


class Journal:
    """Appends records for one task on one host to ``path`` (mode 0600, directories must exist)."""

    def __init__(self, path: str, host: str, task: str) -> None:
        self.path, self.host, self.task = path, host, task

    def record(self, event: str, **fields) -> None:
        line = json.dumps(dict(time=round(time.time(), 3), host=self.host, task=self.task, event=event, **fields),
                          sort_keys=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    # -- the hooks VrpCli and VrpActionBase call ------------------------------------------------------
    def before_send(self, command: str) -> None:
        self.record("send", command=command)

    def after_send(self, command: str, reply=None, error=None) -> None:
        if error is not None:
            self.record("lost", command=command, error=str(error))
        else:
            self.record("reply", command=command, error=error_line(reply.output) or None)

    def task_result(self, result: dict) -> None:
        self.record("result", **dict((k, result[k]) for k in _RESULT_KEYS if k in result))


def read_journal(path: str) -> list:
    """The journal's records in order; ``[]`` when the file does not exist."""
    records = []
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                try:
                    records.append(json.loads(line))
                except ValueError:
                    continue   # the line a killed controller was writing
    except FileNotFoundError:
        return []
    return records


# report statuses that leave the router not clean (the rollout report's; in_progress: the run never finished)
NOT_CLEAN = ("in_progress", "trial_pending", "mixed", "unknown")


def last_run(journal_text: str, report: dict = None) -> dict:
    """What the recovery play needs to know about the last rollout run on a router, from its journal (the
    text of ``<report_dir>/<host>.journal.jsonl``) and its report (``<host>.json``, or None).

    ``{run_id, trial_sent, sent, report_status, unfinished, reason}``: ``trial_sent`` when a ``commit trial``
    line was written (before it was sent: whether the router ran it is read from the router); ``sent``: the
    lines other than displays that run wrote. The run is unfinished when its trial commit was sent and its
    report is not a final one of the same run (a killed or interrupted controller leaves ``in_progress``, or
    an older run's report), or when the report says the router was left not clean.
    """
    records = []
    for line in (journal_text or "").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue   # the line a killed controller was writing
    report = report or {}
    trials = [i for i, r in enumerate(records) if r.get("event") == "send"
              and str(r.get("command", "")).startswith("commit trial")]
    out = {"run_id": None, "trial_sent": bool(trials), "sent": [], "report_status": report.get("status"),
           "unfinished": False, "reason": ""}
    if trials:
        words = records[trials[-1]]["command"].split()
        out["run_id"] = words[words.index("label") + 1] if "label" in words[:-1] else None
        out["sent"] = [r["command"] for r in records[trials[-1]:] if r.get("event") == "send"]
    if out["trial_sent"] and (report.get("run_id") != out["run_id"] or report.get("status") == "in_progress"):
        out.update(unfinished=True, reason="run %s sent its trial commit and did not write its final report (the "
                   "controller was killed or interrupted)" % out["run_id"])
    elif report.get("status") in NOT_CLEAN[1:]:   # in_progress without a trial commit: no policy change was sent
        out.update(unfinished=True, reason="run %s left the router %s" % (report.get("run_id"), report.get("status")))
    return out
