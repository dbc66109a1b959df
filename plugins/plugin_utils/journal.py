# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run journal: what each netops.vrp task sent to a router, written on the controller as it happens.

When the connection option ``journal`` (variable ``netops_vrp_journal``) names a file, every action plugin
appends one JSON object per line: ``task`` when it starts, ``send`` before each line that is not a display
(written ahead, so a controller killed while the router runs it still leaves the line on record),
``reply`` after its answer (or ``lost``), and ``result`` when the task ends. Each line is flushed and
fsynced, so SIGKILL of ansible-playbook loses at most the line being written.
``read_journal`` reads it back (a torn last line is skipped); the rollout report and the recovery play
(``vrp_rollout_recovery``) are built from it.
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
