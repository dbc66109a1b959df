"""``display bgp ...`` outputs of the emulator, in the layouts of vrp-cli-reference.md §5.

Pure formatting lives in the ``format_*`` functions (data in, text out, testable without a world);
``render`` maps the tokens after ``display bgp`` to the data the world holds. ``dump_router`` is the
JSON-able model state used by tests and the lab control socket.
"""
import ipaddress
import time
from dataclasses import dataclass, field
from typing import Optional

from vrpsim.errors import CliError

PEER_NOT_EXIST = "Error: The peer does not exist."   # UNVERIFIED wording (reference §2)
AF_LABELS = {"ipv4": "IPv4 Unicast", "ipv6": "IPv6 Unicast", "vpnv4": "VPNv4 Unicast"}  # VPNv4 label UNVERIFIED


# --------------------------------------------------------------------------- value formats
def format_up_down(seconds):
    """Up/Down column: ``HH:MM:SS`` under 24 h, then total hours and minutes ``HHHHhMMm`` [NE40E-CG
    examples ``0026h40m``]; beyond 9999 hours the hours overflow to ``****h48m`` [fs: NE40E
    "display bgp vpnv4 all peer" capture]."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours < 24:
        return "%02d:%02d:%02d" % (hours, minutes, secs)
    if hours > 9999:
        return "****h%02dm" % minutes
    return "%04dh%02dm" % (hours, minutes)


def format_duration(seconds):
    """Verbose ``Up for 00h21m07s``; from a day on ``1d13h13m00s`` [NE40E-CR display-bgp-Vrfflow-peer-verbose]."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return "%dd%02dh%02dm%02ds" % (days, hours, minutes, secs)
    return "%02dh%02dm%02ds" % (hours, minutes, secs)


def format_timestamp(wall):
    return time.strftime("%Y-%m-%d %H:%M:%S+00:00", time.gmtime(wall))


# --------------------------------------------------------------------------- peer tables
@dataclass
class PeerRow:
    """One line of a peer table plus what the verbose form adds."""

    address: str
    remote_as: str
    state: str
    up_down: float
    msg_rcvd: int = 0
    msg_sent: int = 0
    pref_rcv: int = 0
    # verbose
    ibgp: bool = False
    group: Optional[str] = None
    remote_router_id: str = "0.0.0.0"
    up_count: int = 0
    received_total: int = 0
    active_total: int = 0
    advertised_total: int = 0
    remote_port: int = 0
    last_state: str = "Idle"
    afs: tuple = ()                 # negotiated AF keys
    rr_local: bool = True
    rr_remote: bool = False
    keep_all_routes_line: Optional[str] = None   # the release's verbose line for keep-all-routes, if any
    rcvd: dict = field(default_factory=dict)   # Update/Open/KeepAlive/Notification/Refresh
    sent: dict = field(default_factory=dict)
    last_refresh_rcvd: Optional[float] = None  # wall clock
    last_refresh_sent: Optional[float] = None
    last_keepalive: Optional[float] = None
    import_policy: Optional[str] = None
    export_policy: Optional[str] = None
    description: Optional[str] = None


PEER_HEADER = "  %s V          AS  MsgRcvd  MsgSent  OutQ  Up/Down       State  PrefRcv"


def format_peer_table_rows(rows, peer_width=16):
    out = [PEER_HEADER % "Peer".ljust(peer_width - 1)]
    for r in rows:
        out.append("  %s%s%12s%9d%9d%6d %8s%12s%9d" % (
            r.address.ljust(peer_width), "4", r.remote_as, r.msg_rcvd, r.msg_sent, 0,
            format_up_down(r.up_down), r.state, r.pref_rcv))
    return out


def peer_width(rows):
    """IPv4 tables use a 16-wide Peer column; IPv6 ones 33 (ntc display_bgp_ipv6_peer fixture)."""
    return 33 if any(":" in r.address for r in rows) else 16


