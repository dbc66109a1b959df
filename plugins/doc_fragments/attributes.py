# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # What every netops.vrp module supports; the descriptions come from ansible.builtin.action_common_attributes
    # (listed after this fragment). Literal strings: ansible-test's yamllint reads them without running them.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: huawei_vrp8
"""

    # modules that return a diff (--diff); listed before the module's other attribute fragments
    DIFF = r"""
attributes:
  diff_mode:
    support: full
"""
