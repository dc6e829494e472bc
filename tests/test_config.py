import json

import pytest

from linkstar.config import ConfigError, Environment, Settings, get_settings


def test_defaults_point_at_sqlite_under_data_dir(tmp_path):
    s = Settings(data_dir=tmp_path)
    assert s.database_url == f"sqlite:///{tmp_path.as_posix()}/linkstar.db"
    assert s.env is Environment.development
    assert s.broker_url == ""
    assert s.is_sqlite


def test_development_generates_and_keeps_its_own_keys(tmp_path):
    first = Settings(data_dir=tmp_path)
    secret, keys = first.secret(), first.encryption_keys()
    assert len(secret) >= 48
    again = Settings(data_dir=tmp_path)
    assert again.secret() == secret and again.encryption_keys() == keys
    stored = json.loads((tmp_path / ".dev-secrets.json").read_text())
    assert stored["secret_key"] == secret
    assert (tmp_path / ".dev-secrets.json").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "LINKSTAR_SECRET_KEY"),
        ({"secret_key": "short"}, "LINKSTAR_SECRET_KEY"),
        ({"secret_key": "x" * 40}, "LINKSTAR_ENCRYPTION_KEY"),
    ],
)
def test_production_refuses_missing_secrets(tmp_path, values, message):
    with pytest.raises(ValueError, match=message):
        Settings(env=Environment.production, data_dir=tmp_path, **values)


def test_production_with_secrets_is_accepted(tmp_path):
    s = Settings(env="production", data_dir=tmp_path, secret_key="k" * 40, encryption_key="a,b")
    assert s.secret() == "k" * 40
    assert s.encryption_keys() == [b"a", b"b"]
    assert s.secure_cookies is True
    assert not (tmp_path / ".dev-secrets.json").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("broker_url", "http://x"), ("log_level", "LOUD"), ("audit_retention_days", 30)],
)
def test_invalid_values_are_refused(tmp_path, field, value):
    with pytest.raises(ValueError):
        Settings(data_dir=tmp_path, **{field: value})


def test_get_settings_reads_environment_and_reports_one_line(monkeypatch, tmp_path):
    get_settings.cache_clear()
    monkeypatch.setenv("LINKSTAR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LINKSTAR_BROKER_URL", "ftp://nope")
    try:
        with pytest.raises(ConfigError) as info:
            get_settings()
        assert "\n" not in str(info.value)
        assert str(info.value).startswith("invalid settings: broker_url")
        monkeypatch.setenv("LINKSTAR_BROKER_URL", "redis://127.0.0.1:6379/0")
        get_settings.cache_clear()
        assert get_settings().broker_url == "redis://127.0.0.1:6379/0"
    finally:
        get_settings.cache_clear()
