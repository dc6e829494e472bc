"""Which workspace permissions the address use cases ask for: seeing policies, checks and
reviews goes with reading orders, deciding a review (or holding addresses for one) with writing
them, and setting the policy with managing the workspace."""

from __future__ import annotations

from linkstar.workspace.core import Permission

READ = Permission.orders_read
DECIDE = Permission.orders_write
MANAGE = Permission.workspace_manage
