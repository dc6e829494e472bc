"""Migration 0035 creates the carrier accounts and the poll state; its downgrade drops them."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect

from linkstar.db.migrate import alembic_config, upgrade

TABLES = {"tracking_carrier_accounts", "tracking_poll_state"}


def test_upgrade_creates_the_polling_tables_and_downgrade_drops_them(empty_url):
    engine = create_engine(empty_url)
    upgrade(engine, "0035")
    with engine.connect() as conn:
        found = inspect(conn)
        assert set(found.get_table_names()) >= TABLES
        unique = found.get_unique_constraints("tracking_carrier_accounts")
        assert [u["column_names"] for u in unique] == [["organisation_id", "carrier"]]
        keys = found.get_foreign_keys("tracking_poll_state")
        assert {k["referred_table"] for k in keys} == {"organisations", "shipments"}
    command.downgrade(alembic_config(engine), "0031")
    with engine.connect() as conn:
        assert not TABLES & set(inspect(conn).get_table_names())
    upgrade(engine, "0035")  # and up again
    engine.dispose()


def test_0038_adds_the_environment_and_the_claim_and_downgrade_removes_them(empty_url):
    engine = create_engine(empty_url)
    upgrade(engine, "0038")
    with engine.connect() as conn:
        columns = {c["name"]: c for c in inspect(conn).get_columns("tracking_carrier_accounts")}
        assert "production" in str(columns["environment"]["default"])
        assert not columns["environment"]["nullable"] and columns["polling_until"]["nullable"]
    command.downgrade(alembic_config(engine), "0035")
    with engine.connect() as conn:
        names = {c["name"] for c in inspect(conn).get_columns("tracking_carrier_accounts")}
        assert not {"environment", "polling_until"} & names
    engine.dispose()
