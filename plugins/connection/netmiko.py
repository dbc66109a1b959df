# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: netmiko
short_description: SSH CLI sessions to Huawei VRP8 routers for the netops.vrp modules
description:
  - Declares how to reach a Huawei VRP8 router (NE40E / NE8000) over SSH. The netops.vrp modules run
    as action plugins on the controller and send VRP CLI commands through one SSH session per router
    per C(ansible-playbook) run, kept by one session keeper process per run (netmiko C(huawei_vrpv8)
    without its silence waits) that holds the sessions of every router of the run.
  - The keeper is started by the first task that needs a router and reached by later tasks over a
    private unix socket (mode 0600, in a directory only the user can read). A router's credentials
    reach the keeper over that socket the first time the router is used and stay in its memory, never
    on disk or on a command line. It logs out and exits when C(ansible-playbook) exits, on SIGTERM, and
    logs a router out after O(idle_timeout) seconds without use.
  - This connection never runs Python or shell commands on the router; modules from other
    collections cannot use it (C(exec_command), C(put_file) and C(fetch_file) fail).
  - Works with standard inventory and AWX/AAP machine-credential variables.
author: netops.vrp maintainers (@netops)
version_added: 0.1.0
requirements:
  - netmiko >= 4.5 on the controller (only the session keeper imports it)
options:
  host:
    description: Address or name of the router's management interface.
    type: str
    default: inventory_hostname
    vars:
      - name: inventory_hostname
      - name: ansible_host
      - name: ansible_ssh_host
      - name: delegated_vars['ansible_host']
  port:
    description: SSH port of the router.
    type: int
    default: 22
    ini:
      - section: defaults
        key: remote_port
    env:
      - name: ANSIBLE_REMOTE_PORT
    vars:
      - name: ansible_port
      - name: ansible_ssh_port
  remote_user:
    description: User name to log in with.
    type: str
    ini:
      - section: defaults
        key: remote_user
    env:
      - name: ANSIBLE_REMOTE_USER
    vars:
      - name: ansible_user
      - name: ansible_ssh_user
  password:
    description:
      - Password for O(remote_user). Never written to disk, argv or the environment; the session
        log (O(session_log)) masks it.
    type: str
    vars:
      - name: ansible_password
      - name: ansible_ssh_pass
      - name: ansible_ssh_password
  private_key_file:
    description: SSH private key file to authenticate with instead of (or before) the password.
    type: path
    ini:
      - section: defaults
        key: private_key_file
    env:
      - name: ANSIBLE_PRIVATE_KEY_FILE
    vars:
      - name: ansible_private_key_file
      - name: ansible_ssh_private_key_file
  use_ssh_agent:
    description:
      - Also offer the keys of a running ssh-agent (C(SSH_AUTH_SOCK)) when logging in. AWX's Machine
        credential with an SSH key works this way. Set to V(false) to log in with only the password
        and O(private_key_file).
    type: bool
    default: true
    env:
      - name: NETOPS_VRP_USE_SSH_AGENT
    vars:
      - name: netops_vrp_use_ssh_agent
  host_key_checking:
    description:
      - Verify the router's SSH host key against C(~/.ssh/known_hosts) (or O(known_hosts_file)).
        An unknown or changed key fails the task with a clear message.
    type: bool
    default: true
    ini:
      - section: defaults
        key: host_key_checking
    env:
      - name: ANSIBLE_HOST_KEY_CHECKING
    vars:
      - name: ansible_host_key_checking
      - name: ansible_ssh_host_key_checking
  known_hosts_file:
    description: known_hosts file used when O(host_key_checking) is on (default C(~/.ssh/known_hosts)).
    type: path
    env:
      - name: NETOPS_VRP_KNOWN_HOSTS_FILE
    vars:
      - name: netops_vrp_known_hosts_file
  command_timeout:
    description: Seconds to wait for the router's prompt after a command.
    type: int
    default: 60
    env:
      - name: NETOPS_VRP_COMMAND_TIMEOUT
    vars:
      - name: netops_vrp_command_timeout
  connect_timeout:
    description: Seconds to wait for the TCP connection, SSH handshake and login.
    type: int
    default: 30
    env:
      - name: NETOPS_VRP_CONNECT_TIMEOUT
    vars:
      - name: netops_vrp_connect_timeout
  idle_timeout:
    description:
      - Seconds the session keeper keeps an unused SSH session open before logging out (the next
        task logs in again). It always logs out when C(ansible-playbook) exits. C(0) disables the
        idle timeout.
    type: int
    default: 600
    env:
      - name: NETOPS_VRP_IDLE_TIMEOUT
    vars:
      - name: netops_vrp_idle_timeout
  session_name:
    description:
      - Name of a separate SSH session to the same router. Tasks with the same name share one login;
        a task with another name gets its own login to the same router (for example to see what a
        second operator session sees, as C(playbooks/vrp_probe.yml) does). Empty is the default session.
    type: str
    default: ""
    vars:
      - name: netops_vrp_session_name
  session_log:
    description:
      - File to append the whole SSH session to (netmiko session log, created mode 0600). The
        password is masked. Use it for troubleshooting only.
    type: path
    env:
      - name: NETOPS_VRP_SESSION_LOG
    vars:
      - name: netops_vrp_session_log
  journal:
    description:
      - File on the controller to append the run journal to, as JSON lines (mode 0600). Each task's start
        and end are written, and every line other than a display, before it is sent and again after its
        reply, so the file survives a killed ansible-playbook. The netops.vrp.bgp_policy_rollout role sets
        it per router and its recovery play reads it. No arguments or secrets are written. Empty means none.
    type: str
    vars:
      - name: netops_vrp_journal
