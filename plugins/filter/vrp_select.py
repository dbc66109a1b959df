# -*- coding: utf-8 -*-
# Copyright: netops.vrp contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netops.vrp.vrp_select: JMESPath over BGP facts (or any data)
(documentation: vrp_select.yml; logic: plugin_utils/facts_filters.py)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.netops.vrp.plugins.plugin_utils.facts_filters import jmespath_search


class FilterModule(object):
    """netops.vrp.vrp_select."""

    def filters(self):
        return {"vrp_select": jmespath_search}