def format_peer_summary(router_id, local_as, rows, vpn_rows=()):
    """``display bgp peer`` / ``display bgp ipv6 peer`` / ``display bgp vpnv4 vpn-instance X peer`` (plain
    layout, no VPN-Instance heading [NE40E-CR display-bgp-vrf-peer-brief(BGPOM)]); the totals also count
    ``vpn_rows``, the VPN-instance peers ``display bgp vpnv4 all peer`` lists after the table [NE40E-CG
    Example_for_Configuring_L3VPNv4_over_OSPFv3_SRv6_BE: 1 public + 1 vpn1 peer -> ``Total number of peers : 2``]."""
    counted = list(rows) + list(vpn_rows)
    established = sum(1 for r in counted if r.state == "Established")
    out = ["", " BGP local router ID : %s" % router_id, " Local AS number : %s" % local_as,
           " Total number of peers : %-18dPeers in established state : %d" % (len(counted), established), ""]
    out += format_peer_table_rows(rows, peer_width(rows))
    return "\n".join(out) + "\n"


def format_vpn_sections(router_id, sections):
    """The per-VPN-instance part of ``display bgp vpnv4 all peer``: [(vrf, rows)]."""
    out = ["", "  Peer of IPv4-family for vpn instance :"]
    for vrf, rows in sections:
        out += ["", "  VPN-Instance %s, Router ID %s:" % (vrf, router_id)]
        out += format_peer_table_rows(rows, peer_width(rows))
    return out


def _counter_block(title, counters):
    """``Received: Total N messages`` and the counters at column 18 [NE40E-CR display-bgp-peer(BGPOM)]."""
    total = sum(counters.values())
    lines = [" %s: Total %d messages" % (title, total)]
    for label in ("Update", "Open", "KeepAlive", "Notification", "Refresh"):
        lines.append("%18s%-31s%d" % ("", label + " messages", counters.get(label, 0)))
    return lines


