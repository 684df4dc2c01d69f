/* Qingyun Patrol map layers (ours, no dependencies beyond Leaflet 1.9 and h3-js 4).
 *
 * L.qyHexLayer(data, options): H3 cells drawn on one canvas. `data` is compact:
 *   r: resolution; k: sorted cell keys as base-36 deltas joined by ","; c: one class character
 *   per cell; p: class colours; t: tooltip {labels: [...], cols: [col, ...]} where a col is an
 *   array of preformatted (HTML-escaped) strings or {u: uniques, x: base-36 indices joined by ","};
 *   g: shift to GCJ-02 (Amap tiles); legend: legend HTML (escaped by the builder).
 * A cell key is the H3 index without its fixed bits (mode, resolution, unused digits), which
 * always fits in 52 bits, so plain JS numbers carry it exactly.
 * Boundaries come from h3-js once; every redraw projects with two multiply-adds per vertex and
 * fills one path per colour class. Hover and click find the cell with h3.latLngToCell.
 *
 * Sets window.__qy = {layers, drawn (layers drawn once), draws, cells (in view at the latest
 * draw), drawnAt (ms since navigation start of the first draw)} for tests and benchmarks.
 */
(function (L) {
  'use strict';
  if (!L || L.QyHexLayer) { return; }

  var TWO32 = 4294967296;
  var PI = Math.PI;
  var qy = window.__qy = window.__qy || {layers: 0, drawn: 0, cells: 0, drawnAt: null};

  // ---- GCJ-02 (same formula as geo/coords.py) ------------------------------------------
  var KA = 6378245.0, KEE = 0.00669342162296594323;
  function inChina(lng, lat) {
    return lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
  }
  function gcjDelta(lng, lat) {
    var x = lng - 105.0, y = lat - 35.0;
    var common = (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    var dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    dlat += common;
    dlat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    dlat += (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    var dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    dlng += common;
    dlng += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    dlng += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var radlat = lat * PI / 180.0;
    var magic = 1.0 - KEE * Math.sin(radlat) * Math.sin(radlat);
    var sqrtmagic = Math.sqrt(magic);
    dlat = dlat * 180.0 / ((KA * (1.0 - KEE)) / (magic * sqrtmagic) * PI);
    dlng = dlng * 180.0 / (KA / sqrtmagic * Math.cos(radlat) * PI);
    return [dlng, dlat];
  }
  function toGcj(lat, lng) {
    if (!inChina(lng, lat)) { return [lat, lng]; }
    var d = gcjDelta(lng, lat);
    return [lat + d[1], lng + d[0]];
  }
  function fromGcj(lat, lng) {
    var glat = lat, glng = lng;
    for (var i = 0; i < 6; i++) {
      var f = toGcj(glat, glng);
      glat -= f[0] - lat; glng -= f[1] - lng;
    }
    return [glat, glng];
  }
  L.qyGcj = {toGcj: toGcj, fromGcj: fromGcj};

  // ---- compact cell keys ----------------------------------------------------------------
  function decodeDeltas(text) {
    if (!text) { return new Float64Array(0); }
    var parts = text.split(','), out = new Float64Array(parts.length), acc = 0;
    for (var i = 0; i < parts.length; i++) { acc += parseInt(parts[i], 36); out[i] = acc; }
    return out;
  }
  function decodeIndices(text, n) {
    var parts = text.split(','), out = new Uint32Array(n);
    for (var i = 0; i < n; i++) { out[i] = parseInt(parts[i], 36); }
    return out;
  }
  function keyToSplit(key, res) {
    var p = Math.pow(2, 3 * (15 - res));
    var v = key * p + (p - 1);                  // < 2^52: exact
    var lo = v % TWO32;
    var hi = (v - lo) / TWO32 + 134217728 + res * 1048576;   // mode 1 << 27, res << 20
    return [lo >>> 0, hi];
  }
  function hexToKey(h, res) {
    var hi = parseInt(h.slice(0, h.length - 8), 16), lo = parseInt(h.slice(-8), 16);
    var v = (hi % 1048576) * TWO32 + lo;        // bits 0..51
    return Math.floor(v / Math.pow(2, 3 * (15 - res)));
  }
  function splitToHex(s) {
    var lo = ('00000000' + s[0].toString(16)).slice(-8);
    return s[1].toString(16) + lo;
  }
  function search(keys, key) {
    var lo = 0, hi = keys.length - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1, v = keys[mid];
      if (v === key) { return mid; }
      if (v < key) { lo = mid + 1; } else { hi = mid - 1; }
    }
    return -1;
  }
  function mercX(lng) { return 0.5 + lng / 360.0; }
  function mercY(lat) {
    var s = Math.sin(Math.max(Math.min(lat, 85.0511287798), -85.0511287798) * PI / 180.0);
    return 0.5 - 0.25 * Math.log((1 + s) / (1 - s)) / PI;
  }

  // ---- legend control -------------------------------------------------------------------
  L.QyLegend = L.Control.extend({
    options: {position: 'bottomright'},
    initialize: function (html, options) { L.setOptions(this, options); this._html = html; },
    onAdd: function () {
      var div = L.DomUtil.create('div', 'qy-legend leaflet-bar');
      div.innerHTML = this._html;          // built and escaped by layers/ in Python
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    }
  });
  function withLegend(Base, proto) {
    var add = proto.onAdd || Base.prototype.onAdd, remove = proto.onRemove || Base.prototype.onRemove;
    proto.onAdd = function (map) {
      var r = add.apply(this, arguments);
      if (this._legendHtml) {
        this._legend = this._legend || new L.QyLegend(this._legendHtml);
        this._legend.addTo(map);
      }
      return r;
    };
    proto.onRemove = function (map) {
      if (this._legend) { this._legend.remove(); }
      return remove.apply(this, arguments);
    };
    return proto;
  }

  function tooltipHtml(t, i) {
    if (!t || !t.labels || !t.labels.length) { return null; }
    var rows = [];
    for (var j = 0; j < t.labels.length; j++) {
      var col = t.cols[j], v;
      if (col && col.u) {
        col.i = col.i || decodeIndices(col.x, col.n);
        v = col.u[col.i[i]];
      } else { v = col[i]; }
      rows.push('<tr><th>' + t.labels[j] + '</th><td>' + (v === null || v === undefined ? '' : v) + '</td></tr>');
    }
    return '<table class="qy-tip">' + rows.join('') + '</table>';
  }

  // ---- hexagon canvas layer -------------------------------------------------------------
  L.QyHexLayer = L.Canvas.extend({
    options: {padding: 0.2, fillOpacity: 0.65, stroke: '#ffffff', strokeOpacity: 0.6,
              minStrokePx: 9, interactive: true, chunk: 32},

    initialize: function (data, options) {
      L.Canvas.prototype.initialize.call(this, options);
      this._data = data;
      this._legendHtml = data.legend || null;
      this._prepare();
      qy.layers += 1;
    },

    _prepare: function () {
      var d = this._data, res = d.r, keys = decodeDeltas(d.k), n = keys.length;
      var shift = !!d.g, cls = d.c || '';
      var xs = new Float64Array(n * 6), ys = new Float64Array(n * 6);
      var extra = {};                     // pentagons: 5 vertices (drawn with a repeated one)
      var cx = new Float64Array(n), cy = new Float64Array(n);
      var classes = new Uint8Array(n);
      var latMin = 90, latMax = -90, lngMin = 180, lngMax = -180;
      for (var i = 0; i < n; i++) {
        var b = h3.cellToBoundary(keyToSplit(keys[i], res));
        var sx = 0, sy = 0, m = b.length;
        for (var j = 0; j < 6; j++) {
          var v = b[Math.min(j, m - 1)], lat = v[0], lng = v[1];
          if (shift) { var g = toGcj(lat, lng); lat = g[0]; lng = g[1]; }
          if (lat < latMin) { latMin = lat; } if (lat > latMax) { latMax = lat; }
          if (lng < lngMin) { lngMin = lng; } if (lng > lngMax) { lngMax = lng; }
          var x = mercX(lng), y = mercY(lat);
          xs[i * 6 + j] = x; ys[i * 6 + j] = y; sx += x; sy += y;
        }
        if (m > 6) { extra[i] = b; }
        cx[i] = sx / 6; cy[i] = sy / 6;
        classes[i] = parseInt(cls.charAt(i) || '0', 36);
      }
      // cells grouped by class: one path and one fill per colour
      var order = new Uint32Array(n), counts = new Uint32Array(64), starts = new Uint32Array(65);
      for (i = 0; i < n; i++) { counts[classes[i]] += 1; }
      for (i = 0; i < 64; i++) { starts[i + 1] = starts[i] + counts[i]; }
      var fill = starts.slice(0, 64);
      for (i = 0; i < n; i++) { order[fill[classes[i]]++] = i; }
      this._keys = keys; this._xs = xs; this._ys = ys; this._cx = cx; this._cy = cy;
      this._classes = classes; this._order = order; this._starts = starts; this._n = n;
      this._latLngBounds = n ? L.latLngBounds([latMin, lngMin], [latMax, lngMax]) : null;
      this._cellW = n ? (Math.max.apply(null, Array.prototype.slice.call(xs, 0, 6)) -
                         Math.min.apply(null, Array.prototype.slice.call(xs, 0, 6))) : 0;
    },

    getBounds: function () { return this._latLngBounds; },

    _draw: function () {
      var ctx = this._ctx, map = this._map;
      if (!ctx || !map || !this._bounds) { return; }
      var d = this._data, colours = d.p || [];
      var scale = 256 * Math.pow(2, map.getZoom()), origin = map.getPixelOrigin();
      var ox = origin.x, oy = origin.y, bmin = this._bounds.min, bmax = this._bounds.max;
      var pad = this._cellW * scale + 2;
      var x0 = (bmin.x - pad + ox) / scale, x1 = (bmax.x + pad + ox) / scale;
      var y0 = (bmin.y - pad + oy) / scale, y1 = (bmax.y + pad + oy) / scale;
      var xs = this._xs, ys = this._ys, cx = this._cx, cy = this._cy, order = this._order;
      var starts = this._starts, drawn = 0;
      var cellPx = this._cellW * scale, stroke = this.options.stroke && cellPx >= this.options.minStrokePx;
      ctx.save();
      ctx.lineJoin = 'round';
      var opacity = this.options.fillOpacity, sOpacity = this.options.strokeOpacity;
      var sColour = this.options.stroke, CHUNK = this.options.chunk;
      // one path per colour and per CHUNK cells: a single path of thousands of sub-paths
      // rasterises far slower in Chromium than many small ones
      function flush(col) {
        ctx.globalAlpha = opacity; ctx.fillStyle = col; ctx.fill();
        if (stroke) {
          ctx.globalAlpha = sOpacity; ctx.strokeStyle = sColour; ctx.lineWidth = 1; ctx.stroke();
        }
      }
      for (var k = 0; k < colours.length; k++) {
        var col = colours[k], inPath = 0;
        if (!col || starts[k + 1] === starts[k]) { continue; }
        ctx.beginPath();
        for (var s = starts[k], e = starts[k + 1]; s < e; s++) {
          var i = order[s];
          var X = cx[i], Y = cy[i];
          if (X < x0 || X > x1 || Y < y0 || Y > y1) { continue; }
          var o = i * 6;
          ctx.moveTo(xs[o] * scale - ox, ys[o] * scale - oy);
          for (var j = 1; j < 6; j++) { ctx.lineTo(xs[o + j] * scale - ox, ys[o + j] * scale - oy); }
          ctx.closePath();
          drawn += 1;
          if (++inPath === CHUNK) { flush(col); ctx.beginPath(); inPath = 0; }
        }
        if (inPath) { flush(col); }
      }
      ctx.restore();
      this._drawn = drawn;
      qy.draws = (qy.draws || 0) + 1;
      qy.cells = drawn;                   // cells in view at the latest draw
      if (!this._firstDrawn) {
        this._firstDrawn = true;
        qy.drawn += 1; qy.drawnAt = performance.now();
        this.fire('drawn', {cells: drawn});
      }
    },

    _cellAt: function (latlng) {
      if (!this._n || typeof h3 === 'undefined') { return -1; }
      var lat = latlng.lat, lng = latlng.lng;
      if (this._data.g) { var w = fromGcj(lat, lng); lat = w[0]; lng = w[1]; }
      var h = h3.latLngToCell(lat, lng, this._data.r);
      var i = search(this._keys, hexToKey(h, this._data.r));
      return i;
    },

    _centre: function (i) {
      var ll = h3.cellToLatLng(keyToSplit(this._keys[i], this._data.r));
      if (this._data.g) { ll = toGcj(ll[0], ll[1]); }
      return L.latLng(ll[0], ll[1]);
    },

    cellId: function (i) { return splitToHex(keyToSplit(this._keys[i], this._data.r)); },

    // Events: the canvas itself lets every event through (pointer-events: none) and the layer
    // listens on the map container, so stacked canvases of other layers cannot hide it.
    onAdd: function (map) {
      L.Canvas.prototype.onAdd.call(this, map);
      this._container.style.pointerEvents = 'none';
      var c = map.getContainer();
      L.DomEvent.on(c, 'mousemove', this._onMove, this);
      L.DomEvent.on(c, 'click', this._onTap, this);
      L.DomEvent.on(c, 'mouseout', this._onOut, this);
      if (this._legendHtml) {
        this._legend = this._legend || new L.QyLegend(this._legendHtml);
        this._legend.addTo(map);
      }
    },

    onRemove: function (map) {
      var c = map.getContainer();
      L.DomEvent.off(c, 'mousemove', this._onMove, this);
      L.DomEvent.off(c, 'click', this._onTap, this);
      L.DomEvent.off(c, 'mouseout', this._onOut, this);
      this._onOut();
      if (this._legend) { this._legend.remove(); }
      L.Canvas.prototype.onRemove.call(this, map);
    },

    _onOwnSurface: function (e) {
      // not over a control, popup, tooltip, marker or another interactive vector
      var t = e.target;
      if (!t || !t.closest) { return true; }
      if (t.closest('.leaflet-control, .leaflet-popup, .leaflet-marker-icon, .leaflet-tooltip')) {
        return false;
      }
      return !(t.classList && t.classList.contains('leaflet-interactive') && t !== this._container);
    },

    _onMove: function (e) {
      var map = this._map;
      if (!map || (map.dragging && map.dragging.moving()) || map._animatingZoom) { return; }
      var i = this._onOwnSurface(e) ? this._cellAt(map.mouseEventToLatLng(e)) : -1;
      if (i < 0) { this._onOut(); return; }
      if (i === this._hover) { return; }
      this._hover = i;
      var html = tooltipHtml(this._data.t, i);
      if (!html) { return; }
      this._tip = this._tip || L.tooltip({direction: 'top', offset: [0, -4], opacity: 0.95});
      this._tip.setLatLng(this._centre(i)).setContent(html);
      if (!map.hasLayer(this._tip)) { this._tip.addTo(map); }
    },

    _onOut: function () {
      this._hover = -1;
      if (this._tip && this._map && this._map.hasLayer(this._tip)) { this._map.removeLayer(this._tip); }
    },

    _onTap: function (e) {
      var map = this._map;
      if (!map || map._draggableMoved(map) || !this._onOwnSurface(e)) { return; }
      var latlng = map.mouseEventToLatLng(e), i = this._cellAt(latlng);
      if (i < 0) { return; }
      this._clicked = {index: i, cell: this.cellId(i)};
      var cp = map.mouseEventToContainerPoint(e);
      // streamlit-folium listens to "click" on every layer: it reports last_object_clicked
      this.fire('click', {latlng: latlng, containerPoint: cp,
                          layerPoint: map.containerPointToLayerPoint(cp), originalEvent: e,
                          cell: this._clicked.cell});
      var html = tooltipHtml(this._data.t, i), at = this._centre(i);
      // after the map's own handling of this click (its preclick closes open popups)
      if (html) { setTimeout(function () { L.popup().setLatLng(at).setContent(html).openOn(map); }, 0); }
    }
  });

  L.qyHexLayer = function (data, options) { return new L.QyHexLayer(data, options); };

  // ---- points: compact arrays -> circle markers (canvas) or clustered markers -----------
  // data: {lat: [...], lng: [...], popup: {labels, cols}, color, radius, cluster, legend}
  L.QyPoints = L.FeatureGroup.extend(withLegend(L.FeatureGroup, {
    initialize: function (data, options) {
      L.FeatureGroup.prototype.initialize.call(this, [], options);
      this._legendHtml = data.legend || null;
      var n = data.lat.length, layers = [], renderer = L.canvas({padding: 0.3});
      var t = data.popup, color = data.color || '#d7301f';
      for (var i = 0; i < n; i++) {
        var m = L.circleMarker([data.lat[i], data.lng[i]], {
          renderer: renderer, radius: data.radius || 6, color: '#ffffff', weight: 1.5,
          fillColor: (data.colors && data.colors[i]) || color, fillOpacity: 0.9
        });
        if (t && t.labels && t.labels.length) {
          m.bindPopup((function (k) { return function () { return tooltipHtml(t, k); }; })(i));
        }
        layers.push(m);
      }
      if (data.cluster && L.markerClusterGroup) {
        var group = L.markerClusterGroup({chunkedLoading: true, showCoverageOnHover: false,
                                          maxClusterRadius: 50});
        group.addLayers(layers);
        this.addLayer(group);
      } else {
        for (i = 0; i < layers.length; i++) { this.addLayer(layers[i]); }
      }
      this._count = n;
    }
  }));
  L.qyPoints = function (data, options) { return new L.QyPoints(data, options); };

  // outlines or tracks with a legend
  L.QyGroup = L.FeatureGroup.extend(withLegend(L.FeatureGroup, {
    initialize: function (layers, legend, options) {
      L.FeatureGroup.prototype.initialize.call(this, layers, options);
      this._legendHtml = legend || null;
    }
  }));
  L.qyGroup = function (layers, legend, options) { return new L.QyGroup(layers, legend, options); };
  // tracks: {lines: [{c: colour, p: [[lat, lng], ...]}], breaks: [[lat0, lng0, lat1, lng1, kind]],
  //          bc: {gap: colour, jump: colour}, legend}
  L.qyTracks = function (data, options) {
    var renderer = L.canvas({padding: 0.3}), layers = [], i;
    for (i = 0; i < data.lines.length; i++) {
      var ln = data.lines[i];
      layers.push(L.polyline(ln.p, {renderer: renderer, color: ln.c, weight: 3, opacity: 0.85,
                                    interactive: false}));
    }
    var bc = data.bc || {};
    for (i = 0; i < data.breaks.length; i++) {
      var b = data.breaks[i], col = bc[b[4]] || '#555';
      layers.push(L.polyline([[b[0], b[1]], [b[2], b[3]]], {renderer: renderer, color: col,
        weight: 2, dashArray: '4 6', opacity: 0.9, interactive: false}));
      layers.push(L.circleMarker([b[0], b[1]], {renderer: renderer, radius: 4, color: col,
        weight: 2, fillColor: '#fff', fillOpacity: 1, interactive: false}));
    }
    return new L.QyGroup(layers, data.legend, options);
  };

  // areas: {features: GeoJSON features with properties {name, level}, styles: {level: style},
  //         labels: [[lat, lng, escaped name], ...], legend}
  L.qyAreas = function (data, options) {
    var styles = data.styles || {}, layers = [];
    layers.push(L.geoJSON({type: 'FeatureCollection', features: data.features}, {
      style: function (f) { return styles[f.properties.level] || styles['default'] || {}; },
      interactive: false
    }));
    for (var i = 0; i < data.labels.length; i++) {
      var l = data.labels[i];
      // a zero-size icon centred by CSS: stays on its point whatever size the text or the
      // map container has when it is added (a measured tooltip drifted when the iframe resized)
      layers.push(L.marker([l[0], l[1]], {interactive: false, keyboard: false,
        icon: L.divIcon({className: 'qy-area-label', iconSize: [0, 0],
                         html: '<span>' + l[2] + '</span>'})}));
    }
    return new L.QyGroup(layers, data.legend, options);
  };
}(window.L));
