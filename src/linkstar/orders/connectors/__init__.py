"""Channel connectors: parse each marketplace's own order payloads and export files into the
canonical `ChannelOrder`, poll their APIs politely and verify their webhook signatures.

Parsers are pure (no database, no network); `clients` is the only module that speaks HTTP.
"""
