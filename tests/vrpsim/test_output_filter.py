"""Output filters of display commands (issue 16, item 11).

Source: NE40E V800R012C10 configuration guide, "Regular Expression" (GitHub ``WheaterW/INTA-project``,
``nassim-main/corpus/hw/hw_NE40E_V800R012C10/config_corpus/Configuration/Basic_Configuration/
Command_Line_Interface_Configuration/How_to_Use_the_CLI/Regular_Expression.md``): every ``display`` command takes
``| begin RE`` (the lines from the first match on), ``| exclude RE`` (the lines that do not match), ``| include RE``
(the lines that match), case-sensitive, whole lines; ``| ignore-case`` / ``| section`` with one of them; ``| count``
and ``| no-more`` alone or after them; filters apply in the order typed, at most 32; Table 1 gives the regular
expression characters and their "degeneration" rules. ``| count`` prints ``Total lines: N.`` and an expression
has 1 to 255 characters: CE6800 V300R023C00 configuration guide, same repository,
``.../hw_CE6800_V300R023C00/config_corpus/Configuration/Configuration_Guide/Basic_Configuration/
CLI_Overview_Configuration/Displaying_the_Command_Output/Regular_Expressions.md``. The UNVERIFIED choices are in
the ``vrpsim/output_filter.py`` docstring and docs/fidelity.md.
"""
import re
import time

import pytest

from vrpsim import output_filter
from vrpsim.testing import running_lab

CONFIG = """\
sysname R1
bgp 65000
 peer 10.0.0.2 as-number 65000
 peer 10.0.0.3 as-number 65001
route-policy RP permit node 10
 apply local-preference 150
"""
PEER_ROWS = re.compile(r"^  10\.0\.0\.[23] ")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    topology = {"name": "f", "timing": {"establish_delay": 0.1, "trial_time_scale": 0.01},
                "routers": [{"name": "R1", "addresses": ["10.0.0.1"], "config": CONFIG}],
                "external_peers": [{"name": "X2", "router": "R1", "address": "10.0.0.2", "as": 65000},
                                   {"name": "X3", "router": "R1", "address": "10.0.0.3", "as": 65001}]}
    with running_lab(topology, tmp_path_factory.mktemp("lab")) as handle:
        yield handle


def _run(lab, line):
    with lab.shell("R1") as sh:
        return sh.run(line)


# Table 1 of the NE40E page: each example the page gives, as (expression, a string it matches, one it does not)
REFERENCE_EXAMPLES = [
    (r"\*", "*", "a"), ("^10", "10.10.10.1", "2.2.2.2"), ("1$", "10.10.10.1", "10.10.10.2"),
    ("10*", "1", "2"), ("(10)*", "", None), ("10+", "100", "1"), ("(10)+", "1010", "1"),
    ("a.b", "axb", "ab"), ("0.0", "0x0", "00"), (".oo.", "book", "boo"),
    ("100(200)+", "100200200", "100"), ("(ab)", "abcab", "ba"), ("()", "anything", None), ("a()b", "12ab12", "a b"),
    ("a)b", "za)bc", "zabc"), ("100|200", "200", "300"), ("1(2|3)4", "134", "1234"),
    ("[123]", "255", "4"), ("[abc]", "c", "d"), ("[^123]", "4", "123"), ("[0-9]", "7", "x"), ("[a-z]", "q", "Q"),
    ("[^0-9]", "x", "12"), ("a{3,5}", "aaaa", "aa"), ("a{3", "za{3bc", "aaa"), ("a3}", "za3}bc", "a3"),
    ("ab{3}", "abbbc", "abbc"), ("(ab){3}", "abababc", "ababc"), ("a{,3}bc", "za{,3}bc", "abc"),
    ("a{3,}bc", "aaaaabc", "aabc"),
    # degeneration: * + at the start (also of a sub-expression), ^ not at the start, $ not at the end, lone ) ]
    ("+45", "+45", "45"), ("abc(*def)", "abc*def", "abcdef"), ("abc^", "abc^", "abc"), ("12$2", "12$2", "122"),
    ("abc)", "abc)", "abc"), ("0-9]", "0-9]", "5"),
]


