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


RECOVER = "playbooks/bgp_rollout_recover.yml"


def _read_back(steps):
    """What the router ran when the rescue read it back: ``{trial, seconds_left, policy}`` (trial ``pending`` |
    ``none`` | ``unknown``, policy ``new`` | ``old`` | ``unknown``), or None when no trial commit was attempted.
    The reads run with ``failed_when: false``: a read that failed keeps its ``msg``, one that worked has none."""
    trial, policy = steps.get("trial_after"), steps.get("policy_after")
    if not trial or trial.get("skipped"):
        return None
    seen = {"trial": "unknown", "seconds_left": None, "policy": "unknown"}
    if not trial.get("msg"):
        seen.update(trial="pending" if trial.get("trial_pending") else "none", seconds_left=trial.get("trial_seconds_left"))
    if policy and not policy.get("msg") and not policy.get("skipped"):
        seen["policy"] = "old" if policy.get("changed") else "new"
    return seen


def _restore_failures(steps):
    """The rescue's restore soft / hard resets that went wrong (their messages)."""
    restores = _items(steps.get("restored")) + _items(steps.get("hard_restored"))
    return [failure for failure in map(_restore_failure, restores) if failure]


def _after_failure(steps):
    """Status after a failed step, from the read-back: the router is the truth, whatever the abort reported."""
    seen = _read_back(steps)
    if seen is None:   # not read back: no trial commit was attempted, or the rescue itself stopped
        if _changed(steps.get("aborted")):
            return "rolled_back"
        return "unknown" if _changed(steps.get("applied")) or _failed(steps.get("applied")) else "failed"
    if not (_changed(steps.get("applied")) or _failed(steps.get("applied"))):
        return "failed"   # the configuration was in place already: this run committed nothing
    if seen["trial"] == "pending":
        return "trial_pending"
    if "unknown" in (seen["trial"], seen["policy"]):
        return "unknown"
    if seen["policy"] == "new":   # no trial and the new policy: a confirm reached the router
        return "confirmed" if steps.get("confirmed") is not None else "mixed"
    reset = _items(steps.get("soft_resets")) or _items(steps.get("hard_resets"))
    restored = _items(steps.get("restored")) or _items(steps.get("hard_restored"))
    if reset and (not restored or _restore_failures(steps)):
        return "mixed"   # routes were refreshed under the new policy and not (all) again under the old one
    # old policy, no trial: rolled back (abort or timer) if this run's trial commit succeeded; after a commit whose
    # outcome is unknown or that was refused, nothing of the change is on the router
    return "rolled_back" if _changed(steps.get("aborted")) or restored or _changed(steps.get("applied")) else "failed"


def _status(steps, check_mode):
    """confirmed | unchanged | would_change | nothing_to_do | precheck_failed | rolled_back | trial_pending |
    mixed | unknown | failed (the filter's documentation says when)."""
    plan, failure = steps.get("plan"), steps.get("failure")
    if not steps.get("has_work"):
        return "nothing_to_do"
    if plan is None or not plan.get("ok"):
        return "precheck_failed"
    if failure is not None:
        return _after_failure(steps)
    if _failed(steps.get("prepared")) or _failed(steps.get("facts_prepared")):
        return "failed"
    if steps.get("confirmed") is None:     # the confirm task was never reached
        return "failed"
    if check_mode:
        return "would_change" if _changed(steps.get("applied")) or _changed(steps.get("pending")) else "unchanged"
    if _changed(steps.get("confirmed")):
        return "confirmed"
    return "failed" if _changed(steps.get("applied")) else "unchanged"