"""

EXAMPLES = r"""
# inventory.yml
# all:
#   children:
#     vrp:
#       hosts:
#         PE1: {ansible_host: 192.0.2.11}
#       vars:
#         ansible_connection: netops.vrp.netmiko
#         ansible_user: automation
#         ansible_password: "{{ vault_vrp_password }}"
#         netops_vrp_command_timeout: 120

- name: Show BGP peers
  hosts: vrp
  gather_facts: false
  tasks:
    - name: Read the BGP peer table
      netops.vrp.vrp_command:
        commands: [display bgp peer]
"""

import os

from ansible.errors import AnsibleConnectionFailure
from ansible.plugins.connection import ConnectionBase

NO_REMOTE_EXECUTION = ("netops.vrp modules run on the controller; this connection never runs Python on "
                       "the router (use netops.vrp modules, or set gather_facts: false)")


class Connection(ConnectionBase):
    """Option holder for netops.vrp action plugins; sessions live in the session keeper."""

    transport = "netops.vrp.netmiko"
    has_pipelining = False
    has_tty = False

    def _connect(self):
        # Nothing to do here: the action plugins open (or reuse) the session in the keeper lazily.
        self._connected = True
        return self

    def exec_command(self, cmd, in_data=None, sudoable=True):
        raise AnsibleConnectionFailure(NO_REMOTE_EXECUTION)

    def put_file(self, in_path, out_path):
        raise AnsibleConnectionFailure(NO_REMOTE_EXECUTION)

    def fetch_file(self, in_path, out_path):
        raise AnsibleConnectionFailure(NO_REMOTE_EXECUTION)

    def close(self):
        self._connected = False

    def keeper_settings(self):
        """The KeeperTransport keyword arguments for this host (used by VrpActionBase)."""
        return dict(
            host=self.get_option("host"),
            port=self.get_option("port") or 22,
            username=self.get_option("remote_user"),
            password=self.get_option("password"),
            private_key_file=self.get_option("private_key_file"),
            use_ssh_agent=self.get_option("use_ssh_agent"),
            host_key_checking=self.get_option("host_key_checking"),
            known_hosts_file=self.get_option("known_hosts_file"),
            connect_timeout=self.get_option("connect_timeout"),
            command_timeout=self.get_option("command_timeout"),
            idle_timeout=self.get_option("idle_timeout"),
            session_log=self.get_option("session_log"),
            session_name=self.get_option("session_name") or "",
        )

    def journal_path(self):
        """The run journal file (option ``journal``), or None."""
        path = self.get_option("journal")
        return os.path.abspath(os.path.expanduser(path)) if path else None