def format_peer_verbose(row, local_router_id):
    """``display bgp ... peer ADDR verbose`` (reference §5.2)."""
    established = row.state == "Established"
    out = [" BGP Peer is %s,  remote AS %s" % (row.address, row.remote_as),
           " Type: %s link" % ("IBGP" if row.ibgp else "EBGP")]
    if row.group:
        out.append(" Belong to peer-group: %s" % row.group)   # UNVERIFIED placement on NE40E
    if row.description:
        out.append(" Peer's description: \"%s\"" % row.description)
    out += [" BGP version 4, Remote router ID %s" % (row.remote_router_id if established else "0.0.0.0"),
            " Update-group ID: %d" % (1 if row.ibgp else 2)]
    if established:
        out.append(" BGP current state: Established, Up for %s" % format_duration(row.up_down))
        out.append(" BGP current event: RecvKeepalive")
        out.append(" BGP last state: OpenConfirm")
    elif row.state.startswith("Idle"):
        # no "Down for" when Idle [NE40E-CR display-bgp-l2vpn-ad-peer(BGPL2VPNAD)]
        out.append(" BGP current state: %s" % row.state)
        out.append(" BGP current event: Start")
        out.append(" BGP last state: %s" % row.last_state)
    else:
        out.append(" BGP current state: %s, Down for %s" % (row.state, format_duration(row.up_down)))  # UNVERIFIED
        out.append(" BGP current event: ConnectRetryTimerExpired")
        out.append(" BGP last state: %s" % row.last_state)
    out += [" BGP Peer Up count: %d" % row.up_count,
            " Received total routes: %d" % row.received_total,
            " Received active routes total: %d" % row.active_total,
            " Advertised total routes: %d" % row.advertised_total,
            " Port: Local - 179        Remote - %d" % row.remote_port,
            " Configured: Connect-retry Time: 32 sec",
            " Configured: Active Hold Time: 180 sec   Keepalive Time:60 sec"]
    if established:
        out += [" Received  : Active Hold Time: 180 sec",
                " Negotiated: Active Hold Time: 180 sec   Keepalive Time:60 sec",
                " Peer optional capabilities:",
                "  Peer supports bgp multi-protocol extension"]
        if row.rr_remote:
            out.append("  Peer supports bgp route refresh capability")
        out.append("  Peer supports bgp 4-byte-as capability")
        for af in row.afs:
            out.append("  Address family %s: advertised and received" % AF_LABELS.get(af, af))
    out += _counter_block("Received", row.rcvd)
    out += _counter_block("Sent", row.sent)
    out.append(" Authentication type configured: None")
    if established and row.last_keepalive is not None:
        out.append(" Last keepalive received: %s" % format_timestamp(row.last_keepalive))
    if row.last_refresh_rcvd is not None:
        out.append(" Last refresh received  : %s" % format_timestamp(row.last_refresh_rcvd))
    else:
        out.append(" No refresh received since peer has been configured")
    if row.last_refresh_sent is not None:
        out.append(" Last refresh sent      : %s" % format_timestamp(row.last_refresh_sent))
    else:
        out.append(" No refresh sent since peer has been configured")
    out.append(" Minimum route advertisement interval is %d seconds" % (15 if row.ibgp else 30))
    out.append(" Optional capabilities:")
    if row.rr_local:
        out.append(" Route refresh capability has been enabled")
    out.append(" 4-byte-as capability has been enabled")
    if row.keep_all_routes_line:
        # platform.keep_all_routes_verbose: CE "Soft-Reconfiguration has been enabled" [CE-CR
        # display_bgp_unnumbered_peer_verbose.md]; NE40E: none (no NE40E source shows a line)
        out.append(" " + row.keep_all_routes_line)
    out.append(" Peer Preferred Value: 0")
    # the header is printed with or without policies [NE40E-CR display-bgp-peer(BGPOM), display-bgp-vpnv4-peer]
    out.append(" Routing policy configured:")
    if row.import_policy:
        out.append(" Import route policy is: %s" % row.import_policy)
    if row.export_policy:
        out.append(" Export route policy is: %s" % row.export_policy)
    if not (row.import_policy or row.export_policy):
        out.append(" No routing policy is configured")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- groups
@dataclass
class GroupView:
    name: str
    type: str
    remote_as: Optional[str]
    members: list          # [PeerRow]
    import_policy: Optional[str] = None
    export_policy: Optional[str] = None
    vpn_instance: Optional[str] = None


def format_group(group):
    """One ``display bgp group`` block (reference §5.3); a VPN-instance group names its instance after the
    AS line, then a blank line [NE40E-CR display-bgp-group(BGPOM), display-bgp-vrf4-group(BGPOM)]."""
    out = [" BGP peer-group: %s" % group.name]
    out.append(" Remote AS: %s" % group.remote_as if group.remote_as else " Remote AS number isn't specified")
    if group.vpn_instance:
        out += [" VPN-Instance(IPv4-family): %s" % group.vpn_instance, ""]
    out += [" Authentication type configured: None",
            " Type : %s" % group.type,
            " Configured hold timer value: 180",
            " Keepalive timer value: 60",
            " Minimum route advertisement interval is %d seconds" % (15 if group.type == "internal" else 30),
            " PeerSession Members:"]
    out += ["   %s" % m.address for m in group.members] or ["  NONE"]
    out.append(" Peer Preferred Value: 0")
    if group.import_policy or group.export_policy:
        out.append(" Routing policy configured:")
        if group.import_policy:
            out.append(" Import route policy is: %s" % group.import_policy)
        if group.export_policy:
            out.append(" Export route policy is: %s" % group.export_policy)
    else:
        out.append(" No routing policy is configured")
    out.append(" Peer Members:")
    if group.members:
        out += format_peer_table_rows(group.members, peer_width(group.members))
    else:
        out.append("  No Peer Exists")
    return out


