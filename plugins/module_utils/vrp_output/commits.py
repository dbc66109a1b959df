# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers of the commit model's displays: the commit list, a commit's changes, the trial status."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from typing import List, Optional

_COMMIT_CHANGES_HEADER = re.compile(r"commitId\s*:?\s*([12]\d{9})\b", re.IGNORECASE)


def parse_commit_id(output: str) -> Optional[str]:
    """Newest commit id from ``display configuration commit list [verbose] 1``, or None.

    UNVERIFIED layout on real VRP (brief columns ``No. CommitId Label User TimeStamp``, verbose
    ``CommitId: N``): take the first 10-digit id of the first data row / CommitId field.
    """
    match = re.search(r"CommitId\s*:\s*([12]\d{9})\b", output or "")
    if match:
        return match.group(1)
    for row in (output or "").splitlines():
        found = re.match(r"^\s*1\s+([12]\d{9})\b", row)
        if found:
            return found.group(1)
    return None


def parse_commit_points(output: str) -> List[dict]:
    """``[{"commit_id": str, "label": str or None}]`` from ``display configuration commit list verbose``.

    Verbose blocks carry ``CommitId: N`` then ``Label: L`` (``-`` when the commit has none); the brief
    table's columns are UNVERIFIED, so the rollback pre-check reads the verbose form.
    """
    points = []
    for line in (output or "").splitlines():
        found = re.search(r"CommitId\s*:\s*(\d+)", line)
        if found:
            points.append({"commit_id": found.group(1), "label": None})
            continue
        found = re.match(r"^\s*Label\s*:\s*(\S+)\s*$", line)
        if found and points and found.group(1) != "-":
            points[-1]["label"] = found.group(1)
    return points


def parse_commit_changes(text: str) -> dict:
    """``display configuration commit changes [at ID]`` -> ``{commit_id, changes: [(sign, path, line)]}``.

    Layout (vrp-cli-reference §1.3, reconstructed): an optional ``Commit changes of commitId ID ...``
    header, ``Building configuration``, then lines prefixed ``+ `` / ``- `` (changed) or two spaces
    (context) with the configuration's own indentation after the prefix. ``path`` is the tuple of the
    enclosing view lines (context or changed), outermost first; ``#`` separators reset nothing.
    """
    match = _COMMIT_CHANGES_HEADER.search(text or "")
    out = {"commit_id": match.group(1) if match else None, "changes": []}
    stack = []  # (indent, line) of the enclosing views
    for raw in (text or "").splitlines():
        if raw[:2] not in ("+ ", "- ", "  ") or not raw[2:].strip() or raw[2:].strip() == "#":
            continue
        body = raw[2:]
        indent = len(body) - len(body.lstrip(" "))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if raw[0] in "+-":
            out["changes"].append((raw[0], tuple(entry[1] for entry in stack), body.strip()))
        stack.append((indent, body.strip()))
    return out


# display configuration trial status [NE40E-CR DisplayTrialState(CFGOM); CE-CR display_configuration_trial_status.md]
_TRIAL_STATUS_RE = re.compile(r"^\s*Trial status\s*:\s*(\S+)\s*$", re.M | re.I)
_TRIAL_LEFT_RE = re.compile(r"^\s*Trial time left \(sec\)\s*:\s*(\d+)\s*$", re.M | re.I)


def parse_trial_status(output: str) -> dict:
    """``{"status": "INACTIVE"|"ACTIVE"|"CANCELING"|"WAITCANCEL"|..., "seconds_left": int or None,
    "pending": bool}`` from ``display configuration trial status``.

    Real text: ``Trial status: INACTIVE`` / ``Trial time left (sec): 0`` (optional ``Persist id:``). Every
    status but INACTIVE counts as pending: CANCELING / WAITCANCEL (a rollback under way) must block a new
    commit as much as ACTIVE does. Raises ValueError when there is no ``Trial status:`` line, so an unknown
    layout is never read as "no trial".
    """
    match = _TRIAL_STATUS_RE.search(output or "")
    if not match:
        raise ValueError("no 'Trial status:' line in %r" % (output,))
    status = match.group(1).upper()
    left = _TRIAL_LEFT_RE.search(output or "")
    return {"status": status, "seconds_left": int(left.group(1)) if left else None, "pending": status != "INACTIVE"}
