"""One pass over an upload's tables that builds the core objects, collecting every issue."""

from __future__ import annotations

from collections.abc import Callable

from linkstar.rating import cells
from linkstar.rating.core import (
    DimRounding,
    PatternError,
    PercentOf,
    PostcodeSet,
    PriceBracket,
    PriceStep,
    RateCardError,
    Service,
    Surcharge,
    SurchargeKind,
    ZoneChart,
    ZoneChartError,
    ZoneRow,
)
from linkstar.rating.rows import (
    BRITISH,
    FIELD_COLUMNS,
    RowReader,
    choice_parser,
    column_named,
    money_parser,
    parse_countries,
    parse_country,
)
from linkstar.rating.sheets import ImportIssue, Sheet, SheetRow, Workbook

ChartLookup = Callable[[str], ZoneChart | None]


class CardBuilder:
    """One pass over the tables; `where` remembers each core object's row for compile errors."""

    def __init__(self, book: Workbook, lookup: ChartLookup) -> None:
        self.book, self.lookup = book, lookup
        self.issues: list[ImportIssue] = []
        self.services: list[Service] = []
        self.by_id: dict[str, Service] = {}
        self.brackets: list[PriceBracket] = []
        self.steps: list[PriceStep] = []
        self.surcharges: list[Surcharge] = []
        self.where: dict[str, list[tuple[str, int]]] = {
            "services": [],
            "prices": [],
            "price_steps": [],
            "surcharges": [],
        }
        self.lists: dict[str, list[SheetRow]] = {}
        # What the services table declares, bad rows included: rows that refer to a rejected
        # service are not reported again (the service row's own issue says what is wrong).
        self.declared: dict[str, str] = {}  # service_id → currency text
        self.declared_charts: dict[str, set[str]] = {}  # chart → origin countries

    def rows(self, table: str) -> list[tuple[Sheet, SheetRow]]:
        """Every (sheet, row) of one table (none when the table is absent)."""
        sheet = self.book.sheets.get(table)
        return [] if sheet is None else [(sheet, row) for row in sheet.rows]

    # services ------------------------------------------------------------------------------

    def read_services(self) -> None:
        """Services, one per row; remembers what bad rows declared."""
        carriers: set[str] = set()
        seen: set[str] = set()
        first_carrier = ""
        for sheet, row in self.rows("services"):
            r = RowReader(sheet, row, self.issues)
            service_id = r.text("service_id", required=True)
            carrier = r.text("carrier", required=True)
            if service_id and service_id in seen:
                r.issue("service_id", f"duplicate service_id {service_id!r}")
            seen.add(service_id)
            first_carrier = first_carrier or carrier
            if carrier and carrier != first_carrier:
                r.issue("carrier", f"a card holds one carrier's services ({first_carrier!r} first)")
            carriers.add(carrier)
            currency = r.text("currency", required=True)
            if currency and (len(currency) != 3 or not currency.isalpha()):
                r.issue("currency", f"{currency!r} is not an ISO 4217 code")
            currency = currency.upper()
            origin_country = r.parse("origin_country", parse_country, "")
            if not origin_country:
                r.text("origin_country", required=True)
            self.declared.setdefault(service_id, currency)
            countries = self.declared_charts.setdefault(row.get("zone_chart"), set())
            if origin_country:
                countries.add(origin_country)
            origins = self._postcodes(r, "origin_postcodes", origin_country)
            service = r.build(
                Service,
                service_id=service_id,
                carrier=carrier,
                name=r.text("service_name", required=True),
                currency=currency,
                zone_chart=r.text("zone_chart", required=True),
                origin_country=origin_country,
                dest_countries=r.required("dest_countries", parse_countries) or frozenset(),
                origin_postcodes=origins,
                dim_divisor=r.parse("dim_divisor", cells.parse_int),
                dim_rounding=r.parse("dim_rounding", choice_parser(DimRounding), DimRounding.exact),
                weight_rounding_g=r.parse("weight_rounding_g", cells.parse_int, 1),
                max_weight_g=r.parse("max_weight_g", cells.parse_int),
                max_length_mm=r.parse("max_length_mm", cells.parse_int),
                max_length_plus_girth_mm=r.parse("max_length_plus_girth_mm", cells.parse_int),
                fuel_bp=r.parse("fuel_pct", cells.parse_percent, 0),
                min_charge=r.parse("min_charge", money_parser(currency), 0),
                restricted=frozenset(cells.parse_list(r.text("restricted").lower())),
                ddp=r.parse("ddp", cells.parse_bool, False),
                po_box=r.parse("po_box", cells.parse_bool, True),
                military=r.parse("military", cells.parse_bool, True),
                signature_available=r.parse("signature_available", cells.parse_bool, True),
                effective_from=r.parse("effective_from", cells.parse_date),
                effective_to=r.parse("effective_to", cells.parse_date),
                transit_days_p50=r.parse("transit_days_p50", cells.parse_days),
                transit_days_p90=r.parse("transit_days_p90", cells.parse_days),
                prior_on_time_bp=r.parse("prior_on_time_pct", cells.parse_percent),
                prior_success_bp=r.parse("prior_success_pct", cells.parse_percent),
            )
            if service is not None:
                self.services.append(service)
                self.by_id[service.service_id] = service
                self.where["services"].append((sheet.source, row.line))

    def _postcodes(self, r: RowReader, column: str, country: str) -> PostcodeSet:
        text = r.text(column)
        if not text or not country:
            return PostcodeSet(country or None) if country else PostcodeSet()
        try:
            items = cells.parse_postcode_items(text, country in BRITISH)
            return PostcodeSet.parse(country, items)
        except PatternError as exc:
            r.issue(column, str(exc))
            return PostcodeSet()

    # prices --------------------------------------------------------------------------------

    def _service_of(self, r: RowReader) -> Service | None:
        service_id = r.text("service_id", required=True)
        service = self.by_id.get(service_id)
        if service_id in self.declared and service is None:
            r.failed = True  # the service row was rejected; its issue is reported there
        elif service_id and service is None:
            r.issue("service_id", f"unknown service {service_id!r}")
        return service

    def _currency(self, service: Service | None, r: RowReader) -> str:
        if service is not None:
            return service.currency
        currency = self.declared.get(r.row.get("service_id"), "")
        return currency if len(currency) == 3 else "USD"

    def read_prices(self) -> None:
        """Price brackets and steps, money in each service's currency."""
        for sheet, row in self.rows("prices"):
            r = RowReader(sheet, row, self.issues)
            service = self._service_of(r)
            currency = self._currency(service, r)
            bracket = r.build(
                PriceBracket,
                service_id=r.text("service_id"),
                zone=r.text("zone", required=True),
                max_weight_g=r.required("max_weight_g", cells.parse_int),
                price=r.required("price", money_parser(currency)),
            )
            if bracket is not None:
                self.brackets.append(bracket)
                self.where["prices"].append((sheet.source, row.line))
        for sheet, row in self.rows("price_steps"):
            r = RowReader(sheet, row, self.issues)
            service = self._service_of(r)
            currency = self._currency(service, r)
            step = r.build(
                PriceStep,
                service_id=r.text("service_id"),
                zone=r.text("zone", required=True),
                from_weight_g=r.required("from_weight_g", cells.parse_int),
                step_g=r.required("step_g", cells.parse_int),
                price_per_step=r.required("price_per_step", money_parser(currency)),
            )
            if step is not None:
                self.steps.append(step)
                self.where["price_steps"].append((sheet.source, row.line))

    # surcharges ----------------------------------------------------------------------------

    def read_lists(self) -> None:
        """Named postcode lists, checked per country by the surcharges using them."""
        for sheet, row in self.rows("postcode_lists"):
            r = RowReader(sheet, row, self.issues)
            name = r.text("list", required=True)
            r.text("postcode_from", required=True)
            if not r.failed:
                self.lists.setdefault(name, []).append(row)

    def _surcharge_postcodes(self, r: RowReader, country: str | None) -> PostcodeSet:
        listed = r.text("postcode_list")
        first, last = r.text("postcode_from"), r.text("postcode_to")
        if (listed or first or last) and not country:
            r.issue("dest_country", "postcodes need a dest_country")
            return PostcodeSet()
        if country is None:
            return PostcodeSet()
        items: list[str | tuple[str, str]] = []
        if first or last:
            items.append((first, last))
        if listed:
            rows = self.lists.get(listed)
            if rows is None:
                r.issue("postcode_list", f"unknown postcode list {listed!r}")
                return PostcodeSet()
            sheet = self.book.sheets["postcode_lists"]
            for row in rows:
                item = (row.get("postcode_from"), row.get("postcode_to"))
                try:
                    PostcodeSet.parse(country, [item])
                except PatternError as exc:
                    issue = ImportIssue(sheet.source, row.line, "postcode_from", str(exc))
                    if issue not in self.issues:
                        self.issues.append(issue)
                    r.failed = True
                    continue
                items.append(item)
        try:
            return PostcodeSet.parse(country, items)
        except PatternError as exc:
            r.issue("postcode_from", str(exc))
            return PostcodeSet()

    def read_surcharges(self) -> None:
        """Surcharges of one service or (`*`) of every service of a carrier."""
        currencies: dict[str, str] = {}
        for service in self.services:
            currencies.setdefault(service.carrier, service.currency)
        for sheet, row in self.rows("surcharges"):
            r = RowReader(sheet, row, self.issues)
            service_id = r.text("service_id", required=True)
            carrier = r.text("carrier")
            currency = "USD"
            if service_id == "*":
                if not carrier:
                    r.issue("carrier", "is required when service_id is *")
                currency = currencies.get(carrier, currency)
            elif service_id:
                owner = self._service_of(r)
                if owner is not None:
                    if carrier and carrier != owner.carrier:
                        r.issue("carrier", f"the service belongs to {owner.carrier!r}")
                    carrier, currency = owner.carrier, owner.currency
            country = r.parse("dest_country", parse_country)
            dest = self._surcharge_postcodes(r, country)
            surcharge = r.build(
                Surcharge,
                carrier=carrier,
                service_id=None if service_id == "*" else service_id,
                kind=r.required("kind", choice_parser(SurchargeKind)),
                dest=dest,
                amount=r.parse("amount", money_parser(currency), 0),
                percent_bp=r.parse("percent", cells.parse_percent, 0),
                applies_to=r.parse("applies_to", choice_parser(PercentOf), PercentOf.base),
                effective_from=r.parse("effective_from", cells.parse_date),
                effective_to=r.parse("effective_to", cells.parse_date),
                over_weight_g=r.parse("over_weight_g", cells.parse_int),
                over_length_mm=r.parse("over_length_mm", cells.parse_int),
                over_second_length_mm=r.parse("over_second_length_mm", cells.parse_int),
                over_length_plus_girth_mm=r.parse("over_length_plus_girth_mm", cells.parse_int),
                subject_to_fuel=r.parse("subject_to_fuel", cells.parse_bool, True),
            )
            if surcharge is not None:
                self.surcharges.append(surcharge)
                self.where["surcharges"].append((sheet.source, row.line))

    # zone charts ---------------------------------------------------------------------------

    def read_zones(self) -> tuple[dict[str, ZoneChart], dict[str, list[ZoneRow]], tuple[str, ...]]:
        """Zone charts of the upload, and stored charts the services name."""
        origins = self.declared_charts
        grouped: dict[str, list[tuple[SheetRow, ZoneRow]]] = {}
        sheet = self.book.sheets.get("zones")
        for _, row in self.rows("zones"):
            chart = row.get("zone_chart")
            if not chart:
                self.issues.append(ImportIssue(sheet.source, row.line, "zone_chart", "is required"))  # type: ignore[union-attr]
                continue
            grouped.setdefault(chart, []).append(
                (
                    row,
                    ZoneRow(
                        row.get("origin_postcode_from"),
                        row.get("origin_postcode_to"),
                        row.get("dest_country"),
                        row.get("dest_postcode_from"),
                        row.get("dest_postcode_to"),
                        row.get("zone"),
                    ),
                )
            )
        charts: dict[str, ZoneChart] = {}
        defined: dict[str, list[ZoneRow]] = {}
        for name, rows in grouped.items():
            assert sheet is not None
            countries = origins.get(name, set())
            first_line = rows[0][0].line
            if len(countries) != 1:
                reason = (
                    "no service uses this zone chart"
                    if not countries
                    else f"services of several origin countries use it: {sorted(countries)}"
                )
                self.issues.append(ImportIssue(sheet.source, first_line, "zone_chart", reason))
                continue
            try:
                charts[name] = ZoneChart.from_rows(
                    name, next(iter(countries)), [z for _, z in rows]
                )
                defined[name] = [z for _, z in rows]
            except ZoneChartError as exc:
                for index, message in exc.problems:
                    line = rows[index][0].line if index >= 0 else first_line
                    column = column_named(message, sheet.columns) or "dest_postcode_from"
                    self.issues.append(ImportIssue(sheet.source, line, column, message))
        external: list[str] = []
        for i, service in enumerate(self.services):
            name = service.zone_chart
            if name in charts or name in grouped:
                continue
            found = self.lookup(name)
            if found is None:
                source, line = self.where["services"][i]
                reason = f"zone chart {name!r} is neither in the zones table nor stored"
                self.issues.append(ImportIssue(source, line, "zone_chart", reason))
            else:
                charts[name] = found
                if name not in external:
                    external.append(name)
        return charts, defined, tuple(external)

    def locate(self, error: RateCardError) -> None:
        """Turn compile_card problems into issues at their file, row and column."""
        for problem in error.problems:
            places = self.where.get(problem.table, [])
            source, line = (
                places[problem.row] if 0 <= problem.row < len(places) else (problem.table, 0)
            )
            column = FIELD_COLUMNS.get(problem.field, problem.field)
            if problem.table == "price_steps" and column == "price":
                column = "price_per_step"
            self.issues.append(ImportIssue(source, line, column, problem.message))
