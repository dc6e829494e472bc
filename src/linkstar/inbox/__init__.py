"""Buyer inquiry inbox: threads, understanding, automation and compliant replies."""
