"""The machine API: ``python -m geo serve`` (FastAPI on uvicorn).

Devices post their GPS fixes with a device token; other systems read the figures with a user
token, through exactly the scopes of the store (:mod:`geo.store.scope`).
"""
