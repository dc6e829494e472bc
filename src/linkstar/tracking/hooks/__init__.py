"""Inbound webhook endpoints: the URLs marketplaces and tracking aggregators push to.

It sits in the tracking layer because endpoints serve both orders (a layer below, so importable
from here) and tracking; see docs/architecture.md ("Inbound webhooks").
"""
