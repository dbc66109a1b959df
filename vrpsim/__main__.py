"""Command line: ``python -m vrpsim {lab up|down|status, serve, ctl}``.

``lab up`` starts ``serve`` as a detached background process and returns once every router listens
(``serve`` writes ``lab.json`` only then); ``lab down`` stops it with SIGTERM and cleans up.
"""
import argparse
import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from vrpsim import netns as vrpsim_netns
from vrpsim.lab import (
    CONTROL_SOCKET,
    LAB_FILE,
    TopologyError,
    control_request,
    default_state_dir,
    load_topology,
    serve_lab,
)

UP_TIMEOUT = 120.0
DOWN_TIMEOUT = 15.0


def _state_dir(args):
    if args.state_dir:
        return Path(args.state_dir)
    if not args.topology:
        raise SystemExit("give a TOPOLOGY or --state-dir")
    return default_state_dir(load_topology(args.topology))


def _read_lab(state_dir):
    try:
        return json.loads((state_dir / LAB_FILE).read_text())
    except (OSError, ValueError):
        return None


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cmd_serve(args):
    state_dir = _state_dir(args)
    state_dir.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    lab_factory = None
    if args.containers:                         # vrpsim/containers.py: one container per router
        from vrpsim.containers import ContainerLab
        lab_factory = ContainerLab
    asyncio.run(serve_lab(args.topology, state_dir, netns=True if args.netns else None, lab_factory=lab_factory))


def cmd_up(args):
    state_dir = _state_dir(args)
    state_dir.mkdir(parents=True, exist_ok=True)
    running = _read_lab(state_dir)
    if running and _alive(running["pid"]):
        raise SystemExit("lab already running in %s (pid %d)" % (state_dir, running["pid"]))
    (state_dir / LAB_FILE).unlink(missing_ok=True)
    netns_mode = args.netns or bool(load_topology(args.topology).get("netns"))
    if netns_mode:
        vrpsim_netns.check_available()          # say why here, not in the server's log
    vrpsim_netns.teardown(state_dir)            # leftovers of a crashed netns run of this state dir
    if args.containers:
        from vrpsim import containers
        containers.check_available()
        containers.teardown(state_dir)          # leftovers of a crashed container run
        containers.build()                      # before the server starts: up to date = about a second
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    with open(state_dir / "server.log", "ab") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "vrpsim", "serve", str(Path(args.topology).resolve())
             if Path(args.topology).is_file() else args.topology, "--state-dir", str(state_dir.resolve())]
            + (["--netns"] if args.netns else []) + (["--containers"] if args.containers else []),
            stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file, env=env, start_new_session=True)
    deadline = time.monotonic() + UP_TIMEOUT
    while time.monotonic() < deadline:
        lab = _read_lab(state_dir)
        if lab and lab.get("pid") == proc.pid:
            print(json.dumps({"state_dir": str(state_dir), "pid": proc.pid, "routers": lab["routers"]}, indent=2))
            return
        if proc.poll() is not None:
            tail = (state_dir / "server.log").read_text()[-2000:]
            raise SystemExit("lab server exited with %s:\n%s" % (proc.returncode, tail))
        time.sleep(0.05)
    proc.terminate()
    raise SystemExit("lab did not come up within %.0f s" % UP_TIMEOUT)


def cmd_down(args):
    state_dir = _state_dir(args)
    lab = _read_lab(state_dir)
    if lab and _alive(lab["pid"]):
        os.kill(lab["pid"], signal.SIGTERM)
        deadline = time.monotonic() + DOWN_TIMEOUT
        while _alive(lab["pid"]) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(lab["pid"]):
            os.kill(lab["pid"], signal.SIGKILL)
    # The server removes its namespaces on SIGTERM; this catches a killed or crashed one.
    vrpsim_netns.teardown(state_dir)
    if (state_dir / "containers.json").exists():   # a killed container lab leaves its containers
        from vrpsim import containers
        containers.teardown(state_dir)
    (state_dir / LAB_FILE).unlink(missing_ok=True)
    (state_dir / CONTROL_SOCKET).unlink(missing_ok=True)
    print("lab in %s is down" % state_dir)


def cmd_status(args):
    state_dir = _state_dir(args)
    lab = _read_lab(state_dir)
    if not lab or not _alive(lab["pid"]):
        print(json.dumps({"state_dir": str(state_dir), "running": False}))
        sys.exit(3)
    status = control_request(state_dir, "status")
    print(json.dumps(dict(status, state_dir=str(state_dir), running=True), indent=2))


def cmd_ctl(args):
    result = control_request(_state_dir(args), args.op, json.loads(args.json_args) if args.json_args else {})
    print(json.dumps(result, indent=2))


def build_parser():
    parser = argparse.ArgumentParser(prog="vrpsim", description="VRP8 router emulator lab")
    sub = parser.add_subparsers(dest="command", required=True)
    lab = sub.add_parser("lab", help="start/stop/inspect a background lab")
    lab_sub = lab.add_subparsers(dest="lab_command", required=True)
    for name, func in (("up", cmd_up), ("down", cmd_down), ("status", cmd_status)):
        p = lab_sub.add_parser(name)
        p.add_argument("topology", nargs="?" if name != "up" else None, help="topology YAML or shipped name")
        p.add_argument("--state-dir")
        if name == "up":
            p.add_argument("--netns", action="store_true",
                           help="each router in its own network namespace (root only; = topology 'netns: true')")
            p.add_argument("--containers", action="store_true",
                           help="each router in its own podman container (docs/containers.md)")
        p.set_defaults(func=func)
    serve = sub.add_parser("serve", help="run a lab in the foreground")
    serve.add_argument("topology")
    serve.add_argument("--state-dir")
    serve.add_argument("--netns", action="store_true")
    serve.add_argument("--containers", action="store_true")
    serve.set_defaults(func=cmd_serve)
    ctl = sub.add_parser("ctl", help="send one control request to a running lab")
    ctl.add_argument("--state-dir", required=True)
    ctl.add_argument("op", choices=["status", "fault", "clear_faults", "transcript", "config", "bgp",
                                    "reset_transcripts"])
    ctl.add_argument("json_args", nargs="?")
    ctl.set_defaults(func=cmd_ctl, topology=None)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (TopologyError, RuntimeError, OSError) as error:
        raise SystemExit("vrpsim: %s" % error) from error


if __name__ == "__main__":
    main()
