"""Marks every test in this directory as an integration test (fixtures: lab_fixtures.py)."""
import os

import pytest


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(os.path.abspath(__file__))
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.integration)
