"""The web layer: HTTP API and pages over the engine in ``tsvcore``."""
