"""The domain: pure functions over numpy, pandas and shapely, in the users' words.

Coordinates (:mod:`~geo.domain.coords`), H3 cells (:mod:`~geo.domain.hexes`), periods, nights
and resolutions (:mod:`~geo.domain.period`), record kinds (:mod:`~geo.domain.schema`), coverage
(:mod:`~geo.domain.coverage`), hot spots (:mod:`~geo.domain.hotspots`), risk and gaps
(:mod:`~geo.domain.risk`), backtests (:mod:`~geo.domain.evaluate`), routing
(:mod:`~geo.domain.routing`), the plan (:mod:`~geo.domain.plan`), response circles
(:mod:`~geo.domain.circles`), duty rules (:mod:`~geo.domain.duty`), dispute rules
(:mod:`~geo.domain.disputes`), venues, hazards and the period's key figures. Nothing here reads
a store or imports a service: frames in, frames out, units in the names (metres, seconds,
WGS-84 degrees).
"""
