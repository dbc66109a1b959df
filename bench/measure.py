#!/usr/bin/env python3
"""Run one command and measure its whole process tree: wall time, CPU time, peak RSS.

    python bench/measure.py OUT.json -- COMMAND [ARG...]

This process makes itself a child subreaper, so processes that detach from the command (the netops.vrp
session keeper, ansible-connection) are re-parented here, reaped here and counted:
- ``cpu_user``/``cpu_sys``: user/system CPU seconds of every descendant (``RUSAGE_CHILDREN``);
- ``rss_max_process_mb``: the largest peak RSS of any single descendant (``ru_maxrss``);
- ``rss_peak_sum_mb``: the largest sum of the RSS of all live descendants, sampled every 0.2 s
  (a sampled figure: a short spike between two samples is missed).
Waits until every descendant has exited (the keeper leaves when ansible-playbook is gone) before it
reports. The command's exit status is in ``rc``; this script exits 0 unless it could not run at all.
"""
import ctypes
import json
import os
import resource
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
SAMPLE_SECONDS = 0.2
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def become_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def process_table():
    """{pid: (ppid, rss_kb)} of every process we can read."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            with open("/proc/%s/statm" % entry) as handle:
                rss_pages = int(handle.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        table[int(entry)] = (int(fields[1]), rss_pages * PAGE_KB)
    return table


def descendants_rss_kb(root):
    table = process_table()
    children = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, list(children.get(root, []))
    while todo:
        pid = todo.pop()
        total += table[pid][1]
        todo.extend(children.get(pid, []))
    return total


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        raise SystemExit(__doc__.split("\n\n")[1])
    out_path, command = sys.argv[1], sys.argv[3:]
    become_subreaper()
    me = os.getpid()
    started = time.time()
    proc = subprocess.Popen(command)
    rc, wall, peak_sum = None, None, 0
    while True:
        peak_sum = max(peak_sum, descendants_rss_kb(me))
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)     # also reaps the command's orphans as they exit
        except ChildProcessError:
            break                                        # no descendant left
        if pid == proc.pid:
            rc, wall = os.waitstatus_to_exitcode(status), time.time() - started
        elif pid == 0:
            time.sleep(SAMPLE_SECONDS)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out_path, "w") as handle:
        json.dump({"rc": rc, "wall_s": round(wall, 3), "cpu_user_s": round(usage.ru_utime, 3),
                   "cpu_sys_s": round(usage.ru_stime, 3), "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
                   "rss_max_process_mb": round(usage.ru_maxrss / 1024, 1),
                   "rss_peak_sum_mb": round(peak_sum / 1024, 1)}, handle)


if __name__ == "__main__":
    main()