@pytest.mark.parametrize("vrp,matches,misses", REFERENCE_EXAMPLES)
def test_regular_expressions_of_the_reference_table(vrp, matches, misses):
    pattern = re.compile(output_filter.translate(vrp))
    assert pattern.search(matches), (vrp, pattern.pattern, matches)
    if misses is not None:
        assert not pattern.search(misses), (vrp, pattern.pattern, misses)


@pytest.mark.parametrize("vrp", ["a(b", "[z-a]", "[^z-a]", "a{1000}", "a{3,2}", "10?", "[abc"])
def test_invalid_regular_expressions(vrp):
    """An unpaired ``(``, a reversed range, repeat counts of 1000 or more, ``?`` (it asks for help on VRP)."""
    with pytest.raises(output_filter.InvalidRegex):
        try:
            re.compile(output_filter.translate(vrp))
        except re.error as error:
            raise output_filter.InvalidRegex(str(error)) from error


def _wait_established(lab):
    deadline = time.monotonic() + 5
    while _run(lab, "display bgp peer")[0].count("Established") < 2:
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_include_exclude_begin_count_over_ssh(lab):
    """The filters of the issue (``display bgp peer | include Established``) on the real display text."""
    _wait_established(lab)
    full, prompt = _run(lab, "display bgp peer")
    rows = [line for line in full.split("\n") if PEER_ROWS.match(line)]
    assert len(rows) == 2 and prompt == "<R1>"
    assert _run(lab, "display bgp peer | include Established") == ("\n".join(rows), "<R1>")
    # case-sensitive unless ignore-case; keyword abbreviations as for any VRP keyword
    assert _run(lab, "display bgp peer | include ESTABLISHED")[0] == ""
    assert _run(lab, "dis bgp peer | ignore-case inc ESTABLISHED +[0-9]+$")[0] == "\n".join(rows)
    assert _run(lab, "display bgp peer | exclude Established|^$")[0] == "\n".join(
        line for line in full.split("\n") if line and "Established" not in line)
    begin = _run(lab, "display bgp peer | begin ^  Peer ")[0]
    assert begin == full[full.index("  Peer "):]
    # in the order typed; count last counts what is left
    assert _run(lab, "display bgp peer | include Established | count") == ("Total lines: 2.", "<R1>")
    assert _run(lab, "display bgp peer | include Established | exclude 10.0.0.3") == (rows[0], "<R1>")
    assert _run(lab, "display bgp peer | no-more")[0] == full
    assert _run(lab, "display bgp peer | include 10\\.0\\.0\\.9")[0] == ""


def test_section_keeps_the_block_of_a_matching_line(lab):
    text = _run(lab, "display current-configuration | section include ^route-policy")[0]
    assert text == "route-policy RP permit node 10\n apply local-preference 150"


@pytest.mark.parametrize("line,kind,column_token", [
    ("display bgp peer | include", "Incomplete", 5),
    ("display bgp peer |", "Incomplete", 4),
    ("display bgp peer | i x", "Ambiguous", 4),          # ignore-case or include
    ("display bgp peer | refresh", "Unrecognized", 4),   # not modelled
    ("display bgp peer | include (x", "Wrong parameter", 5),
    ("display bgp peer | count x", "Too many parameters", 5),
    ("display bgp | include x", "Incomplete", 2),         # the display command itself is incomplete
])
def test_filter_errors_have_a_caret(lab, line, kind, column_token):
    output, prompt = _run(lab, line)
    caret, message = output.split("\n")
    tokens = [(m.group(), m.start()) for m in re.finditer(r"\S+", line)]
    column = tokens[column_token][1] if column_token < len(tokens) else tokens[-1][1] + len(tokens[-1][0]) + 1
    assert caret.index("^") == len("<R1>") + column, output
    assert message.startswith("Error") and kind in message and prompt == "<R1>"


def test_a_lone_pipe_outside_display_commands_is_still_refused(lab):
    output, _ = _run(lab, "refresh bgp all import | include x")
    assert "Error" in output


def test_at_most_32_filters(lab):
    assert _run(lab, "display version" + " | include ." * 32)[0]
    assert "Too many parameters" in _run(lab, "display version" + " | include ." * 33)[0]
