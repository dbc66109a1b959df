"""Every JMESPath expression the documentation shows runs against BGP facts gathered from the demo lab and must
give the non-empty answer written down in EXPECTED: bgp_facts EXAMPLES ``query:``, ``vrp_select(...)`` and rollout
``assertions`` in the filter docs, docs/*.md and the READMEs, and filter expressions (``[?``) in C(...) of
descriptions and in `...` of the pages' prose.
A new example without an entry fails, and so does one that parses otherwise than it reads (issue 16:
``!route_refresh.negotiated`` is ``(!route_refresh).negotiated`` in JMESPath, so the documented query returned []
and the documented assert always passed).

The lab is the shipped demo with one session down (PE1's IPv6 upstream 2001:db8:ffff::1, reset under the lab's
``peer_stuck`` fault: it stays Active), so that the "not Established" examples have something to find; the facts
are PE1's."""
import ast
import re
import time
from pathlib import Path

import harness
import pytest
import yaml

from ansible_collections.netops.vrp.plugins.plugin_utils.facts_filters import jmespath_search
from vrpsim.testing import running_lab

ROOT = Path(__file__).resolve().parents[2]
BGP_FACTS_MODULE = ROOT / "plugins" / "modules" / "bgp_facts.py"
FILTER_DOCS = sorted((ROOT / "plugins" / "filter").glob("*.yml"))
MARKDOWN = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"] + sorted(ROOT.glob("roles/*/README.md"))

DOWN_PEER = "2001:db8:ffff::1"
# expression -> its answer on PE1 of the demo lab (with DOWN_PEER down); every answer is non-empty.
EXPECTED = {
    "peers[?!(route_refresh.negotiated) && !keep_all_routes].address": ["198.51.100.1"],
    "peers[?state!='Established'].address": [DOWN_PEER],
    "peers[?address_family=='ipv4' && !(route_refresh.negotiated) && !keep_all_routes].address": ["198.51.100.1"],
    "length(after.peers[?state!='Established'])": 1,
    "peers[?vpn_instance=='vpna'].address": ["172.16.1.2"],
}

VRP_SELECT_RE = re.compile(r"""vrp_select\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
ASSERTION_QUERY_RE = re.compile(r"""['"]query['"]\s*:\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
# C(...) markup in a description that holds a filter expression: one without parentheses (markup ends at the first)
CODE_MARKUP_RE = re.compile(r"C\(([^()]*\[\?[^()]*)\)")
YAML_BLOCK_RE = re.compile(r"^```ya?ml\n(.*?)^```", re.M | re.S)
INLINE_FILTER_RE = re.compile(r"(?<!`)`([^`\n]*\[\?[^`\n]*)`(?!`)")     # `peers[?...]` in the prose of a page


def _strings(node, path=()):
    """(path of keys, value) for every string in a loaded YAML document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, path + (str(key),))
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item, path)
    elif isinstance(node, str):
        yield path, node


def _expressions(document):
    """(scope, expression) in a loaded YAML document: scope ``facts`` (bgp_facts ``query``, ``vrp_select``) or
    ``rollout`` (assertions, over {before, after, peers})."""
    for path, text in _strings(document):
        if path and path[-1] == "query":
            yield ("rollout" if any("assertions" in key for key in path) else "facts"), text
        for match in VRP_SELECT_RE.finditer(text):
            yield "facts", match.group(1) if match.group(1) is not None else match.group(2)
        for match in CODE_MARKUP_RE.finditer(text):
            yield "facts", match.group(1)
        for match in ASSERTION_QUERY_RE.finditer(text):
            yield "rollout", match.group(1) if match.group(1) is not None else match.group(2)


def _module_doc(name):
    """The module's DOCUMENTATION or EXAMPLES, loaded."""
    for node in ast.parse(BGP_FACTS_MODULE.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return yaml.safe_load(node.value.value)
    raise AssertionError("no %s in %s" % (name, BGP_FACTS_MODULE))


def documented_expressions():
    """[(where, scope, expression)] for every JMESPath expression of the documentation."""
    found = [("%s %s" % (BGP_FACTS_MODULE.name, section), scope, expr)
             for section in ("DOCUMENTATION", "EXAMPLES") for scope, expr in _expressions(_module_doc(section))]
    for doc in FILTER_DOCS:
        for section in ("DOCUMENTATION", "EXAMPLES"):
            text = yaml.safe_load(doc.read_text()).get(section) or ""
            loaded = yaml.safe_load(text) if isinstance(text, str) else text
            found += [("%s %s" % (doc.name, section), scope, expr) for scope, expr in _expressions(loaded)]
    for doc in MARKDOWN:
        text, where = doc.read_text(), str(doc.relative_to(ROOT))
        for block in YAML_BLOCK_RE.findall(text):
            found += [(where, scope, expr) for scope, expr in _expressions(yaml.safe_load(block))]
        found += [(where, "facts", expr) for expr in INLINE_FILTER_RE.findall(YAML_BLOCK_RE.sub("", text))]
    return found


def test_the_documentation_has_jmespath_examples():
    where = {w for w, _, _ in documented_expressions()}
    # the places issue 16 names must be among the extracted ones (the extraction itself is under test)
    assert {"bgp_facts.py DOCUMENTATION", "bgp_facts.py EXAMPLES", "vrp_select.yml EXAMPLES",
            "vrp_rollout_verify.yml EXAMPLES", "docs/getting-started.md"} <= where, where
    assert all(EXPECTED.values()), "an expected answer must be non-empty"


def _v6_state(shell, peer):
    table = shell.run("display bgp ipv6 peer")[0]
    return next((line.split()[-2] for line in table.splitlines() if line.split()[:1] == [peer]), None)


def _take_down(lab, router, peer):
    """Once the session is up, reset it with the lab's peer_stuck fault: it stays Active."""
    shell = lab.shell(router)
    try:
        deadline = time.monotonic() + 10
        while _v6_state(shell, peer) != "Established" and time.monotonic() < deadline:
            time.sleep(0.1)
        lab.fault("peer_stuck", router, peer=peer)
        shell.run("reset bgp ipv6 %s" % peer)
        assert _v6_state(shell, peer) != "Established"
    finally:
        shell.close()
    assert lab.wait_logged_out(router)


@pytest.fixture(scope="module")
def demo_pe1_facts(tmp_path_factory):
    """(facts of PE1, the bgp_facts EXAMPLES tasks with a query and their results), from the demo lab."""
    with running_lab(harness.demo_topology(), tmp_path_factory.mktemp("lab")) as lab:
        _take_down(lab, "PE1", DOWN_PEER)
        examples = [task for task in _module_doc("EXAMPLES") if "query" in (task.get("netops.vrp.bgp_facts") or {})]
        tasks = [{"name": "facts", "netops.vrp.bgp_facts": None}]
        tasks += [{"name": "example %d" % i, "netops.vrp.bgp_facts": task["netops.vrp.bgp_facts"]}
                  for i, task in enumerate(examples)]
        res = harness.run_tasks(yaml.safe_dump(tasks), lab.inventory_path, limit="PE1",
                                workdir=str(tmp_path_factory.mktemp("play")))
        assert res.ok, res.summary()
    facts = res["facts"]["PE1"]["ansible_facts"]["netops_vrp_bgp"]
    assert {p["address"]: p["state"] for p in facts["peers"]}[DOWN_PEER] != "Established"
    module_results = {task["netops.vrp.bgp_facts"]["query"]: res["example %d" % i]["PE1"]["query_result"]
                      for i, task in enumerate(examples)}
    return facts, module_results


@pytest.mark.parametrize("where,scope,expression", documented_expressions(),
                         ids=lambda value: value if len(value) < 40 else value[:37] + "...")
def test_documented_expression_answers_on_the_demo_lab(demo_pe1_facts, where, scope, expression):
    facts, module_results = demo_pe1_facts
    assert expression in EXPECTED, "%s: %r has no expected answer in EXPECTED" % (where, expression)
    if where.endswith("bgp_facts.py EXAMPLES") and expression in module_results:
        answer = module_results[expression]          # the documented task itself, through the module
    elif scope == "rollout":
        answer = jmespath_search({"before": facts, "after": facts, "peers": []}, expression)
    else:
        answer = jmespath_search(facts, expression)   # what netops.vrp.vrp_select does
    assert answer == EXPECTED[expression], "%s: %r" % (where, expression)