# --------------------------------------------------------------------------- routing tables
ROUTE_LEGEND = [
    " Status codes: * - valid, > - best, d - damped, x - best external, a - add path,",
    "               h - history,  i - internal, s - suppressed, S - Stale",
    "               Origin : i - IGP, e - EGP, ? - incomplete",
    " RPKI validation codes: V - valid, I - invalid, N - not-found",
]
ROUTE_HEADER = "        Network            NextHop                       MED        LocPrf    PrefVal Path/Ogn"


@dataclass
class RouteRow:
    status: str            # "*>", "* ", "*>i", ...
    prefix: str
    next_hop: str
    med: Optional[int]
    local_pref: Optional[int]
    pref_val: int
    path: str              # "65010 65099"
    origin: str
    rd: Optional[str] = None


def format_route_row(r):
    """Status, Network, NextHop, MED, LocPrf, PrefVal, Path/Ogn at the columns of the real rows [NE40E-CG
    Example_for_Configuring_an_AS_Path_Filter (MED, PrefVal, Path/Ogn), Example_for_Configuring_VPN_ORF (LocPrf)]."""
    path_ogn = (r.path + r.origin) if r.path else r.origin
    return " %-7s%-19s%-22s%10s%13s%9s      %s" % (
        r.status, r.prefix, r.next_hop, "" if r.med is None else r.med,
        "" if r.local_pref is None else r.local_pref, r.pref_val, path_ogn)


def format_route_table(router_id, rows, vpn_header=None):
    """``display bgp [...] routing-table [peer ADDR received-routes|advertised-routes]`` (§5.4)."""
    out = ["", " BGP Local router ID is %s" % router_id] + ROUTE_LEGEND + [""]
    if vpn_header:
        out += [" " + vpn_header]
    out += ["", " Total Number of Routes: %d" % len(rows)]
    if rows:
        by_rd = {}
        for r in rows:
            by_rd.setdefault(r.rd, []).append(r)
        for rd, group in by_rd.items():
            if rd is not None:
                # two blank lines before the table header [NE40E-CG Example_for_Configuring_VPN_ORF]
                out += ["", " Route Distinguisher: %s" % rd, "", ""]
            out += [ROUTE_HEADER, ""]
            out += [format_route_row(r) for r in group]
    return "\n".join(out) + "\n"


def format_table_statistics(total, active):
    return "\n".join([
        "",
        "Total Number of Routes: %d" % total,
        " Total Number of Prefix Advertised to RM : %d" % active,
        " Total Number of Active Route : %d" % active,
        " Total Number of Best Routes: %d" % active,
        " Total Number of Best-external Routes: 0",
        " Total Number of Cidr Routes: %d" % total,
        " Total Number of Community Routes: 0",
        " Total Number of Different-origin-as Routes: 0",
        " Total Number of Dampened Routes: 0",
    ]) + "\n"


# --------------------------------------------------------------------------- world -> views
def peer_row(world, state, session, af):
    now = world.clock()
    peer = state.peers.get((session.vrf, session.address))
    status = world.state_of(session, now)
    rib = session.ribs.get(af)
    accepted = len(rib.accepted) if rib else 0
    kar = bool(peer and peer.keep_all_routes.get(af))
    received = (len(rib.received) if kar else accepted) if rib else 0
    table = state.tables.get((af, session.vrf))
    active = 0
    if rib and table:
        active = sum(1 for k in rib.accepted if table.best.get(k, ("",))[0] == "peer:" + session.address)
    ka = world.keepalives(session, now)

    def counters(c):
        return {"Update": c.update, "Open": c.open, "KeepAlive": ka, "Notification": c.notification,
                "Refresh": c.refresh}
    other = world.counterpart(session)
    remote_id = world.routers[other.router].router_id if other else session.address
    since = session.established_since if session.established else session.down_since
    last_ka = None
    if session.established:
        last_ka = world.wall(session.established_since + (ka - 1) * 60.0)
    return PeerRow(
        address=session.address,
        remote_as=(peer.remote_as_text if peer and peer.remote_as_text else "0"),
        state=status, up_down=now - since,
        msg_rcvd=sum(counters(session.rcvd).values()), msg_sent=sum(counters(session.sent).values()),
        pref_rcv=accepted, ibgp=bool(peer and peer.remote_as == state.config.local_as),
        group=peer.group if peer else None, remote_router_id=remote_id, up_count=session.up_count,
        received_total=received, active_total=active,
        advertised_total=len(rib.advertised) if rib else 0, remote_port=session.remote_port,
        last_state=session.last_state, afs=tuple(sorted(session.spec.afs)) if session.vrf is None else ("ipv4",),
        rr_local=session.rr_local, rr_remote=session.rr_remote and status == "Established",
        keep_all_routes_line=state.platform.keep_all_routes_verbose if kar and state.platform else None,
        rcvd=counters(session.rcvd), sent=counters(session.sent),
        last_refresh_rcvd=world.wall(session.rcvd.last_refresh) if session.rcvd.last_refresh is not None else None,
        last_refresh_sent=world.wall(session.sent.last_refresh) if session.sent.last_refresh is not None else None,
        last_keepalive=last_ka,
        import_policy=peer.import_policy.get(af) if peer else None,
        export_policy=peer.export_policy.get(af) if peer else None,
        description=peer.description if peer else None)


