"""The rollout playbook run the way AWX runs a job template, against a vrpsim lab.

Each test builds an ansible-runner private data dir shaped like the one AWX hands to its execution
environment:

- ``project/``: the rollout playbook, and ``collections/requirements.yml`` naming the collection tarball
  (AWX's project update installs it into ``requirements_collections`` and points
  ``ANSIBLE_COLLECTIONS_PATH`` there). The tarball is built from the working tree once per module, with the
  same ``ansible-galaxy collection build`` as ``make build``, so the job tests what ``make setup`` installs.
- ``inventory/hosts.yml``: addresses and connection variables only, no credentials.
- The Machine credential the way AWX injects it: ``-u USER --ask-pass`` on the command line
  (``env/cmdline``) and the password answered to ansible-playbook's ``SSH password:`` prompt
  (``env/passwords``); ``--check`` for a Check job type.
- ``env/extravars``: the survey answers as AWX passes them (strings, integers for integer questions;
  see ``awx_support.py`` and ``docs/awx/bgp_policy_rollout.survey.json``).

Results are read from the job events AWX stores and displays (``runner_on_ok`` with ``changed``,
``runner_on_failed``, ``playbook_on_stats``) and from the lab routers' transcripts.
"""
import glob
import json
import os
import shutil
import sys

import ansible_runner
import asyncssh
import pytest
import yaml
from awx_support import galaxy, load_survey, survey_extra_vars
from harness import assert_only_displays, commands_sent

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
PASSWORD = "Awx-Machine-Cred-7391"
USERNAME = "netops"
JOB_TIMEOUT = 240

# Two edge routers with the same upstream group: the survey's one target applies to both.
TOPOLOGY = {
    "name": "awx",
    "defaults": {"username": USERNAME, "password": PASSWORD, "host": "127.0.0.1"},
    "base_port": 0,
    "timing": {"establish_delay": 0.2, "trial_time_scale": 1.0},
    "routers": [
        {"name": name, "addresses": [loopback], "config": (
            "sysname %s\n"
            "bgp 65000\n"
            " router-id %s\n"
            " group UPSTREAM external\n"
            " peer %s as-number %d\n"
            " peer %s group UPSTREAM\n"
            " ipv4-family unicast\n"
            "  peer UPSTREAM enable\n"
            "  peer UPSTREAM route-policy RP-UPSTREAM-IN import\n"
            "route-policy RP-UPSTREAM-IN permit node 10\n"
            " if-match ip-prefix PL-UPSTREAM-IN\n"
            "ip ip-prefix PL-UPSTREAM-IN index 10 permit 203.0.113.0 24 less-equal 28\n"
            "ip ip-prefix PL-UPSTREAM-IN index 20 permit 10.50.0.0 16 less-equal 24\n"
            % (name, loopback, upstream, upstream_as, upstream))}
        for name, loopback, upstream, upstream_as in (("PE1", "10.0.0.1", "192.0.2.1", 64501),
                                                      ("PE2", "10.0.0.2", "192.0.2.5", 64505))
    ],
    "external_peers": [
        {"name": "UP-%s" % router, "router": router, "address": address, "as": asn, "route_refresh": True,
         "routes": [{"prefix": "203.0.113.0/25", "as_path": [asn]},
                    {"prefix": "203.0.113.128/25", "as_path": [asn]},
                    {"prefix": "10.50.0.0/16", "as_path": [asn]}]}
        for router, address, asn in (("PE1", "192.0.2.1", 64501), ("PE2", "192.0.2.5", 64505))
    ],
}
ROUTERS = ["PE1", "PE2"]

# The change as an operator types it into the survey: stop accepting the upstreams' 10.50.0.0/16 aggregate.
POLICY_CONFIG = "ip ip-prefix PL-UPSTREAM-IN index 20 permit 10.50.0.0 16 greater-equal 17 less-equal 24\n"
NEW_PREFIX_LINE = POLICY_CONFIG.strip()
SURVEY_ANSWERS = {
    "target_hosts": "vrp",
    "rollout_canary": "1",           # the survey form sends what was typed; AWX converts integers
    "rollout_wave": "1",
    "policy_config": POLICY_CONFIG,
    "target_groups": "UPSTREAM",
    "target_direction": "import",
    "trial_seconds": "120",
    "batch_pause": "0",
    "max_prefix_loss": "1",
}


