"""Scheduled polling of channel stores: sync state per store, connections, the poll job."""