def _operator_action(status, router, steps):
    """What the operator must do when the router is not clean ('' when it is)."""
    seen = _read_back(steps) or {}
    if status == "trial_pending":
        left = seen.get("seconds_left")
        return ("%s still runs the trial commit (the new policy) and it belongs to the lost SSH session, so no new "
                "session can abort it; its timer rolls it back in %s. Then run %s with the same variables and "
                "report_dir: it waits for the timer and soft resets the targets so the routes follow the old "
                "policy. To end the trial now: 'abort trial session <id>' in a configuration view (the router "
                "lists the id with 'abort trial session ?'), then run %s."
                % (router, "%d s" % left if left is not None else "at most the trial time", RECOVER, RECOVER))
    if status == "mixed":
        return ("%s runs the %s policy but the routes of the soft reset targets may still follow the other one (%s). "
                "Run %s with the same variables and report_dir: it soft resets the targets so the routes follow "
                "the policy the router runs." % (router, seen.get("policy"), "; ".join(_restore_failures(steps))
                                                 or "they were not soft reset again", RECOVER))
    if status == "unknown":
        return ("%s could not be read back after the failure. A trial commit that was not confirmed rolls back by "
                "its timer (at most %s s after the commit). Once %s is reachable, run %s with the same variables "
                "and report_dir: it reads the router back and soft resets the targets so the routes follow the "
                "policy it runs." % (router, steps.get("trial_seconds") or "the trial time", router, RECOVER))
    return ""


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


def _keep_all_routes_enabled(prepared):
    """``[{address, address_family, vpn_instance}]`` whose keep-all-routes the preparation committed."""
    return [{"address": address, "address_family": item["item"].get("address_family"),
             "vpn_instance": item["item"].get("vpn_instance")}
            for item in _items(prepared) if item.get("changed") and not item.get("failed")
            for address, enabled in (item.get("after") or {}).items() if enabled and not item["before"].get(address)]


def vrp_rollout_report(steps, router, check_mode=False):
    """The ``bgp_policy_rollout_report`` of one router from what its rollout steps registered.

    ``steps``: ``{has_work, run_id, trial_seconds, pending, facts, plan, prepared, facts_prepared, applied,
    soft_resets, hard_resets, verdict, confirmed, failure, aborted, trial_after, policy_after, restored,
    hard_restored}``, each the registered result or fact of that step, or None when the step was never reached
    (a skipped step is a result with ``skipped``).
    """
    check_mode = bool(check_mode)
    plan = steps.get("plan") or {}
    verdict = steps.get("verdict") or {}
    applied = steps.get("applied") or {}
    pending = steps.get("pending")
    restore_results = _items(steps.get("restored")) + _items(steps.get("hard_restored"))
    status = _status(steps, check_mode)
    seen = _read_back(steps)
    return {
        "router": router,
        "run_id": steps.get("run_id"),
        "status": status,
        "check_mode": check_mode,
        "message": _message(steps),
        # after a failure, what the router runs now (read back), and what the operator must do
        "router_state": seen,
        "operator_action": _operator_action(status, router, steps),
        "changes": plan.get("change_names") or [],
        "config_updates": applied.get("updates") or [],
        "commands": applied.get("commands") or [],
        "commit_id": applied.get("commit_id"),
        # keep-all-routes calls that ran (a skipped item has no "changed")
        "prepared": _values(steps.get("prepared"), "sessions_reset"),
        "peers": verdict.get("peers") or [],
        "would_send": _would_send(steps) if check_mode else [],
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
        # committed before the trial, so a rollback leaves them; the role does not remove them (docs/reliability.md)
        "keep_all_routes_left": [] if check_mode else _keep_all_routes_enabled(steps.get("prepared")),
    }


