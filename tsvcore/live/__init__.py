"""Telling viewers that a table changed: in one process, and across processes through Redis."""
