"""Secrets never appear in output, logs, the session log, the keeper's files or the registered results.

The lab's password is a distinctive string. Playbooks run at ``-vvvv`` with ``ANSIBLE_LOG_PATH``, the
connection's session log (``netops_vrp_session_log``) and the keeper debug log
(``NETOPS_VRP_KEEPER_DEBUG=1``) on, and register and print every result. They cover facts, display
commands, a configuration change and its check mode, the rollout role (check mode and for real), a
task refused by the router, a task refused by validation, an ``auth_fail`` fault (the right password
refused) and a wrong password (itself distinctive, passed in a vars file). While the keeper runs, its
command line and environment are read from /proc. The secrets must be in none of these; the session
log and the keeper log must hold the session (so the check could fail).

The connection plugin has no private key passphrase option: an encrypted key is used through ssh-agent
(``use_ssh_agent``), which keeps the passphrase, so the collection never holds one to leak.
"""
import json
import os
import shutil
import tempfile

import yaml
from harness import commands_sent, run_playbook, wait_keepers_gone

SECRET = "Zq9-vrp-S3cret-4711"
WRONG_SECRET = "Wr0ng-vrp-S3cret-0815"
SECRETS = (SECRET, WRONG_SECRET)

TOPOLOGY = {
    "name": "secrets",
    "defaults": {"username": "admin", "password": SECRET, "host": "127.0.0.1"},
    "base_port": 0,
    "timing": {"establish_delay": 0.1},
    "routers": [
        {"name": "PE1", "addresses": ["10.0.0.1"], "config": (
            "sysname PE1\nbgp 65000\n router-id 10.0.0.1\n peer 10.0.0.2 as-number 65000\n"
            " ipv4-family unicast\n  peer 10.0.0.2 route-policy RP-IN import\n"
            "route-policy RP-IN permit node 10\n if-match ip-prefix PL-IN\n"
            "ip ip-prefix PL-IN index 10 permit 10.50.0.0 16 less-equal 24\n")},
        {"name": "PE2", "addresses": ["10.0.0.2"], "config": (
            "sysname PE2\nbgp 65000\n router-id 10.0.0.2\n peer 10.0.0.1 as-number 65000\n")},
    ],
}

# /proc/<pid>/{cmdline,environ} of every process whose command line names keeper_server.py, read by
# a local task while the keeper serves this play (the secret is read from a file, not typed here).
PROC_SCAN = r"""
import os, sys
secret = open(sys.argv[1]).read().strip().encode()
keepers = hits = 0
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    try:
        cmdline = open("/proc/%s/cmdline" % pid, "rb").read()
        if b"keeper_server.py" not in cmdline:
            continue
        environ = open("/proc/%s/environ" % pid, "rb").read()
    except OSError:
        continue
    keepers += 1
    hits += (secret in cmdline) + (secret in environ)
print("keepers=%d hits=%d" % (keepers, hits))
"""

TASKS = """
- name: Facts
  netops.vrp.bgp_facts:
    gather_subset: [ipv4]
  register: facts
- name: Display commands
  netops.vrp.vrp_command:
    commands: [display current-configuration configuration bgp, display bgp peer]
  register: shown
- name: The keeper is running now; read its command line and environment
  ansible.builtin.command:
    argv: ["{{ ansible_playbook_python }}", "{{ scan_script }}", "{{ secret_file }}"]
  delegate_to: localhost
  connection: local
  changed_when: false
  register: proc_scan
- name: A change in check mode
  netops.vrp.vrp_config:
    lines: [ip ip-prefix PL-IN index 20 permit 10.60.0.0 16 less-equal 24]
  check_mode: true
  diff: true
  register: checked
- name: The change
  netops.vrp.vrp_config:
    lines: [ip ip-prefix PL-IN index 20 permit 10.60.0.0 16 less-equal 24]
    commit_label: secrets-test
  diff: true
  register: changed
- name: A command the router refuses
  netops.vrp.vrp_config:
    lines: [peer 10.9.9.9 route-policy RP-NOPE import]
    parents: [bgp 65000]
  register: refused
  ignore_errors: true
- name: A task refused by validation
  netops.vrp.vrp_command:
    commands: [reset bgp all]
  register: invalid
  ignore_errors: true
- name: Every registered result, printed
  ansible.builtin.debug:
    var: item
  loop: ["{{ facts }}", "{{ shown }}", "{{ checked }}", "{{ changed }}", "{{ refused }}", "{{ invalid }}"]
  loop_control:
    label: result
- name: Every variable of the host, printed (hostvars include the connection variables)
  ansible.builtin.debug:
    msg: "{{ hostvars[inventory_hostname] | dict2items | rejectattr('key', 'in', ['ansible_password', 'ansible_ssh_pass']) | items2dict }}"
"""

ROLLOUT = """
- name: Rollout
  hosts: PE1
  gather_facts: false
  roles:
    - role: netops.vrp.bgp_policy_rollout
"""
ROLLOUT_VARS = {
    "bgp_policy_rollout_changes": [{"name": "more", "config": "ip ip-prefix PL-IN index 30 permit 10.70.0.0 16\n"}],
    "bgp_policy_rollout_targets": [{"peers": ["10.0.0.2"], "direction": "import"}],
    "bgp_policy_rollout_batch_pause": 0,
    "bgp_policy_rollout_verify_timeout": 5,
}

