"""Reading a file into a version: encoding, dialect, quotes and records, the reader, types, ingest, streaming.

Imports nothing from the rest of the engine but ``errors``: the store uses
reading, never the other way round.
"""
