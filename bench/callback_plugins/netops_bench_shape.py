"""Callback used by bench/run.py: each host-task's status, loop items and duration, nothing else.

The tests' results callback (tests/integration/harness.py) keeps every result whole in the main
ansible-playbook process until the end; at fleet size that grows the process every worker is forked
from, and that cost is the observer's, not the rollout's. This one keeps a few numbers per host-task.
Output: the file named by NETOPS_BENCH_SHAPE, {"plays": [{"name", "tasks": [{"name", "action",
"hosts": {host: {"_status", "_items", "_duration"}}}]}]}.
"""
from __future__ import absolute_import, division, print_function

import json
import os
import time

from ansible.plugins.callback import CallbackBase

__metaclass__ = type


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "netops_bench_shape"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.plays, self.tasks, self.starts = [], {}, {}

    def v2_playbook_on_play_start(self, play):
        self.plays.append({"name": play.get_name(), "tasks": []})

    def _task(self, task):
        entry = self.tasks.get(task._uuid)
        if entry is None:
            if not self.plays:
                self.plays.append({"name": "", "tasks": []})
            entry = self.tasks[task._uuid] = {"name": task.get_name(), "action": task.action, "hosts": {}}
            self.plays[-1]["tasks"].append(entry)
        return entry

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task(task)

    def v2_runner_on_start(self, host, task):
        self.starts[(host.get_name(), task._uuid)] = time.monotonic()

    def _record(self, result, status):
        host, task = result._host.get_name(), result._task
        items = result._result.get("results")
        row = {"_status": status}
        if isinstance(items, list):
            row["_items"] = sum(1 for item in items if not item.get("skipped"))
        start = self.starts.pop((host, task._uuid), None)
        if start is not None:
            row["_duration"] = time.monotonic() - start
        self._task(task)["hosts"][host] = row

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        with open(os.environ["NETOPS_BENCH_SHAPE"], "w") as handle:
            json.dump({"plays": self.plays}, handle)
