# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``vrp_rollout_summary``: the readable lines of one router's rollout report.

One home for how a ``bgp_policy_rollout_report`` reads: the role prints these lines and ``make demo``
(scripts/demo.py) prints the same ones. Python rather than a Jinja template because ansible-core
compiles every template each time it renders it, in every forked worker: a template file rendered per
router cost about 0.1 CPU-second per router (bench/run.py, issue 8).

Standard library only, so that scripts can load this file without ansible_collections on the path.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type


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
            counts = ": prefixes %s -> %s (%+d)" % (peer.get("prefixes_before"), peer.get("prefixes_after"),
                                                     peer["delta"])
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


class FilterModule(object):
    """netops.vrp report filter."""

    def filters(self):
        return {"vrp_rollout_summary": vrp_rollout_summary}