def vrp_recovery_report(steps, router, check_mode=False):
    """The report of the recovery play (role entry point ``recover``) for one router, in the shape of
    ``vrp_rollout_report`` so that ``vrp_rollout_summary`` prints it.

    ``steps``: ``{has_work, last_run, trial_after, policy_after, plan, soft_resets, hard_resets, failure}``.
    Status: ``nothing_to_do`` (no work, or the last run finished clean), ``failed`` (a read or a reset failed),
    ``trial_pending`` (still pending after the wait), ``would_reconcile`` (check mode) or ``reconciled``.
    """
    last = steps.get("last_run") or {}
    failure, trial, plan = steps.get("failure"), steps.get("trial_after") or {}, steps.get("plan") or {}
    seen = None
    if trial and not trial.get("skipped"):
        policy = steps.get("policy_after") or {}
        seen = {"trial": "pending" if trial.get("trial_pending") else "none",
                "seconds_left": trial.get("trial_seconds_left"),
                "policy": "unknown" if not policy or policy.get("skipped") else "old" if policy.get("changed") else "new"}
    if not steps.get("has_work"):
        status, message = "nothing_to_do", ""
    elif failure is not None:
        status, message = "failed", "%s: %s" % (failure.get("task"), failure.get("msg"))
    elif seen is None:
        status = "nothing_to_do"
        finished = last.get("status") or "no run on record"
        message = "the last run on %s finished (%s): nothing to reconcile" % (router, finished)
    elif seen["trial"] == "pending":
        status, message = "trial_pending", last.get("reason") or ""
    else:
        status = "would_reconcile" if check_mode else "reconciled"
        resets = _values(steps.get("soft_resets"), "commands") + _values(steps.get("hard_resets"), "commands")
        message = "%s; the router runs the %s policy%s" % (
            last.get("reason") or "recovery forced", seen["policy"],
            " and its targets were reset under it" if resets else " (no target to reset)")
    action = ""
    if status == "trial_pending":
        action = ("%s still runs a trial commit owned by a lost session (%s s left, longer than "
                  "bgp_policy_rollout_recover_wait): let its timer roll it back, or end it with 'abort trial session "
                  "<id>' in a configuration view (the router lists the id with 'abort trial session ?'), then run %s "
                  "again." % (router, seen.get("seconds_left"), RECOVER))
    elif status == "failed":
        action = "fix the cause above, then run %s again" % RECOVER
    return {
        "router": router, "run_id": last.get("run_id"), "status": status, "check_mode": bool(check_mode),
        "message": message, "router_state": seen, "operator_action": action,
        "changes": plan.get("change_names") or [],
        "soft_reset_commands": _values(steps.get("soft_resets"), "commands"),
        "hard_reset_commands": _values(steps.get("hard_resets"), "commands"),
        "last_run": last,
    }


# Commands that only move between views: where a task starts depends on where the previous one left the session.
_NAVIGATION = ("system-view", "quit", "return")
# the role's steps that send configuration, commits or operational commands, in the order it runs them
_SENDING_STEPS = ("pending", "prepared", "applied", "soft_resets", "hard_resets")


def _would_send(steps):
    """Check mode: every non-display command the real run sends on this router, in order (view moves left out).

    Each step's check-mode ``commands`` (keep-all-routes planned as enabled for the soft reset), then the
    confirm: check mode made no trial, so its vrp_commit has none to confirm and reports no ``commit``.
    """
    out = [c for name in _SENDING_STEPS for c in _values(steps.get(name), "commands") if c not in _NAVIGATION]
    if _changed(steps.get("applied")) and steps.get("confirmed") is not None:
        out.append("commit")
    return out


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
    if check and report.get("would_send"):
        # the whole plan, keep-all-routes first: the real run sends these, in this order
        lines.append("  would send, in this order (moves between views left out):")
        lines.extend("    %s" % command for command in report["would_send"])
    else:
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
    seen = report.get("router_state")
    if seen:
        lines.append("  read back: %s, %s policy" % (
            "trial pending (%s s left)" % seen.get("seconds_left") if seen["trial"] == "pending"
            else "no trial" if seen["trial"] == "none" else "trial state unknown", seen["policy"]))
    if rollback.get("aborted") or status == "rolled_back" and seen:
        lines.append("  trial %s: previous policy restored; re-sent: %s"
                     % ("aborted" if rollback.get("aborted") else "ended", ", ".join(rollback.get("restore_commands")
                                                                                     or []) or "nothing"))
    for failure in rollback.get("restore_failures") or []:
        lines.append("  RESTORE FAILED: %s" % failure)
    if status != "confirmed":
        for session in report.get("keep_all_routes_left") or []:
            lines.append("  keep-all-routes left enabled for %s (%s): committed before the trial, so not rolled back "
                         "(removing it may re-establish the session; docs/reliability.md)"
                         % (session["address"], _where(session)))
    if report.get("operator_action"):
        lines.append("  OPERATOR ACTION: %s" % report["operator_action"])
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
        return {"vrp_rollout_report": vrp_rollout_report, "vrp_recovery_report": vrp_recovery_report,
                "vrp_rollout_summary": vrp_rollout_summary, "vrp_rollout_not_attempted": vrp_rollout_not_attempted}
