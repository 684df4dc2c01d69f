/* Qingyun Patrol: vectorised lat/lng (degrees) -> H3 cell over the official H3 C library.
 *
 * Built by `python -m geo.domain._h3c.build` together with the H3 v4 sources of the pinned h3-py sdist
 * into libqyh3.so and loaded with ctypes (geo/domain/_h3c/__init__.py), which releases the GIL. */
#include <math.h>
#include <stdint.h>

#include "h3api.h"

#define QY_API __attribute__((visibility("default")))

#ifndef QYH3_KEY
#define QYH3_KEY "unknown"
#endif

/* Build key (hash of this source, the H3 sdist and the flags): the loader refuses a stale build. */
QY_API const char *qyh3_key(void) { return QYH3_KEY; }

/* out[i] = cell of (lat[i], lng[i]) at resolution res; 0 for NaN/inf or any H3 error.
 * Degrees -> radians exactly as h3-py does (degsToRads), so the cells equal h3.latlng_to_cell. */
QY_API void qyh3_latlng_to_cells(const double *lat, const double *lng, int64_t n, int res,
                                 uint64_t *out) {
    for (int64_t i = 0; i < n; i++) {
        LatLng g;
        H3Index h;
        g.lat = degsToRads(lat[i]);
        g.lng = degsToRads(lng[i]);
        out[i] = latLngToCell(&g, res, &h) == E_SUCCESS ? (uint64_t)h : 0;
    }
}