@pytest.fixture(scope="module")
def collection_tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("tarball")
    galaxy(["collection", "build", "--output-path", str(out), ROOT])
    (tarball,) = glob.glob(str(out / "netops-vrp-*.tar.gz"))
    return tarball


@pytest.fixture(scope="module")
def requirements_collections(collection_tarball, tmp_path_factory):
    """The collection installed from ``collections/requirements.yml``, as AWX's project update does."""
    project = tmp_path_factory.mktemp("project_update")
    requirements = write_requirements(project, collection_tarball)
    dest = project / "requirements_collections"
    # Only the destination counts: a netops.vrp found elsewhere (~/.ansible/collections) must not make
    # ansible-galaxy skip the install as "already installed".
    env = {k: v for k, v in os.environ.items() if k != "ANSIBLE_CONFIG"}
    env["ANSIBLE_COLLECTIONS_PATH"] = str(dest)
    galaxy(["collection", "install", "-r", str(requirements), "-p", str(dest)], env=env, cwd=str(project))
    assert (dest / "ansible_collections" / "netops" / "vrp" / "MANIFEST.json").is_file()
    return dest


def write_requirements(project, tarball):
    path = project / "collections" / "requirements.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"collections": [{"name": tarball, "type": "file"}]}))
    return path


@pytest.fixture
def awx_lab(make_lab):
    return make_lab(TOPOLOGY)


@pytest.fixture
def run_job(awx_lab, collection_tarball, requirements_collections, tmp_path, monkeypatch):
    """Run the rollout job template: ``run_job(job_type, answers)`` -> (runner, private data dir)."""
    # Nothing from the test session may leak in: AWX's job sees only its private data dir.
    monkeypatch.delenv("ANSIBLE_CONFIG", raising=False)
    monkeypatch.delenv("ANSIBLE_COLLECTIONS_PATH", raising=False)
    monkeypatch.setenv("PATH", BIN + os.pathsep + os.environ.get("PATH", ""))  # ansible-playbook, as in an EE
    counter = iter(range(100))

    def run(job_type, answers, known_hosts=None):
        pdd = tmp_path / ("job%d" % next(counter))
        project = pdd / "project"
        project.mkdir(parents=True)
        shutil.copy(os.path.join(ROOT, "playbooks", "bgp_policy_rollout.yml"), project)
        write_requirements(project, collection_tarball)
        write_inventory(pdd / "inventory" / "hosts.yml", awx_lab)
        env = pdd / "env"
        env.mkdir()
        cmdline = ["-u", USERNAME, "--ask-pass"] + (["--check"] if job_type == "check" else [])
        (env / "cmdline").write_text(" ".join(cmdline))
        (env / "passwords").write_text(json.dumps({r"SSH password:\s*?$": PASSWORD}))
        (env / "extravars").write_text(json.dumps(survey_extra_vars(load_survey(), answers)))
        (env / "envvars").write_text(json.dumps({
            "ANSIBLE_COLLECTIONS_PATH": str(requirements_collections),
            "NETOPS_VRP_KEEPER_DIR": str(tmp_path / "keeper"),
            "NETOPS_VRP_KNOWN_HOSTS_FILE": str(known_hosts or write_known_hosts(tmp_path / "known_hosts", awx_lab)),
            # ansible-runner sets ANSIBLE_HOST_KEY_CHECKING=False unless the job's environment sets it
            # (docs/awx.md, section 2): an AWX admin who wants keys checked sets it, and so does this test.
            "ANSIBLE_HOST_KEY_CHECKING": "True",
        }))
        runner = ansible_runner.run(private_data_dir=str(pdd), playbook="bgp_policy_rollout.yml",
                                    quiet=True, timeout=JOB_TIMEOUT)
        return runner, pdd
    return run


