#!/usr/bin/env python3
"""CPU cost of the display-output parsers (plugins/module_utils/parsers.py) on one router's outputs.

    .venv/bin/python bench/parsers_bench.py [--peers 20] [--repeat 7] [--number 20]
                                            [--save-outputs DIR] [--outputs DIR]
                                            [--save-parsed FILE] [--check-parsed FILE]

Starts an in-process vrpsim lab of 2 routers shaped like the fleet benchmark's (``bench/run.py``
``topology``: ``--peers`` BGP peers per router over peer groups, a VPN instance and VPNv4), waits for the
sessions, and reads from R1 over SSH the displays the rollout reads (``--outputs DIR`` reads a saved set
instead, ``--save-outputs DIR`` saves them). Then it times every parser on its outputs: CPU time
(``time.process_time``) of ``--number`` calls, best of ``--repeat``, reported per call.

``--save-parsed FILE`` pickles every parser's result; ``--check-parsed FILE`` compares against such a file
and exits 1 on any difference (to prove a faster parser returns exactly what the previous one did on
the same outputs).
"""
import argparse
import importlib.util
import os
import pickle
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

_spec = importlib.util.spec_from_file_location("_netops_root_conftest", os.path.join(ROOT, "conftest.py"))
_root = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_root)   # working-tree collection importable as ansible_collections.netops.vrp

from ansible_collections.netops.vrp.plugins.module_utils import parsers  # noqa: E402

# display command -> parser; file names are the command with spaces as underscores.
DISPLAYS = [
    ("display current-configuration configuration bgp", "parse_bgp_config"),
    ("display current-configuration configuration bgp", "parse_config_tree"),
    ("display bgp peer", "parse_peer_brief"),
    ("display bgp vpnv4 all peer", "parse_peer_brief"),
    ("display bgp peer verbose", "parse_peer_verbose_all"),
    ("display bgp vpnv4 all peer verbose", "parse_peer_verbose_all"),
    ("display bgp vpnv4 vpn-instance vpna peer verbose", "parse_peer_verbose_all"),
    ("display bgp group", "parse_group"),
    ("display bgp vpnv4 all group", "parse_group"),
    ("display bgp routing-table peer 192.0.2.1 received-routes", "parse_routing_table"),
    ("display bgp routing-table peer 192.0.2.1 received-routes statistics", "parse_routing_table"),
    ("display bgp routing-table statistics", "parse_routing_table_statistics"),
]


def file_name(command):
    return command.replace(" ", "_").replace("/", "_") + ".txt"


def lab_outputs(peers):
    """Outputs of DISPLAYS on R1 of a 2-router lab, once every session of R1 is Established."""
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    from run import topology

    from vrpsim.testing import running_lab

    topo = topology(2, peers)
    with tempfile.TemporaryDirectory() as tmp:
        with running_lab(topo, tmp) as lab:
            with lab.shell("R1", timeout=30) as shell:
                shell.run("screen-length 0 temporary")
                deadline = time.monotonic() + 60
                while True:
                    brief = parsers.parse_peer_brief(shell.run("display bgp peer")[0])
                    if brief["peers"] and all(p["state"] == parsers.ESTABLISHED for p in brief["peers"]):
                        break
                    if time.monotonic() > deadline:
                        raise SystemExit("R1's sessions did not all establish: %r" % brief["peers"])
                    time.sleep(0.2)
                return {command: shell.run(command)[0] for command, _ in DISPLAYS}


def best_cpu_per_call(fn, text, repeat, number):
    # Cold address cache for every call, as in an Ansible worker (forked per task, so its cache starts
    # empty): the figure must not profit from the previous call's addresses.
    clear = getattr(getattr(parsers, "_canonical_text", None), "cache_clear", lambda: None)
    best = None
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(number):
            clear()
            fn(text)
        elapsed = (time.process_time() - start) / number
        best = elapsed if best is None else min(best, elapsed)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--peers", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--number", type=int, default=20)
    ap.add_argument("--outputs", help="read the display outputs from this directory instead of a lab")
    ap.add_argument("--save-outputs", help="save the display outputs to this directory")
    ap.add_argument("--save-parsed", help="pickle every parser's result to this file")
    ap.add_argument("--check-parsed", help="compare every parser's result with this pickle; rc 1 if any differs")
    opts = ap.parse_args()

    if opts.outputs:
        outputs = {}
        for command, _ in DISPLAYS:
            with open(os.path.join(opts.outputs, file_name(command))) as handle:
                outputs[command] = handle.read()
    else:
        outputs = lab_outputs(opts.peers)
    if opts.save_outputs:
        os.makedirs(opts.save_outputs, exist_ok=True)
        for command, text in outputs.items():
            with open(os.path.join(opts.save_outputs, file_name(command)), "w") as handle:
                handle.write(text)

    parsed = {}
    per_parser = {}
    print("%-70s %-32s %8s %10s" % ("display", "parser", "KB", "CPU ms/call"))
    for command, name in DISPLAYS:
        fn = getattr(parsers, name)
        text = outputs[command]
        result = fn(text)
        if not result:
            raise SystemExit("%s returned nothing for %r: the lab output is not what the bench expects"
                             % (name, command))
        parsed[(command, name)] = result
        cpu = best_cpu_per_call(fn, text, opts.repeat, opts.number)
        per_parser[name] = per_parser.get(name, 0.0) + cpu
        print("%-70s %-32s %8.1f %10.3f" % (command, name, len(text) / 1024.0, cpu * 1000))
    print()
    print("per parser, summed over its displays (CPU ms per read of each display once):")
    for name, cpu in sorted(per_parser.items(), key=lambda item: -item[1]):
        print("  %-32s %8.3f" % (name, cpu * 1000))
    print("  %-32s %8.3f" % ("total", sum(per_parser.values()) * 1000))

    if opts.save_parsed:
        with open(opts.save_parsed, "wb") as handle:
            pickle.dump(parsed, handle)
    if opts.check_parsed:
        # parse_config_tree returns ConfigNode dataclasses: they compare by value.
        with open(opts.check_parsed, "rb") as handle:
            expected = pickle.load(handle)
        differing = [key for key in expected if parsed.get(key) != expected[key]]
        if differing:
            print("DIFFERENT from %s: %s" % (opts.check_parsed, differing))
            return 1
        print("identical to %s (%d results)" % (opts.check_parsed, len(expected)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
