"""Migration 0042 creates the shipments' carrier aliases; its downgrade drops them."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect

from linkstar.db.migrate import alembic_config, upgrade


def test_0042_creates_the_alias_table_and_downgrade_drops_it(empty_url):
    engine = create_engine(empty_url)
    upgrade(engine, "0042")
    with engine.connect() as conn:
        found = inspect(conn)
        unique = found.get_unique_constraints("shipment_carrier_aliases")
        assert [u["column_names"] for u in unique] == [
            ["organisation_id", "carrier", "tracking_number"]
        ]
        keys = {k["referred_table"]: k for k in found.get_foreign_keys("shipment_carrier_aliases")}
        assert set(keys) == {"organisations", "shipments"}
        assert {k["options"].get("ondelete") for k in keys.values()} == {"CASCADE"}
        indexes = found.get_indexes("shipment_carrier_aliases")
        assert [i["column_names"] for i in indexes if not i["unique"]] == [["shipment_id"]]
    command.downgrade(alembic_config(engine), "0038")
    with engine.connect() as conn:
        assert "shipment_carrier_aliases" not in inspect(conn).get_table_names()
    upgrade(engine, "0042")  # and up again
    engine.dispose()
