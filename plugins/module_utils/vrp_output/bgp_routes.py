# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers of the BGP routing-table displays (per-peer received / advertised / accepted routes, statistics)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.netops.vrp.plugins.module_utils.vrp_output.values import (
    ADDR as _ADDR,
)
from ansible_collections.netops.vrp.plugins.module_utils.vrp_output.values import (
    canonical_address,
    canonical_network,
)

# --- display bgp ... routing-table peer ADDR {received|advertised}-routes [statistics] ----------------

_RT_STATUS = re.compile(r"^\s*(?P<status>[*>#A-Za-z]{1,5})?\s+(?P<network>" + _ADDR +
                        r"/\d+)\s+(?P<next_hop>" + _ADDR + r")(?P<rest>.*)$")
_RT_TOTAL = re.compile(r"Total Number of Routes\s*:\s*(\d+)", re.I)
_RT_PEER_TOTAL = re.compile(r"^\s*(Received|Advertised) routes total\s*:\s*(\d+)", re.I)
_RT_ROUTER = re.compile(r"BGP Local router ID is\s+(\S+)", re.I)
_RT_KEY = re.compile(r"\b(Network|PrefixLen|NextHop|LocPrf|MED|PrefVal|Label|Path/Ogn)\s*:")
_TOKEN = re.compile(r"\S+")
_STATS_TOTAL = re.compile(r"^\s*Total Number of (.+?)\s*:\s*(\d+)\s*$", re.I)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _key_values(line):
    """``MED      : 0        PrefVal   : 0`` -> {"MED": "0", "PrefVal": "0"} (values may be empty)."""
    keys = list(_RT_KEY.finditer(line))
    return dict((m.group(1), line[m.end():keys[i + 1].start() if i + 1 < len(keys) else len(line)].strip())
                for i, m in enumerate(keys))


def _split_path(text):
    """``65010 65099?`` -> ("65010 65099", "?"); origin letter i/e/? is glued to the last AS."""
    text = text.strip()
    if not text:
        return "", None
    if text[-1] in "ie?":
        return text[:-1].strip(), text[-1]
    return text, None


def _route_from_columns(match, header):
    """One table row; MED/LocPrf may be blank, so numbers are matched to the header columns by position."""
    rest = match.group("rest")
    offset = match.start("rest")
    tokens = [(m.group(0), offset + m.start(), offset + m.end()) for m in _TOKEN.finditer(rest)]
    route = {"status": (match.group("status") or "").strip(), "network": canonical_network(match.group("network")),
             "next_hop": canonical_address(match.group("next_hop")), "med": None, "local_pref": None,
             "pref_val": None, "path": "", "origin": None}
    columns = header or {}
    path_start = columns.get("Path/Ogn")
    numeric = []
    path_tokens = []
    for tok, start, end in tokens:
        if path_start is not None and start >= path_start - 1:
            path_tokens.append(tok)
        elif path_tokens or not tok.isdigit():
            path_tokens.append(tok)
        else:
            numeric.append((tok, start, end))
    if path_start is None and numeric and not path_tokens:
        path_tokens = [numeric.pop()[0]]
    names = [name for name in ("MED", "LocPrf", "PrefVal") if name in columns]
    if names and len(numeric) == len(names):
        # a value in every column: header order (also when a page lost the spacing [NE40E-CR
        # display-bgp-routing-table-peer(BGPOM)])
        chosen = names
    else:
        # blank MED/LocPrf: the label whose text span is nearest the value's; values sit under the
        # label's start [NE40E-CR display-bgp-routing-table-brief(BGPOM)] or end (right-aligned)
        chosen = [min(names, key=lambda n: max(0, columns[n] - end, start - columns[n] - len(n)))
                  if names else "PrefVal" for _tok, start, end in numeric]
    for (tok, _start, _end), name in zip(numeric, chosen, strict=False):
        route[{"MED": "med", "LocPrf": "local_pref", "PrefVal": "pref_val"}[name]] = int(tok)
    route["path"], route["origin"] = _split_path(" ".join(path_tokens))
    return route


def parse_routing_table(text: str) -> dict:
    """Parse a BGP routing table (``... routing-table peer X received-routes|advertised-routes``) or its
    ``statistics`` form.

    Returns ``{router_id, total, kind, routes}``: ``total`` from ``Total Number of Routes`` or
    ``Received/Advertised routes total`` (``kind`` received|advertised for the statistics form, else
    None); ``routes`` a list of ``{status, network, next_hop, med, local_pref, pref_val, path, origin}``
    from the column table or from the ``Network : ...`` key/value blocks of IPv6 tables.
    """
    result = {"router_id": None, "total": None, "kind": None, "routes": []}
    header = None
    block = None
    for line in text.splitlines():
        m = _RT_ROUTER.search(line)
        if m:
            result["router_id"] = m.group(1)
            continue
        m = _RT_TOTAL.search(line)
        if m:
            result["total"] = int(m.group(1))
            continue
        m = _RT_PEER_TOTAL.match(line)
        if m:
            result["kind"] = m.group(1).lower()
            result["total"] = int(m.group(2))
            continue
        if "Network" in line and "NextHop" in line and ":" not in line:
            header = {name: line.index(name) for name in ("MED", "LocPrf", "PrefVal", "Path/Ogn") if name in line}
            continue
        pairs = _key_values(line)
        if "Network" in pairs:
            status = line.split("Network")[0].strip()
            network = canonical_network("%s/%s" % (pairs["Network"], pairs.get("PrefixLen", "")))
            block = {"status": status, "network": network,
                     "next_hop": None, "med": None, "local_pref": None, "pref_val": None,
                     "path": "", "origin": None}
            result["routes"].append(block)
            continue
        if block is not None and pairs:
            for key, value in pairs.items():
                value = value.strip()
                if key == "NextHop":
                    block["next_hop"] = canonical_address(value) if value else None
                elif key in ("MED", "LocPrf", "PrefVal") and value.isdigit():
                    block[{"MED": "med", "LocPrf": "local_pref", "PrefVal": "pref_val"}[key]] = int(value)
                elif key == "Path/Ogn":
                    block["path"], block["origin"] = _split_path(value)
            continue
        row = _RT_STATUS.match(line)
        if row:
            result["routes"].append(_route_from_columns(row, header))
    return result


def parse_routing_table_statistics(text: str) -> dict:
    """``display bgp routing-table statistics``: ``Total Number of X: N`` lines -> {"x": N} (snake case)."""
    stats = {}
    for line in text.splitlines():
        m = _STATS_TOTAL.match(line)
        if m:
            key = _NON_ALNUM.sub("_", m.group(1).lower()).strip("_")
            stats[key] = int(m.group(2))
    return stats
