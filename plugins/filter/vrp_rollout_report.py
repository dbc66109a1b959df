# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout report of one router: ``vrp_rollout_report`` builds it, ``vrp_rollout_summary`` reads it out.

One home for the report of the ``bgp_policy_rollout`` role: its status rules, its fields, and the lines
the role prints (``make demo``, scripts/demo.py, prints the same lines). Python rather than Jinja because
ansible-core compiles a template every time it renders one, in every forked worker: the report's twenty
expressions and its template file cost about 0.2 CPU-second per router (bench/run.py, issue 8).

Standard library only, so that scripts can load this file without ansible_collections on the path.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type


def _changed(result):
    return bool(result and result.get("changed"))


def _failed(result):
    return bool(result and result.get("failed"))


def _items(result):
    """A task's item results: a loop's ``results``, or the task's own result; none when it was skipped."""
    if not result:
        return []
    if "results" in result:
        return [item for item in result["results"] if not item.get("skipped")]
    return [] if result.get("skipped") else [result]


def _values(result, key):
    """``key`` of every item result of a task (looped or not), flattened."""
    values = []
    for item in _items(result):
        value = item.get(key) or []
        values.extend(value if isinstance(value, list) else [value])
    return values


def _restore_failure(item):
    """What went wrong with a restore step's result, or None. The role runs the restore steps with
    ``failed_when: false`` (the rescue must go on), which clears ``failed``; their ``msg`` stays, and a
    restore that succeeds has none."""
    if item.get("failed") or item.get("msg"):
        return item.get("msg") or "failed"
    return None


def _status(steps, check_mode):
    """confirmed | unchanged | would_change | nothing_to_do | precheck_failed | rolled_back | failed."""
    plan, failure = steps.get("plan"), steps.get("failure")
    if not steps.get("has_work"):
        return "nothing_to_do"
    if plan is None or not plan.get("ok"):
        return "precheck_failed"
    if failure is not None:
        return "rolled_back" if _changed(steps.get("aborted")) else "failed"
    if _failed(steps.get("prepared")) or _failed(steps.get("facts_prepared")):
        return "failed"
    if steps.get("confirmed") is None:     # the confirm task was never reached
        return "failed"
    if check_mode:
        return "would_change" if _changed(steps.get("applied")) or _changed(steps.get("pending")) else "unchanged"
    if _changed(steps.get("confirmed")):
        return "confirmed"
    return "failed" if _changed(steps.get("applied")) else "unchanged"


def _message(steps):
    """Why the rollout stopped on this router ('' when it did not)."""
    failure, plan = steps.get("failure"), steps.get("plan")
    if failure is not None:
        return "%s: %s" % (failure.get("task"), failure.get("msg"))
    if _failed(steps.get("pending")):
        return steps["pending"].get("msg") or "a trial commit is pending on the router; wait for it to end or abort it"
    if _failed(steps.get("facts")):
        return steps["facts"].get("msg") or ""
    if plan is not None and not plan.get("ok"):
        return "; ".join(plan.get("problems") or [])
    if _failed(steps.get("prepared")):
        return _items_failure(steps["prepared"]) or "keep-all-routes failed"
    if _failed(steps.get("facts_prepared")):
        return "sessions did not return to Established after keep-all-routes"
    return ""


def vrp_rollout_report(steps, router, check_mode=False):
    """The ``bgp_policy_rollout_report`` of one router from what its rollout steps registered.

    ``steps``: ``{has_work, pending, facts, plan, prepared, facts_prepared, applied, soft_resets,
    hard_resets, verdict, confirmed, failure, aborted, restored, hard_restored}``, each the registered
    result or fact of that step, or None when the step was never reached (a skipped step is a result
    with ``skipped``).
    """
    check_mode = bool(check_mode)
    plan = steps.get("plan") or {}
    verdict = steps.get("verdict") or {}
    applied = steps.get("applied") or {}
    pending = steps.get("pending")
    restore_results = _items(steps.get("restored")) + _items(steps.get("hard_restored"))
    return {
        "router": router,
        "status": _status(steps, check_mode),
        "check_mode": check_mode,
        "message": _message(steps),
        "changes": plan.get("change_names") or [],
        "config_updates": applied.get("updates") or [],
        "commands": applied.get("commands") or [],
        "commit_id": applied.get("commit_id"),
        # keep-all-routes calls that ran (a skipped item has no "changed")
        "prepared": _values(steps.get("prepared"), "sessions_reset"),
        "peers": verdict.get("peers") or [],
        # in check mode keep-all-routes was not enabled, so these soft resets could not be checked
        "unchecked_soft_resets": ([s["label"] for s in plan.get("soft_resets") or [] if s.get("after_preparation")]
                                  if check_mode and _changed(applied) else []),
        "soft_reset_commands": _values(steps.get("soft_resets"), "commands"),
        "hard_reset_commands": _values(steps.get("hard_resets"), "commands"),
        "sessions_reset": verdict.get("sessions_reset") or [],
        "verified": bool(verdict.get("verified")),
        "problems": (plan.get("problems") or []) + (verdict.get("problems") or []),
        "recovered": {
            # a trial left by an interrupted run of this rollout, aborted before redoing the change
            "trial_aborted": _changed(pending),
            "trial_commit_id": (pending or {}).get("trial_commit_id"),
            "candidate_discarded": bool((pending or {}).get("candidate_pending")) and not check_mode,
        },
        "rollback": {
            "aborted": _changed(steps.get("aborted")),
            "restore_commands": [c for item in restore_results for c in item.get("commands") or []],
            # the rescue's abort first: a trial it could not end (another session's, R5) is still pending
            "restore_failures": [failure for failure in map(_restore_failure, _items(steps.get("aborted"))
                                                            + restore_results) if failure],
        },
    }


