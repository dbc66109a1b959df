"""vrpsim benchmark: lab start time and RSS, `display bgp peer` latency, netmiko connect + first command.

    .venv/bin/python bench/vrpsim_bench.py [--routers 1000] [--sessions 50] [--rounds 20]

Starts a generated topology with ``python -m vrpsim lab up`` (the real background server), then
measures from this process. Targets (issue): 1,000 routers up in <= 15 s and < 1.5 GB RSS;
50 concurrent sessions p50 <= 5 ms; netmiko connect + first command <= 0.5 s.
Latency is reported twice: paced (each session waits a random think time between commands, like a
playbook fork parsing output) and lockstep (every session fires back-to-back: this measures queueing
behind the other 49 sessions, i.e. the server's throughput, on the same 2 cores as the client).
"""
import argparse
import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncssh
import yaml

ROOT = Path(__file__).resolve().parent.parent
PROMPT = re.compile(rb"<[^<>\r\n]+>$")


def ring_topology(count):
    """Routers in an iBGP ring (each peers with its two neighbours) plus one external peer each."""
    def address(i):
        return "10.%d.%d.1" % (i // 250, i % 250)

    routers, externals = [], []
    for i in range(count):
        name = "R%04d" % i
        neighbours = {address((i + 1) % count), address((i - 1) % count)} - {address(i)}
        upstream = "192.0.2.%d" % (i % 250 + 1)
        lines = ["sysname " + name, "bgp 65000", " router-id " + address(i)]
        lines += [" peer %s as-number 65000" % n for n in sorted(neighbours)]
        lines += [" peer %s as-number 64500" % upstream]
        routers.append({"name": name, "addresses": [address(i)], "config": "\n".join(lines) + "\n"})
        externals.append({"name": "X" + name, "router": name, "address": upstream, "as": 64500,
                          "routes": [{"prefix": "203.0.113.0/24", "as_path": [64500]}]})
    return {"name": "bench", "timing": {"establish_delay": 0.0}, "routers": routers, "external_peers": externals}


def vrpsim(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "vrpsim", *args], env=env, cwd=ROOT, check=True,
                          capture_output=True, text=True)


def rss_mb(pid):
    for line in Path("/proc/%d/status" % pid).read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def read_prompt(stdout):
    data = b""
    while not PROMPT.search(data):
        chunk = await stdout.read(65536)
        if not chunk:
            raise EOFError(data)
        data += chunk
    return data


async def one_session(login, rounds, samples, think):
    async with asyncssh.connect(login["host"], login["port"], username=login["username"],
                                password=login["password"], known_hosts=None) as conn:
        process = await conn.create_process(term_type="vt100", encoding=None)
        await read_prompt(process.stdout)
        for _ in range(rounds):
            if think:   # random pacing: sessions do not fire in lockstep
                await asyncio.sleep(random.uniform(0, 2 * think))
            started = time.perf_counter()
            process.stdin.write(b"display bgp peer\n")
            await read_prompt(process.stdout)
            samples.append(time.perf_counter() - started)
        process.stdin.write(b"quit\n")


async def concurrent_display(routers, sessions, rounds, think):
    logins = list(routers.values())[:sessions]
    samples = []
    await asyncio.gather(*(one_session(login, rounds, samples, think) for login in logins))
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def netmiko_connect(login, tries=5):
    from netmiko import ConnectHandler
    times = []
    for _ in range(tries):
        started = time.perf_counter()
        conn = ConnectHandler(device_type="huawei_vrpv8", host=login["host"], port=login["port"],
                              username=login["username"], password=login["password"])
        conn.send_command("display bgp peer")
        times.append(time.perf_counter() - started)
        conn.disconnect()
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routers", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--think", type=float, default=0.1,
                        help="mean seconds a session waits between commands (the paced measurement)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vrpsim-bench-") as tmp:
        topology = Path(tmp) / "bench.yml"
        topology.write_text(yaml.safe_dump(ring_topology(args.routers)))
        state = Path(tmp) / "state"
        vrpsim("lab", "down", "--state-dir", str(state))
        started = time.perf_counter()
        vrpsim("lab", "up", str(topology), "--state-dir", str(state))
        start_time = time.perf_counter() - started
        lab = json.loads((state / "lab.json").read_text())
        try:
            rss = rss_mb(lab["pid"])
            paced = asyncio.run(concurrent_display(lab["routers"], args.sessions, args.rounds, args.think))
            lockstep = asyncio.run(concurrent_display(lab["routers"], args.sessions, args.rounds, 0))
            connect = netmiko_connect(next(iter(lab["routers"].values())))
            rss_after = rss_mb(lab["pid"])
        finally:
            vrpsim("lab", "down", "--state-dir", str(state))
    print("routers: %d" % args.routers)
    print("lab up (all listening): %.2f s   RSS after start: %.0f MB   RSS after load: %.0f MB"
          % (start_time, rss, rss_after))
    print("display bgp peer, %d concurrent sessions x %d rounds, paced (mean think %.0f ms): p50 %.2f ms  p95 %.2f ms"
          % (args.sessions, args.rounds, args.think * 1000, paced[0] * 1000, paced[1] * 1000))
    print("display bgp peer, %d concurrent sessions x %d rounds, lockstep (no think time): p50 %.2f ms  p95 %.2f ms"
          % (args.sessions, args.rounds, lockstep[0] * 1000, lockstep[1] * 1000))
    print("netmiko huawei_vrpv8 connect + first command (median of 5): %.3f s" % connect)


if __name__ == "__main__":
    main()