def _address_sort_key(address):
    ip = ipaddress.ip_address(address)
    return (ip.version, int(ip))


def sessions_in(state, af, vrf):
    """Configured sessions shown in a peer table: those enabled in ``af`` (of ``vrf``)."""
    result = []
    for (svrf, addr), session in state.sessions.items():
        peer = state.peers.get((svrf, addr))
        if svrf == vrf and peer is not None and af in peer.enabled_afs:
            result.append(session)
    return sorted(result, key=lambda s: _address_sort_key(s.address))


def _find_session(state, af, vrf, token):
    try:
        addr = str(ipaddress.ip_address(token))
    except ValueError:
        raise CliError("wrong_parameter", 0) from None
    for s in sessions_in(state, af, vrf):
        if s.address == addr:
            return s
    raise CliError.message(PEER_NOT_EXIST)


def _local_as_text(state):
    return state.config.local_as_text or "0"


def _peer_command(world, state, af, vrf_sections, tokens, base_index):
    """``peer [ADDR] [verbose]`` for one scope. ``vrf_sections``: vrfs to add (vpnv4 all) or None."""
    vrf = None if af in ("ipv4", "ipv6", "vpnv4") else af
    table_af = "ipv4" if vrf is not None else af
    if not tokens:
        rows = [peer_row(world, state, s, table_af) for s in sessions_in(state, table_af, vrf)]
        sections = [(v, [peer_row(world, state, s, "ipv4") for s in sessions_in(state, "ipv4", v)])
                    for v in vrf_sections or ()]
        text = format_peer_summary(state.router_id, _local_as_text(state), rows,
                                   [r for _vrf, vrows in sections for r in vrows])
        if vrf_sections:
            text += "\n".join(format_vpn_sections(state.router_id, sections)) + "\n"
        return text
    if tokens[0] == "verbose":
        sessions = sessions_in(state, table_af, vrf)
        return "\n".join(format_peer_verbose(peer_row(world, state, s, table_af), state.router_id)
                         for s in sessions)
    try:
        session = _find_session(state, table_af, vrf, tokens[0])
    except CliError as err:
        if err.has_caret:
            err.token_index = base_index
        raise
    if len(tokens) > 1 and tokens[1] != "verbose":
        raise CliError("wrong_parameter", base_index + 1)
    if len(tokens) > 2:
        raise CliError("too_many", base_index + 2)
    row = peer_row(world, state, session, table_af)
    if len(tokens) == 1:
        return "\n".join(format_peer_table_rows([row], peer_width([row]))) + "\n"
    return format_peer_verbose(row, state.router_id)


