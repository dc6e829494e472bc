"""Solving the network with OR-Tools min-cost flow, in process or bounded in time.

`SimpleMinCostFlow.solve()` has no time limit and holds the interpreter while it runs, so the
bounded mode forks a child process that builds and solves the network and writes the arc flows
into an anonymous shared memory map; the parent waits at most `time_limit` seconds and kills the
child when it is late. The child shares the parent's arrays copy-on-write, so nothing is pickled.
Where fork is unavailable the solve runs in process, unbounded.
"""

from __future__ import annotations

import mmap
import multiprocessing
import os
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from linkstar.rating.core.optimise.network import Network

Int64s = NDArray[np.int64]


@dataclass(frozen=True)
class FlowResult:
    """Arc flows when the solver proved optimality; otherwise why not."""

    flows: Int64s | None
    status: str  # OPTIMAL, INFEASIBLE, BAD_COST_RANGE, …, TIME_LIMIT, CRASHED
    cost: int = 0


def solve_in_process(net: Network) -> FlowResult:
    """Build and solve the network here; returns the flows of every arc when optimal."""
    from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

    smcf = SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(net.tails, net.heads, net.caps, net.costs)
    smcf.set_nodes_supplies(net.supply_nodes, net.supplies)
    status = smcf.solve()
    name = str(status.name)
    if status != SimpleMinCostFlow.OPTIMAL:
        return FlowResult(None, name)
    arcs = np.arange(len(net.tails), dtype=np.int32)
    flows = np.asarray(smcf.flows(arcs), dtype=np.int64)
    return FlowResult(flows, name, int(smcf.optimal_cost()))


_STATUS_CODES = ("OPTIMAL", "NOT_SOLVED", "INFEASIBLE", "UNBALANCED", "BAD_RESULT",
                 "BAD_COST_RANGE", "BAD_CAPACITY_RANGE", "FEASIBLE", "CRASHED")  # fmt: skip


def _child(net: Network, shared: mmap.mmap) -> None:
    # Runs in the forked child: header = status code, cost; then one int64 flow per arc.
    view = np.frombuffer(shared, dtype=np.int64)
    try:
        result = solve_in_process(net)
        if result.flows is not None:
            view[2:] = result.flows
        view[1] = result.cost
        view[0] = _STATUS_CODES.index(result.status) if result.status in _STATUS_CODES else 4
    except BaseException:  # any failure in the child must surface as a status, not a hang
        view[0] = _STATUS_CODES.index("CRASHED")
    os._exit(0)


def solve_bounded(net: Network, time_limit: float) -> FlowResult:
    """Solve in a forked child; TIME_LIMIT if it has not finished after `time_limit` seconds."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return solve_in_process(net)
    # Import here, before the fork: a child importing while another thread of the parent held
    # the import lock at fork time would wait forever (and only the time limit would end it).
    import ortools.graph.python.min_cost_flow  # noqa: F401

    arcs = len(net.tails)
    shared = mmap.mmap(-1, 8 * (arcs + 2))
    view = np.frombuffer(shared, dtype=np.int64)
    view[0] = _STATUS_CODES.index("CRASHED")  # what a child killed by a signal leaves behind
    try:
        process = multiprocessing.get_context("fork").Process(target=_child, args=(net, shared))
        process.start()
        process.join(max(time_limit, 0.0))
        if process.is_alive():
            process.kill()
            process.join()
            return FlowResult(None, "TIME_LIMIT")
        status = _STATUS_CODES[int(view[0])]
        if status != "OPTIMAL":
            return FlowResult(None, status)
        return FlowResult(view[2:].copy(), status, int(view[1]))
    finally:
        del view
        shared.close()
