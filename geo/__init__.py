"""Qingyun Patrol's library: patrol coverage, hotspots, risk and gaps, plans, duty and briefings.

Rooms: :mod:`~geo.domain` (pure functions, frames in and frames out), :mod:`~geo.store` (tables,
scoped reads, writes, rollups), :mod:`~geo.ingest` (importing users' files), :mod:`~geo.engines`
(batch rollups of archive-size GPS logs), :mod:`~geo.services` (store-backed use cases),
:mod:`~geo.reports` (briefings, plan sheets, cell files), :mod:`~geo.config` (settings),
:mod:`~geo.i18n` (zh-CN / en strings) and :mod:`~geo.escape` (escaping what users typed).
"""