def _group_command(world, state, vrf_list, tokens, base_index):
    name = tokens[0] if tokens else None
    blocks = []
    for vrf in vrf_list:
        for (gvrf, gname), g in sorted(state.config.groups.items(), key=lambda kv: kv[0][1]):
            if gvrf != vrf or (name and gname != name):
                continue
            af = "ipv4"
            members = [s for s in state.sessions.values()
                       if s.vrf == vrf and state.peers.get((s.vrf, s.address)) is not None
                       and state.peers[(s.vrf, s.address)].group == gname]
            members.sort(key=lambda s: _address_sort_key(s.address))
            ga = g.afs.get(af)
            blocks.append(format_group(GroupView(
                name=gname, type=g.group_type or "internal",
                remote_as=g.as_text or (state.config.local_as_text if g.group_type != "external" else None),
                members=[peer_row(world, state, s, af) for s in members],
                import_policy=ga.import_policy if ga else None, export_policy=ga.export_policy if ga else None,
                vpn_instance=vrf)))
    if name and not blocks:
        return " No such a peer-group\n"
    return "\n\n".join("\n".join(b) for b in blocks) + ("\n" if blocks else "")   # blank line between groups


def _route_rows_from_rib(state, session, af, routes, best_table):
    rows = []
    ibgp = session.spec.remote_as == session.spec.local_as
    for key in sorted(routes, key=lambda k: (k[0] or "", _prefix_sort(k[1]))):
        r = routes[key]
        best = best_table.get(key) if best_table else None
        is_best = bool(best and best[0] == "peer:" + session.address)
        status = ("*>" if is_best else "* ") + ("i" if ibgp else "")
        rows.append(RouteRow(status=status.strip() if len(status) > 2 else status, prefix=r.prefix,
                             next_hop=r.next_hop, med=r.med, local_pref=r.local_pref, pref_val=r.pref_val,
                             path=r.as_path_text(), origin=r.origin, rd=key[0]))
    return rows


def is_prefix_token(token):
    try:
        ipaddress.ip_address(token)
        return True
    except ValueError:
        return False


def _row_covers(line, want):
    try:
        net = ipaddress.ip_network(line.split()[1], strict=False)
        if "/" in want:
            return net == ipaddress.ip_network(want, strict=False)
        return ipaddress.ip_address(want) in net
    except (ValueError, IndexError):
        return False


def _prefix_sort(prefix):
    net = ipaddress.ip_network(prefix)
    return (net.version, int(net.network_address), net.prefixlen)


