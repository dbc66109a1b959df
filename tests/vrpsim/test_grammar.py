"""Command matching: abbreviations, parameter normalisation and VRP's error kinds with token positions."""
import pytest

from vrpsim import grammar as g
from vrpsim.errors import CliError


def match(view, line):
    return g.match_command(view, line.split())


@pytest.mark.parametrize("view,line,expanded", [
    (g.USER, "dis cur", ["display", "current-configuration"]),
    (g.USER, "sys", ["system-view"]),
    (g.USER, "dis bgp pe", ["display", "bgp", "peer"]),
    (g.USER, "dis bgp vpnv4 a pe 10.0.0.1 verb", ["display", "bgp", "vpnv4", "all", "peer", "10.0.0.1", "verbose"]),
    (g.USER, "ref bgp vpn-i vpna ipv4-f gr CE imp",
     ["refresh", "bgp", "vpn-instance", "vpna", "ipv4-family", "group", "CE", "import"]),
    (g.USER, "res bgp 65000", ["reset", "bgp", "65000"]),
    (g.USER, "reset bgp vpnv4 10.0.0.3 slow-peer", ["reset", "bgp", "vpnv4", "10.0.0.3", "slow-peer"]),
    (g.USER, "rollback configuration last 2", ["rollback", "configuration", "last", "2"]),
    (g.BGP, "peer 2001:DB8:0::1 as-number 64510", ["peer", "2001:db8::1", "as-number", "64510"]),
    (g.BGP, "peer RR desc to the route reflector", ["peer", "RR", "description", "to", "the", "route", "reflector"]),
    (g.BGP, "undo peer 10.0.0.2 capability-advertise route-refresh",
     ["undo", "peer", "10.0.0.2", "capability-advertise", "route-refresh"]),
    (g.SYSTEM, "ip ip-prefix P permit 10.1.1.1 16 le 24",
     ["ip", "ip-prefix", "P", "permit", "10.1.1.1", "16", "less-equal", "24"]),
    (g.INTERFACE, "ip address 10.0.0.1 32", ["ip", "address", "10.0.0.1", "255.255.255.255"]),
    (g.VPN_INSTANCE_AF, "vpn-target 65000:1 65000:2 export", ["vpn-target", "65000:1", "65000:2", "export-extcommunity"]),
])
def test_unique_prefixes_expand_and_parameters_normalise(view, line, expanded):
    assert match(view, line).tokens == expanded


@pytest.mark.parametrize("view,line,kind,index", [
    (g.USER, "frobnicate", "unrecognized", 0),
    (g.USER, "display bgp frob", "unrecognized", 2),
    (g.USER, "display", "incomplete", 1),
    (g.USER, "refresh bgp all", "incomplete", 3),
    (g.USER, "display bgp peer 10.0.0.999", "wrong_parameter", 3),
    (g.BGP, "peer 10.0.0.2 as-number 99999999999", "wrong_parameter", 3),
    (g.USER, "display version now", "too_many", 2),
    (g.USER, "refresh bgp all import now", "too_many", 4),
    (g.USER, "re bgp all", "ambiguous", 0),             # refresh / reset / return
    (g.USER, "display bgp vpnv", "ambiguous", 2),        # vpnv4 / vpnv6
    (g.USER, "commit", "unrecognized", 0),              # commit is not a user-view command
    (g.USER, "peer 10.0.0.1 enable", "unrecognized", 0),
])
def test_error_kinds_and_positions(view, line, kind, index):
    with pytest.raises(CliError) as raised:
        match(view, line)
    assert (raised.value.kind, raised.value.token_index) == (kind, index)


def test_semantic_error_has_no_caret():
    error = CliError.message("Error: The peer does not exist.")
    assert not error.has_caret and error.text == "Error: The peer does not exist."


def test_every_command_compiles_and_is_valid_somewhere():
    for command in g.COMMANDS:
        assert command.sequences and command.views, command.syntax


@pytest.mark.parametrize("view,line,result", [
    # abort trial [ session <session-id> ]: "All views except the user view" [NE40E-CR CfgTrial(CFGOM);
    # CE-CR abort_trial.md, session 0..65535]
    (g.USER, "abort trial", "unrecognized"),
    (g.SYSTEM, "abort trial", ["abort", "trial"]),
    (g.BGP, "abort trial session 392", ["abort", "trial", "session", "392"]),
    (g.SYSTEM, "abort trial session 65536", "wrong_parameter"),
    # commit [ trial [ <time> ] [ label <label> ] ] [ description <description> ] [NE40E-CR Commit(CFGOM)]
    (g.SYSTEM, "commit trial 120 label L1 description try it",
     ["commit", "trial", "120", "label", "L1", "description", "try", "it"]),
    (g.SYSTEM, "commit trial label L1", ["commit", "trial", "label", "L1"]),
    (g.SYSTEM, "commit description only text", ["commit", "description", "only", "text"]),
    (g.SYSTEM, "commit trial 59", "wrong_parameter"),
    # display configuration commit changes [ at | since <commit-id> | last <n> ] [NE40E-CR DisplayCfgCommitChanges]
    (g.USER, "display configuration commit changes since 1000000067",
     ["display", "configuration", "commit", "changes", "since", "1000000067"]),
    (g.USER, "display configuration commit changes last 2", ["display", "configuration", "commit", "changes", "last", "2"]),
    (g.USER, "rollback configuration to label test", ["rollback", "configuration", "to", "label", "test"]),
    (g.SYSTEM, "rollback configuration last 1", "unrecognized"),     # user view only [NE40E-CR rollbackconfig]
])
def test_commit_model_command_forms(view, line, result):
    if isinstance(result, list):
        assert match(view, line).tokens == result
    else:
        with pytest.raises(CliError) as err:
            match(view, line)
        assert err.value.kind == result