def write_inventory(path, lab):
    path.parent.mkdir(parents=True)
    hosts = {name: {"ansible_host": info.host, "ansible_port": info.port}
             for name, info in sorted(lab.routers.items())}
    inventory = {"all": {"children": {"vrp": {"hosts": hosts, "vars": {
        "ansible_connection": "netops.vrp.netmiko",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
    }}}}}
    path.write_text(yaml.safe_dump(inventory))
    assert PASSWORD not in path.read_text()


def write_known_hosts(path, lab):
    """Host key checking stays on (the plugin default): trust the lab's key the way an EE image would."""
    key = asyncssh.read_private_key(str(lab.state_dir / "ssh_host_ed25519_key"))
    public = key.export_public_key("openssh").decode().split()[:2]
    path.write_text("".join("[%s]:%s %s\n" % (info.host, info.port, " ".join(public))
                            for info in lab.routers.values()))
    return path


def events_of(runner, kind):
    return [e for e in runner.events if e.get("event") == kind]


def stats_of(runner):
    (stats,) = events_of(runner, "playbook_on_stats")
    return stats["event_data"]


def changed_tasks(runner, host):
    return [e["event_data"]["task"] for e in events_of(runner, "runner_on_ok")
            if e["event_data"].get("host") == host and e["event_data"]["res"].get("changed")]


def assert_password_not_shown(runner, pdd):
    """Neither the job events (what AWX stores and shows) nor stdout nor any artifact holds the password."""
    assert PASSWORD not in runner.stdout.read()
    assert PASSWORD not in json.dumps(list(runner.events))
    for path in glob.glob(str(pdd / "artifacts" / "**" / "*"), recursive=True):
        if os.path.isfile(path):
            with open(path, errors="replace") as handle:
                assert PASSWORD not in handle.read(), path


def test_check_job_reports_the_change_and_sends_only_displays(awx_lab, run_job):
    config_before = {r: awx_lab.running_config(r) for r in ROUTERS}

    runner, pdd = run_job("check", SURVEY_ANSWERS)

    assert runner.status == "successful", runner.stdout.read()[-4000:]
    stats = stats_of(runner)
    assert not stats.get("failures") and not stats.get("dark"), stats
    for router in ROUTERS:
        assert stats["ok"].get(router), (router, stats)
        assert stats["changed"].get(router), (router, stats)  # the Check job shows what would change
        assert changed_tasks(runner, router), router
        assert_only_displays(awx_lab, router)
        assert awx_lab.running_config(router) == config_before[router]
        assert NEW_PREFIX_LINE not in awx_lab.running_config(router)
    assert not events_of(runner, "runner_on_failed")
    assert_password_not_shown(runner, pdd)


def test_check_job_with_peer_addresses_on_one_router(awx_lab, run_job):
    """The other survey form: peers instead of groups (groups left empty are not passed), one router."""
    answers = dict(SURVEY_ANSWERS, target_hosts="PE1", target_peers=" 192.0.2.1 ,")
    del answers["target_groups"]

    runner, pdd = run_job("check", answers)

    assert runner.status == "successful", runner.stdout.read()[-4000:]
    stats = stats_of(runner)
    assert set(stats["ok"]) == {"PE1"} and stats["changed"].get("PE1"), stats
    assert not [e for e in runner.events if e.get("event_data", {}).get("host") == "PE2"]
    assert_only_displays(awx_lab, "PE1")
    assert awx_lab.logins("PE2") == 0
    assert_password_not_shown(runner, pdd)


