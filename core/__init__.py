"""Shared domain core: models, config loading, lifecycle rules and the store interface.

Pure code only (no network, no boto3 at import time); storage lives in ``core.store``.
"""
