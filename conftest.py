"""Run pytest-odoo with Odoo in test mode from the start, so that importing ``odoo.tests`` logs no error.

pytest-odoo parses Odoo's options and then imports ``odoo.tests`` (and the test files import it too) before any
test runs; it turns ``test_enable`` on only around each test module, so Odoo 18 meets the import outside test mode
and logs "ERROR ... Importing test framework, avoid importing from business modules" with a stack on every run.
``--test-enable`` cannot be passed up front: Odoo would then run every module's at_install tests while pytest-odoo
loads the registry. ``--test-file`` is Odoo's other test-mode switch and does nothing at registry load, so it is
added to the options pytest-odoo hands to Odoo (pointing at this file, which Odoo never executes under pytest).
"""

import pytest


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_cmdline_main(config):
    extra = getattr(config.option, "odoo_extra", None)
    if extra is not None and not any(option.startswith("test-file") for option in extra):
        extra.append(f"test-file={__file__}")
    yield
