"""`browser` marker: tests that drive a real browser against a whole Airflow they start (`airflow standalone`,
5–8 minutes on the 2-core machine). They run with `make test-browser` (`pytest -m browser`); a plain run
deselects them (listed as deselected, never skipped), which keeps `make test` inside its time budget."""

from __future__ import annotations


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: a real browser against a whole Airflow (slow; run with -m browser)")


def pytest_collection_modifyitems(config, items):
    if "browser" in (config.getoption("markexpr") or ""):
        return
    slow = [item for item in items if item.get_closest_marker("browser")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item not in slow]