def _routing_table_command(world, state, af, vrf, tokens, base_index):
    """``routing-table [statistics | peer ADDR received-routes|advertised-routes [statistics]]``."""
    table = state.tables.get((af, vrf))
    vpn_header = "VPN-Instance %s, Router ID %s:" % (vrf, state.router_id) if vrf else None
    if not tokens:
        rows = []
        for key in sorted(table.candidates if table else {}, key=lambda k: (k[0] or "", _prefix_sort(k[1]))):
            best = table.best.get(key)
            for source, r in table.candidates[key].items():
                status = "*>" if best and best[0] == source else "* "
                if source.startswith("peer:"):
                    s = state.sessions.get((vrf, source[5:]))
                    if s and s.spec.remote_as == s.spec.local_as:
                        status = status.strip() + "i"
                rows.append(RouteRow(status=status, prefix=r.prefix, next_hop=r.next_hop, med=r.med,
                                     local_pref=r.local_pref, pref_val=r.pref_val, path=r.as_path_text(),
                                     origin=r.origin, rd=key[0]))
        return format_route_table(state.router_id, rows, vpn_header)
    if is_prefix_token(tokens[0]):
        # routing-table ADDR [LEN]: the entries covering that address (longest match not modelled)
        want = tokens[0] if len(tokens) == 1 else "%s/%s" % (tokens[0], tokens[1])
        full = _routing_table_command(world, state, af, vrf, [], base_index)
        kept = [ln for ln in full.splitlines() if not ln.startswith(" *") or _row_covers(ln, want)]
        return "\n".join(kept) + "\n"
    if tokens[0] == "statistics":
        total = sum(len(c) for c in table.candidates.values()) if table else 0
        return format_table_statistics(total, len(table.best) if table else 0)
    if tokens[0] != "peer" or len(tokens) < 3:
        raise CliError("incomplete" if tokens[0] == "peer" else "wrong_parameter", base_index + len(tokens[:1]))
    try:
        session = _find_session(state, af, vrf, tokens[1])
    except CliError as err:
        if err.has_caret:
            err.token_index = base_index + 1
        raise
    which = tokens[2]
    rib = session.ribs.get(af)
    peer = state.peers.get((session.vrf, session.address))
    if which == "received-routes":
        kar = bool(peer and peer.keep_all_routes.get(af))
        # Without keep-all-routes only the accepted routes are retained (reference §5.4 suggestion).
        routes = (rib.received if kar else rib.accepted) if rib else {}
        label = "Received routes total"
    elif which == "accepted-routes":
        routes = rib.accepted if rib else {}
        label = "Accepted routes total"
    elif which == "not-accepted-routes":
        routes = {k: v for k, v in rib.received.items() if k not in rib.accepted} if rib else {}
        label = "Not accepted routes total"
    elif which == "advertised-routes":
        routes = rib.advertised if rib else {}
        label = "Advertised routes total"
    else:
        raise CliError("wrong_parameter", base_index + 2)
    if len(tokens) > 3:
        if tokens[3] != "statistics":
            raise CliError("wrong_parameter", base_index + 3)
        return "\n %s: %d\n" % (label, len(routes))   # UNVERIFIED labels
    rows = _route_rows_from_rib(state, session, af, routes, table.best if table else {})
    return format_route_table(state.router_id, rows, vpn_header)


def render(world, state, tokens):
    """Dispatch the tokens after ``display bgp``."""
    if not tokens:
        raise CliError("incomplete", 0)
    head = tokens[0]
    if head == "peer":
        return _peer_command(world, state, "ipv4", None, tokens[1:], 1)
    if head == "group":
        return _group_command(world, state, [None], tokens[1:], 1)
    if head == "routing-table":
        return _routing_table_command(world, state, "ipv4", None, tokens[1:], 1)
    if head == "ipv6":
        if tokens[1:2] == ["peer"]:
            return _peer_command(world, state, "ipv6", None, tokens[2:], 2)
        if tokens[1:2] == ["routing-table"]:
            return _routing_table_command(world, state, "ipv6", None, tokens[2:], 2)
        raise CliError("incomplete" if len(tokens) == 1 else "wrong_parameter", 1)
    if head == "vpnv6":
        return ""   # IPv6 VPN is not modelled: nothing configured, nothing shown
    if head == "vpnv4":
        if len(tokens) < 3:
            raise CliError("incomplete", len(tokens))
        if tokens[1] == "all":
            what, rest, idx = tokens[2], tokens[3:], 3
            vrfs = sorted(state.config.bgp_vrfs)
            if what == "peer":
                return _peer_command(world, state, "vpnv4", vrfs, rest, idx)
            if what == "group":
                return _vpnv4_groups(world, state, vrfs, rest, idx)
            if what == "routing-table":
                return _routing_table_command(world, state, "vpnv4", None, rest, idx)
            raise CliError("wrong_parameter", 2)
        if tokens[1] == "vpn-instance":
            if len(tokens) < 4:
                raise CliError("incomplete", len(tokens))
            vrf = tokens[2]
            if vrf not in state.config.bgp_vrfs and vrf not in state.config.vpn_instances:
                raise CliError("wrong_parameter", 2)
            what, rest, idx = tokens[3], tokens[4:], 4
            if what == "peer":
                return _peer_command(world, state, vrf, None, rest, idx)
            if what == "group":
                return _group_command(world, state, [vrf], rest, idx)
            if what == "routing-table":
                return _routing_table_command(world, state, "ipv4", vrf, rest, idx)
            raise CliError("wrong_parameter", 3)
        raise CliError("wrong_parameter", 1)
    raise CliError("wrong_parameter", 0)


