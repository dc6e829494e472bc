"""The (carrier, number) keys a shipment had before a carrier correction (its aliases).

`remember` is called by `carrier_correction.correct_carrier` in its transaction: the old key
becomes an alias of the shipment, and an alias of the new key (a correction back to a former
carrier, or a key another shipment left) is removed, since the key now names this shipment.
`find_aliased` is ingestion's batched look-up of the keys no shipment has (one statement a
batch); `aliases_of` lists a shipment's for its page and its API detail. Rows go with their
shipment (`ON DELETE CASCADE`) and their organisation. See docs/tracking.md, "Correcting the
carrier". Never commits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from linkstar.tracking.models import Shipment, ShipmentCarrierAlias

_SQLITE_FIND = text(
    "SELECT j.key, a.shipment_id, s.carrier FROM json_each(:keys) AS j "
    "CROSS JOIN shipment_carrier_aliases AS a CROSS JOIN shipments AS s "
    "WHERE a.organisation_id = :org AND a.carrier = json_extract(j.value, '$[0]') "
    "AND a.tracking_number = json_extract(j.value, '$[1]') "
    "AND s.id = a.shipment_id AND s.organisation_id = a.organisation_id"
)
_POSTGRES_FIND = text(
    "SELECT k.i - 1, a.shipment_id, s.carrier FROM unnest(CAST(:carriers AS text[]), "
    "CAST(:numbers AS text[])) WITH ORDINALITY AS k(carrier, number, i) "
    "JOIN shipment_carrier_aliases AS a ON a.organisation_id = :org "
    "AND a.carrier = k.carrier AND a.tracking_number = k.number "
    "JOIN shipments AS s ON s.id = a.shipment_id AND s.organisation_id = a.organisation_id"
)


def remember(session: Session, shipment: Shipment, old_carrier: str) -> None:
    """Record `old_carrier` as an alias of the (already corrected) shipment's number."""
    a = ShipmentCarrierAlias
    org, number = shipment.organisation_id, shipment.tracking_number
    session.execute(
        delete(a).where(
            a.organisation_id == org,
            a.tracking_number == number,
            a.carrier.in_([old_carrier, shipment.carrier]),
        )
    )
    session.add(
        ShipmentCarrierAlias(
            organisation_id=org, carrier=old_carrier, tracking_number=number,
            shipment_id=shipment.id,
        )
    )  # fmt: skip


def find_aliased(
    session: Session, organisation_id: str, keys: Sequence[tuple[str, str]]
) -> dict[int, tuple[str, str]]:
    """For the (carrier, number) keys that are aliases in this organisation: their position in
    `keys` → (shipment id, the shipment's current carrier). One statement."""
    if not keys:
        return {}
    if session.connection().dialect.name == "sqlite":
        found = session.execute(
            _SQLITE_FIND, {"keys": json.dumps([list(k) for k in keys]), "org": organisation_id}
        )
    else:
        found = session.execute(
            _POSTGRES_FIND,
            {"carriers": [k[0] for k in keys], "numbers": [k[1] for k in keys],
             "org": organisation_id},
        )  # fmt: skip
    return {int(at): (shipment_id, carrier) for at, shipment_id, carrier in found}


def aliases_of(session: Session, organisation_id: str, shipment_id: str) -> list[tuple[str, str]]:
    """One shipment's aliases as (carrier, number), oldest first."""
    a = ShipmentCarrierAlias
    rows = session.execute(
        select(a.carrier, a.tracking_number)
        .where(a.organisation_id == organisation_id, a.shipment_id == shipment_id)
        .order_by(a.created_at, a.carrier)
    )
    return [(carrier, number) for carrier, number in rows]


def aliased_shipments(
    session: Session, organisation_id: str, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """The shipment id of each of these (carrier, number) keys that is an alias (one query)."""
    found = find_aliased(session, organisation_id, keys)
    return {keys[at]: shipment_id for at, (shipment_id, _) in found.items()}
