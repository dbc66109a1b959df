# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

# What every netops.vrp module supports; the descriptions come from ansible.builtin.action_common_attributes
# (listed after this fragment), a module's own attributes override these.
_ATTRIBUTES = r"""
attributes:
  check_mode:
    support: full
  diff_mode:
    support: %s
  platform:
    platforms: huawei_vrp8
"""


class ModuleDocFragment(object):
    DOCUMENTATION = _ATTRIBUTES % "none"
    # modules that return a diff (--diff)
    DIFF = _ATTRIBUTES % "full"