def _vpnv4_groups(world, state, vrfs, tokens, base_index):
    """``display bgp vpnv4 all group [NAME]``: public groups, then per-VPN-instance groups."""
    name = tokens[0] if tokens else None
    public = _group_command(world, state, [None], tokens, base_index)
    parts = []
    # section headings at column 0, then a blank line [NE40E-CR display-bgp-group(BGPOM) Examples[1]]
    if not public.startswith(" No such"):
        parts.append("Group in VPNV4:\n\n" + public)
    for vrf in vrfs:
        text = _group_command(world, state, [vrf], tokens, base_index)
        if not text.startswith(" No such") and text:
            parts.append("Group in VPN-Instance:\n\n" + text)
    if name and not parts:
        return " No such a peer-group\n"
    return " ***********************\n".join(parts)


# --------------------------------------------------------------------------- dump
def dump_router(world, state):
    """The model state of one router as plain JSON-able data (tests, ``ctl bgp``)."""
    now = world.clock()
    sessions = []
    for (vrf, addr), s in sorted(state.sessions.items(), key=lambda kv: (kv[0][0] or "", _address_sort_key(kv[0][1]))):
        peer = state.peers.get((vrf, addr))
        ribs = {}
        for af, rib in s.ribs.items():
            ribs[af] = {
                "received": sorted(_key_text(k) for k in rib.received),
                "accepted": sorted(_key_text(k) for k in rib.accepted),
                "advertised": sorted(_key_text(k) for k in rib.advertised),
            }
        sessions.append({
            "address": addr,
            "vpn_instance": vrf,
            "address_families": sorted(s.spec.afs),
            "enabled_afs": sorted(peer.enabled_afs) if peer else [],
            "state": world.state_of(s, now),
            "remote_as": peer.remote_as_text if peer else None,
            "type": "internal" if peer and peer.remote_as == state.config.local_as else "external",
            "group": peer.group if peer else None,
            "up_count": s.up_count,
            "uptime_seconds": (now - s.established_since) if s.established else None,
            "established_since": s.established_since,
            "down_since": None if s.established else s.down_since,
            "route_refresh": {"local": s.rr_local, "peer": s.rr_remote, "negotiated": s.rr_negotiated},
            "keep_all_routes": {af: on for af, on in peer.keep_all_routes.items() if on} if peer else {},
            "import_policy": dict(peer.import_policy) if peer else {},
            "export_policy": dict(peer.export_policy) if peer else {},
            "messages": {
                "sent": {"open": s.sent.open, "update": s.sent.update, "notification": s.sent.notification,
                         "refresh": s.sent.refresh, "keepalive": world.keepalives(s, now)},
                "received": {"open": s.rcvd.open, "update": s.rcvd.update, "notification": s.rcvd.notification,
                             "refresh": s.rcvd.refresh, "keepalive": world.keepalives(s, now)},
            },
            "ribs": ribs,
            "remote": list(s.spec.remote) if s.spec.remote else None,
            "external": s.spec.external,
        })
    tables = {}
    for (af, vrf), table in sorted(state.tables.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        name = af if vrf is None else "vpn-instance:%s" % vrf if af == "ipv4" else "vpn-instance6:%s" % vrf
        tables[name] = {
            _key_text(k): {"source": src, "next_hop": r.next_hop, "as_path": list(r.as_path),
                           "local_pref": r.local_pref, "med": r.med, "communities": list(r.communities)}
            for k, (src, r) in sorted(table.best.items(), key=lambda kv: (kv[0][0] or "", kv[0][1]))}
    return {
        "router": state.name,
        "local_as": state.config.local_as_text,
        "router_id": state.router_id,
        "sessions": sessions,
        "tables": tables,
    }


def _key_text(key):
    rd, prefix = key
    return prefix if rd is None else "%s:%s" % (rd, prefix)
