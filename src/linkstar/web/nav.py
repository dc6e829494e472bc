"""What the console's navigation offers: data, so a new module only sets its URL."""

from __future__ import annotations

from dataclasses import dataclass

from linkstar.workspace.core import Permission, Principal

P = Permission
NOT_BUILT = "arrives with its module"


@dataclass(frozen=True)
class NavItem:
    """One entry of a navigation list; `url` is None while the page does not exist yet."""

    key: str
    label: str
    url: str | None
    permission: Permission
    icon: str = ""

    @property
    def available(self) -> bool:
        return self.url is not None


# The console's modules, in the order of the seller's flow (DESIGN.md section 1).
MODULES: tuple[NavItem, ...] = (
    NavItem("overview", "Overview", "/", P.workspace_read, "home"),
    NavItem("orders", "Orders", "/orders", P.orders_read, "cart"),
    NavItem("addresses", "Addresses", "/addresses/holds", P.orders_read, "pin"),
    NavItem("inventory", "Inventory", "/inventory", P.inventory_read, "box"),
    NavItem("routing", "Routing", "/routing", P.routing_read, "route"),
    NavItem("shipments", "Shipments", None, P.shipments_read, "truck"),
    NavItem("tracking", "Tracking", "/tracking", P.tracking_read, "pin"),
    NavItem("returns", "Returns", None, P.returns_read, "return"),
    NavItem("inbox", "Inbox", "/inbox", P.inbox_read, "inbox"),
    NavItem("reports", "Reports", None, P.reports_read, "chart"),
    NavItem("settings", "Settings", "/settings", P.workspace_read, "gear"),
)

SETTINGS_SECTIONS: tuple[NavItem, ...] = (
    NavItem("organisation", "Organisation", "/settings/organisation", P.workspace_read),
    NavItem("stores", "Stores", "/settings/stores", P.workspace_read),
    NavItem("warehouses", "Warehouses", "/settings/warehouses", P.workspace_read),
    NavItem("users", "Users", "/settings/users", P.workspace_read),
    NavItem("api_keys", "API keys", "/settings/api-keys", P.apikeys_manage),
    NavItem("webhooks", "Webhooks", "/settings/webhooks", P.workspace_manage),
    NavItem("audit", "Audit log", "/settings/audit", P.audit_read),
    NavItem("jobs", "Failed jobs", "/settings/jobs", P.jobs_read),
    NavItem("mail_accounts", "Mail accounts", "/settings/mail-accounts", P.inbox_manage),
    NavItem("suppressions", "Suppressions", "/settings/suppressions", P.inbox_read),
)


ADDRESS_SECTIONS: tuple[NavItem, ...] = (
    NavItem("holds", "Holds", "/addresses/holds", P.orders_read),
    NavItem("policy", "Policy", "/addresses/policy", P.orders_read),
)

TRACKING_SECTIONS: tuple[NavItem, ...] = (
    NavItem("shipments", "Shipments", "/tracking/shipments", P.tracking_read),
    NavItem("exceptions", "Exceptions", "/tracking/exceptions", P.tracking_read),
    NavItem("scorecards", "Carriers & lanes", "/tracking/scorecards", P.tracking_read),
    NavItem("tracking_rules", "Rules", "/tracking/rules", P.tracking_read),
    NavItem("carriers", "Carrier accounts", "/tracking/carriers", P.tracking_read),
    NavItem("dead_letters", "Dead letters", "/tracking/dead-letters", P.tracking_read),
    NavItem("import", "Import events", "/tracking/import", P.tracking_read),
)

ROUTING_SECTIONS: tuple[NavItem, ...] = (
    NavItem("decisions", "Decisions", "/routing/decisions", P.routing_read),
    NavItem("rate_cards", "Rate cards", "/routing/rate-cards", P.routing_read),
    NavItem("policies", "Policies", "/routing/policies", P.routing_read),
    NavItem("suspensions", "Suspensions", "/routing/suspensions", P.routing_read),
    NavItem("fx", "FX rates", "/routing/fx", P.routing_read),
    NavItem("capacities", "Capacities", "/routing/capacities", P.routing_read),
    NavItem("optimisation", "Optimisation", "/routing/optimisation", P.routing_read),
    NavItem("simulations", "Simulations", "/routing/simulations", P.routing_read),
)

INBOX_SECTIONS: tuple[NavItem, ...] = (
    NavItem("threads", "Threads", "/inbox/threads", P.inbox_read),
    NavItem("approvals", "Approvals", "/inbox/approvals", P.inbox_read),
    NavItem("templates", "Templates", "/inbox/templates", P.inbox_read),
    NavItem("rules", "Rules", "/inbox/rules", P.inbox_read),
    NavItem("ab_tests", "A/B tests", "/inbox/ab-tests", P.inbox_read),
    NavItem("inbox_settings", "Settings", "/inbox/settings", P.inbox_read),
    NavItem("reports", "Reports", "/inbox/reports", P.inbox_read),
    NavItem("inbox_dead_letters", "Dead letters", "/inbox/dead-letters", P.inbox_read),
)


def visible(items: tuple[NavItem, ...], principal: Principal) -> list[NavItem]:
    """The items this principal may open (modules it lacks the permission for are hidden)."""
    return [item for item in items if principal.can(item.permission)]


def active_key(items: tuple[NavItem, ...], path: str) -> str:
    """The key of the item whose URL is the longest prefix of `path`."""
    best, best_len = "", -1
    for item in items:
        url = item.url
        if url is None:
            continue
        matches = path == url or (url != "/" and path.startswith(url.rstrip("/") + "/"))
        if matches and len(url) > best_len:
            best, best_len = item.key, len(url)
    return best
