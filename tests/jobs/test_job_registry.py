"""The job registry: built-ins, registration rules, modules and entry points."""

from __future__ import annotations

import sys
import types
from importlib.metadata import EntryPoint

import pytest
import sample_jobs

from linkstar.jobs import registry
from linkstar.jobs.registry import JobSpec, get_spec, job, load_modules, register, unregister
from linkstar.workspace import tasks


def test_builtin_jobs_are_registered():
    assert get_spec("workspace.purge_audit_log").handler is tasks.purge_audit_log
    assert get_spec("workspace.purge_auth_records").handler is tasks.purge_auth_records
    assert get_spec("workspace.purge_finished_jobs").handler is tasks.purge_finished_jobs


def test_spec_defaults_and_validation():
    spec = JobSpec("x", sample_jobs.record)
    assert (spec.max_attempts, spec.time_limit_seconds) == (5, 300)
    assert (spec.backoff_base_seconds, spec.backoff_max_seconds) == (2.0, 3600)
    with pytest.raises(ValueError, match="max_attempts"):
        JobSpec("x", sample_jobs.record, max_attempts=0)
    with pytest.raises(ValueError, match="time_limit"):
        JobSpec("x", sample_jobs.record, time_limit_seconds=0)


def test_a_taken_name_is_refused_unless_replaced():
    try:
        register(JobSpec("tests.taken", sample_jobs.record))
        register(JobSpec("tests.taken", sample_jobs.record))  # the same spec again is fine
        with pytest.raises(ValueError, match="already registered"):
            register(JobSpec("tests.taken", sample_jobs.fail))
        register(JobSpec("tests.taken", sample_jobs.fail), replace=True)
        assert get_spec("tests.taken").handler is sample_jobs.fail
    finally:
        unregister("tests.taken")
    assert get_spec("tests.taken") is None


def test_decorator_and_load_modules(monkeypatch):
    module = types.ModuleType("tests_plugin_jobs")
    exec(
        "from linkstar.jobs.registry import job\n"
        "@job('tests.plugin', max_attempts=2)\n"
        "def handler(session, ctx):\n    pass\n",
        module.__dict__,
    )
    monkeypatch.setitem(sys.modules, "tests_plugin_jobs", module)
    try:
        assert load_modules(["tests_plugin_jobs"]) == [module]
        assert get_spec("tests.plugin").max_attempts == 2
    finally:
        unregister("tests.plugin")
    assert job  # the decorator is public API


def test_entry_points_register_specs(monkeypatch):
    spec_a = JobSpec("tests.ep_a", sample_jobs.record)
    spec_b = JobSpec("tests.ep_b", sample_jobs.record)
    module = types.ModuleType("tests_ep_module")
    module.ONE = spec_a
    module.MANY = lambda: [spec_b]
    monkeypatch.setitem(sys.modules, "tests_ep_module", module)
    points = [
        EntryPoint("one", "tests_ep_module:ONE", registry.ENTRY_POINT_GROUP),
        EntryPoint("many", "tests_ep_module:MANY", registry.ENTRY_POINT_GROUP),
        EntryPoint("module", "tests_ep_module", registry.ENTRY_POINT_GROUP),
    ]
    monkeypatch.setattr(registry, "entry_points", lambda group: points)
    try:
        assert registry.load_entry_points(force=True) == 3
        assert get_spec("tests.ep_a") is spec_a
        assert get_spec("tests.ep_b") is spec_b
        assert registry.load_entry_points() == 0  # once per process unless forced
    finally:
        unregister("tests.ep_a")
        unregister("tests.ep_b")