AUTH_TASKS = """
- name: Login refused
  netops.vrp.bgp_facts:
  register: refused_login
  ignore_errors: true
- name: Print it
  ansible.builtin.debug:
    var: refused_login
"""


def _files_under(path):
    for root, _, files in os.walk(str(path)):
        for name in files:
            yield os.path.join(root, name)


def _leaks(texts):
    """[(where, secret)] for every place holding a secret."""
    return [(where, secret) for where, text in texts for secret in SECRETS if secret in text]


def _read(path):
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", errors="replace")


def _run(lab, playbook, tmp_path, tag, **kwargs):
    workdir = tmp_path / tag
    keeper_dir = tempfile.mkdtemp(prefix="nvk-")   # short: unix socket paths are limited to 107 bytes
    workdir.mkdir()
    env = {"ANSIBLE_LOG_PATH": str(tmp_path / "ansible.log"), "NETOPS_VRP_KEEPER_DEBUG": "1",
           # the default callback prints results as JSON or YAML: both are checked (no json callback in core)
           "ANSIBLE_CALLBACK_RESULT_FORMAT": "json" if tag in ("modules", "auth-fail", "rollout") else "yaml"}
    res = run_playbook(playbook, lab.inventory_path, workdir=str(workdir), keeper_dir=str(keeper_dir),
                       verbosity=4, env=env, **kwargs)
    pids, sockets = wait_keepers_gone(str(keeper_dir), timeout=10)
    assert not pids and not sockets, (pids, sockets)
    texts = [(tag + " stdout", res.stdout), (tag + " stderr", res.stderr),
             (tag + " results", json.dumps(res.data))]
    keeper_files = [(path, _read(path)) for path in _files_under(keeper_dir)]
    shutil.rmtree(keeper_dir)
    texts += keeper_files + [(path, _read(path)) for path in _files_under(workdir)]
    return res, texts, keeper_files


def test_no_secret_in_output_logs_or_files(make_lab, tmp_path):
    lab = make_lab(TOPOLOGY)
    session_log = tmp_path / "session.log"
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET)
    scan_script = tmp_path / "scan_proc.py"
    scan_script.write_text(PROC_SCAN)
    common = {"netops_vrp_session_log": str(session_log)}
    texts = []

    # modules, check mode, a refused command, a validation failure, the keeper's /proc entries
    tasks = yaml.safe_load(TASKS)
    play = [{"name": "secrets", "hosts": "PE1", "gather_facts": False, "tasks": tasks}]
    res, found, keeper_files = _run(lab, yaml.safe_dump(play), tmp_path, "modules",
                                  extra_vars=dict(common, scan_script=str(scan_script), secret_file=str(secret_file)))
    assert res.stats["PE1"]["failures"] == 0 and res.stats["PE1"]["ignored"] == 2, res.summary()
    assert res.result("The change", "PE1")["changed"] is True
    assert res.result("A command the router refuses", "PE1")["_status"] == "failed"
    scan = res.result("The keeper is running now; read its command line and environment", "PE1")["stdout"]
    assert scan.startswith("keepers=") and "keepers=0" not in scan and scan.endswith("hits=0"), scan
    keeper_logs = [text for path, text in keeper_files if os.path.basename(path).startswith("keeper-")
                   and path.endswith(".log")]
    assert any("login PE1" in text for text in keeper_logs), keeper_files
    texts += found

    # the rollout role, check mode then for real
    for check in (True, False):
        res, found, _ = _run(lab, ROLLOUT, tmp_path, "rollout-check" if check else "rollout",
                             extra_vars=dict(common, **ROLLOUT_VARS), check=check)
        assert res.ok, res.summary()
        texts += found
    assert "ip ip-prefix PL-IN index 30 permit 10.70.0.0 16" in lab.running_config("PE1")

    # the right password refused (auth_fail fault), then a wrong password from a vars file
    lab.fault("auth_fail", "PE1")
    res, found, _ = _auth_run(lab, tmp_path, "auth-fail", common)
    assert "authentication failed" in res.result("Login refused", "PE1")["msg"], res.summary()
    texts += found
    lab.clear_faults()
    vars_file = tmp_path / "wrong.yml"
    vars_file.write_text(yaml.safe_dump({"ansible_password": WRONG_SECRET}))
    res, found, _ = _auth_run(lab, tmp_path, "wrong-password", common, args=["-e", "@" + str(vars_file)])
    assert "authentication failed" in res.result("Login refused", "PE1")["msg"], res.summary()
    texts += [t for t in found if not t[0].endswith("wrong.yml")]

    # the session log and the ansible log hold the sessions (so the check below could find a leak)
    session_text = _read(str(session_log))
    assert "display bgp peer" in session_text and "commit label secrets-test" in session_text
    ansible_log = _read(str(tmp_path / "ansible.log"))
    assert "Every registered result, printed" in ansible_log
    texts += [("session log", session_text), ("ansible log", ansible_log)]

    leaks = _leaks(texts)
    assert not leaks, leaks
    # the detector itself: the lab's inventory (our input) does hold the password in use
    assert _leaks([("lab inventory", _read(lab.inventory_path))]) == [("lab inventory", SECRET)]
    assert commands_sent(lab, "PE2") == []


def _auth_run(lab, tmp_path, tag, common, args=()):
    play = [{"name": tag, "hosts": "PE1", "gather_facts": False, "tasks": yaml.safe_load(AUTH_TASKS)}]
    return _run(lab, yaml.safe_dump(play), tmp_path, tag, extra_vars=common, args=list(args))