def _where(item):
    return item["address_family"] + (" " + item["vpn_instance"] if item.get("vpn_instance") else "")


def vrp_rollout_summary(report):
    """Lines for one router's report (the ``bgp_policy_rollout_report`` fact), without trailing blanks."""
    check = bool(report.get("check_mode"))
    status = report.get("status") or "unknown"
    lines = ["%s: %s%s" % (report.get("router"), status.upper(),
                           " (check mode: nothing was sent but display commands)" if check else "")]
    if report.get("message"):
        lines.append("  reason: %s" % report["message"])
    recovered = report.get("recovered") or {}
    if recovered.get("trial_aborted"):
        lines.append("  %s trial commit %s left by an interrupted run of this rollout (previous configuration "
                     "restored first)" % ("would abort" if check else "aborted", recovered.get("trial_commit_id")))
    if recovered.get("candidate_discarded"):
        lines.append("  discarded an uncommitted candidate left in the session")
    if report.get("changes"):
        lines.append("  changes%s: %s" % (" (already in place)" if status == "unchanged" else "",
                                          ", ".join(report["changes"])))
    for line in report.get("config_updates") or []:
        lines.append("  %s: %s" % ("would apply" if check else "applied", line))
    for session in report.get("prepared") or []:
        lines.append("  %s keep-all-routes for %s (%s): session re-established once"
                     % ("would enable" if check else "enabled", session["address"], _where(session)))
    for command in (report.get("soft_reset_commands") or []) + (report.get("hard_reset_commands") or []):
        lines.append("  %s: %s" % ("would send" if check else "sent", command))
    for peer in report.get("peers") or []:
        counts = ""
        if peer.get("delta") is not None:
            before, after = peer.get("prefixes_before"), peer.get("prefixes_after")
            counts = ": prefixes %s -> %s (%+d)" % (before, after, peer["delta"])
        elif peer.get("prefixes_before") is not None:
            counts = ": prefixes %s" % peer["prefixes_before"]
        lines.append("  peer %s [%s %s] via %s%s" % (peer["address"], _where(peer), peer.get("direction"),
                                                     peer.get("path") or "?", counts))
    for session in report.get("sessions_reset") or []:
        lines.append("  SESSION RESET: %s (%s) %s" % (session["address"], session["address_family"],
                                                      session.get("reason")))
    for problem in report.get("problems") or []:
        lines.append("  problem: %s" % problem)
    rollback = report.get("rollback") or {}
    if rollback.get("aborted"):
        lines.append("  trial aborted: previous policy restored; re-sent: %s"
                     % (", ".join(rollback.get("restore_commands") or []) or "nothing"))
    for failure in rollback.get("restore_failures") or []:
        lines.append("  RESTORE FAILED: %s" % failure)
    return lines


def _items_failure(result):
    """A failed task's own reason: its failed loop items' messages (the router's refusal, e.g. ``Failed to
    commit``), not the loop's ``One or more items failed``."""
    if "results" in result:
        return "; ".join(item.get("msg") or "failed" for item in result["results"] if item.get("failed"))
    return result.get("msg")


# A router's rollout failed: the play (max_fail_percentage: 0) stops, so the routers of later batches are never
# attempted; the failing router reports them (tasks/not_attempted.yml), or they would be silently absent.
def vrp_rollout_not_attempted(hosts, stopped_by, hostvars, batch=()):
    """Reports (status ``not_attempted``) of ``hosts`` (``ansible_play_hosts_all``) outside this ``batch`` that
    have no ``bgp_policy_rollout_report`` in ``hostvars``; ``stopped_by`` is the failed router's report."""
    reached = set(batch or ())
    return [{"router": host, "status": "not_attempted", "check_mode": bool(stopped_by.get("check_mode")),
             "stopped_by": stopped_by.get("router"),
             "message": "never attempted: the rollout stopped when %s ended %s (%s); nothing was sent to this router"
                        % (stopped_by.get("router"), (stopped_by.get("status") or "failed").upper(),
                           stopped_by.get("message") or "no reason recorded")}
            for host in hosts if host not in reached and "bgp_policy_rollout_report" not in hostvars[host]]


class FilterModule(object):
    """netops.vrp rollout report filters."""

    def filters(self):
        return {"vrp_rollout_report": vrp_rollout_report, "vrp_rollout_summary": vrp_rollout_summary,
                "vrp_rollout_not_attempted": vrp_rollout_not_attempted}