def test_run_job_changes_every_router_and_reports_per_host(awx_lab, run_job):
    runner, pdd = run_job("run", SURVEY_ANSWERS)

    assert runner.status == "successful", runner.stdout.read()[-4000:]
    assert runner.rc == 0
    stats = stats_of(runner)
    assert not stats.get("failures") and not stats.get("dark"), stats
    for router in ROUTERS:
        assert stats["changed"].get(router), (router, stats)
        assert NEW_PREFIX_LINE in awx_lab.running_config(router)
        sent = commands_sent(awx_lab, router)
        assert [c for c in sent if c.startswith("commit trial")] == [c for c in sent if c.startswith(
            "commit trial 120 label netops-")] != [], sent   # one trial, labelled with the run id
        assert "refresh bgp group UPSTREAM import" in sent, sent
        # The new policy took effect without a session reset: the aggregate is gone from the table.
        table = awx_lab.bgp(router)["tables"]["ipv4"]
        assert "10.50.0.0/16" not in table and "203.0.113.0/25" in table, sorted(table)
    assert not events_of(runner, "runner_on_failed")
    assert_password_not_shown(runner, pdd)

    # Run again with the same answers: nothing left to change, so AWX shows no changed host.
    # The first job's session keeper logs out (``return``, ``quit``) just after the job ends: wait for it.
    for router in ROUTERS:
        assert awx_lab.wait_logged_out(router, timeout=15), router
    awx_lab.reset_transcripts()
    again, pdd = run_job("run", SURVEY_ANSWERS)
    assert again.status == "successful", again.stdout.read()[-4000:]
    assert not any(stats_of(again)["changed"].values()), stats_of(again)
    for router in ROUTERS:
        assert_only_displays(awx_lab, router)


def test_failed_canary_stops_the_job_and_shows_the_failed_host(awx_lab, run_job):
    answers = dict(SURVEY_ANSWERS, target_groups="NO-SUCH-GROUP")

    runner, pdd = run_job("run", answers)

    assert runner.status == "failed" and runner.rc != 0
    stats = stats_of(runner)
    assert stats["failures"] == {"PE1": 1}, stats
    failed = events_of(runner, "runner_on_failed")
    assert failed and {e["event_data"]["host"] for e in failed} == {"PE1"}
    assert not any(e["event_data"].get("ignore_errors") for e in failed)
    # The canary failed its pre-checks: nothing was configured on it, and the wave after it never started: PE2
    # saw only the pre-flight play's one login and display, and the rollout play has no event of it.
    assert_only_displays(awx_lab, "PE1")
    assert NEW_PREFIX_LINE not in awx_lab.running_config("PE1")
    assert awx_lab.logins("PE2") == 1
    assert commands_sent(awx_lab, "PE2") == ["display configuration trial status"]
    assert not [e for e in runner.events if e.get("event_data", {}).get("host") == "PE2"
                and not e["event_data"].get("play", "").startswith("Pre-flight")]
    assert_password_not_shown(runner, pdd)


def test_host_key_checking_is_on_when_the_job_environment_says_so(awx_lab, run_job, tmp_path):
    """A known_hosts entry with another key: the job fails at login and nothing reaches the router."""
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode().split()[:2]
    wrong = tmp_path / "wrong_known_hosts"
    wrong.write_text("".join("[%s]:%s %s\n" % (info.host, info.port, " ".join(other))
                             for info in awx_lab.routers.values()))

    runner, pdd = run_job("check", dict(SURVEY_ANSWERS, target_hosts="PE1"), known_hosts=wrong)

    assert runner.status == "failed", runner.stdout.read()[-3000:]
    assert "host key" in runner.stdout.read().lower()
    assert awx_lab.logins("PE1") == 0 and not commands_sent(awx_lab, "PE1")
    assert_password_not_shown(runner, pdd)


def test_survey_answers_are_checked_before_the_job_starts():
    with pytest.raises(ValueError, match="target_direction"):
        survey_extra_vars(load_survey(), dict(SURVEY_ANSWERS, target_direction="both"))
    with pytest.raises(ValueError, match="trial_seconds"):
        survey_extra_vars(load_survey(), dict(SURVEY_ANSWERS, trial_seconds="5"))
    extra = survey_extra_vars(load_survey(), SURVEY_ANSWERS)
    assert extra["trial_seconds"] == 120 and extra["target_groups"] == "UPSTREAM"
    assert extra["allow_hard_reset"] == "false"  # a multiple-choice answer stays a string
    assert "max_prefix_gain" not in extra        # optional, unanswered, empty default: not passed
