"""GPS tracks without shifts: cutting a device's fixes into shifts by the gaps between them.

A GPS vendor's export names a device (设备号, 终端号, IMEI) and a fix time, never a shift; a GPX
file holds tracks and their segments. Either becomes shifts here: the fixes of one device (one
track), in time order, form one shift until the time to the next fix exceeds the gap limit.
Each shift is named by its unit and the local time of its first fix (``车01 2022-10-31 20:05``),
so the same fixes always give the same shift ids and a re-import adds nothing.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["DEFAULT_GAP_MIN", "cut_shifts", "shift_table"]

DEFAULT_GAP_MIN = 30.0
"""Minutes without a fix after which a device's next fix starts a new shift."""


def cut_shifts(
    device: npt.ArrayLike,
    ts: pd.Series,
    *,
    gap_min: float = DEFAULT_GAP_MIN,
    piece: npt.ArrayLike | None = None,
) -> np.ndarray:
    """The shift number of each fix, cut at device changes and gaps longer than ``gap_min``.

    The fixes are sorted by device and time; a new shift starts where the device changes or
    where the time since the previous fix exceeds ``gap_min``.

    Parameters
    ----------
    device
        The device (or track) of each fix; fixes of different devices never share a shift.
    ts
        The time of each fix (tz-aware; compared as instants).
    gap_min
        Minutes: a gap longer than this cuts; a gap of exactly this does not.
    piece
        Optional: the part of the file each fix comes from (a GPX track segment). A time gap
        cuts only between pieces, never inside one: a segment is one stretch of recording.

    Returns
    -------
    numpy.ndarray
        ``int64`` shift numbers 0..n-1 in the order of the input, numbered by device (sorted)
        and then time.

    >>> t = pd.to_datetime(pd.Series(["2022-10-31 20:00", "2022-10-31 20:30", "2022-10-31 21:01"]))
    >>> cut_shifts(["a", "a", "a"], t, gap_min=30).tolist()
    [0, 0, 1]
    """
    dev = pd.Series(np.asarray(device, dtype=object)).astype("string").fillna("")
    codes = pd.factorize(dev, sort=True)[0]
    ns = pd.to_datetime(pd.Series(ts), utc=True).to_numpy(dtype="datetime64[ns]").view("int64")
    order = np.lexsort((ns, codes))  # by device, then time
    d, t = codes[order], ns[order]
    new = np.ones(len(order), dtype=bool)
    gap_ns = round(gap_min * 60 * 1e9)
    cut = np.diff(t) > gap_ns
    if piece is not None:
        p = pd.factorize(pd.Series(np.asarray(piece, dtype=object)))[0][order]
        cut &= p[1:] != p[:-1]
    new[1:] = (d[1:] != d[:-1]) | cut
    out = np.empty(len(order), dtype=np.int64)
    out[order] = np.cumsum(new) - 1
    return out


def shift_table(
    unit: pd.Series, ts: pd.Series, number: npt.ArrayLike, *, tz: str
) -> tuple[pd.Series, pd.DataFrame]:
    """Name the shifts of :func:`cut_shifts`: unit and local start, and their times.

    Parameters
    ----------
    unit
        The unit id of each fix (one unit per shift number).
    ts
        The time of each fix (tz-aware).
    number
        The shift number of each fix (:func:`cut_shifts`).
    tz
        The store's zone: a shift's name gives the local date and minute of its first fix.

    Returns
    -------
    shift_ids : pandas.Series
        The shift id of each fix, on the index of ``ts``.
    shifts : pandas.DataFrame
        One row per shift: ``shift_id``, ``unit_id``, ``start`` and ``end`` (the first and last
        fix, in ``tz``), ``fixes`` (count) and ``first`` (the index label of its first fix).
        Two shifts of one unit starting within the same minute carry the seconds of the start
        too (``车01 2022-10-31 20:05:07``).
    """
    when = pd.to_datetime(pd.Series(ts), utc=True).dt.tz_convert(tz)
    frame = pd.DataFrame(
        {"n": np.asarray(number), "unit_id": pd.Series(unit).astype("string"), "ts": when},
        index=when.index,
    )
    frame["label"] = frame.index
    frame = frame.sort_values(["n", "ts"], kind="stable")
    shifts = frame.groupby("n", sort=True).agg(
        unit_id=("unit_id", "first"),
        start=("ts", "min"),
        end=("ts", "max"),
        fixes=("ts", "size"),
        first=("label", "first"),
    )
    minute = shifts["unit_id"] + " " + shifts["start"].dt.strftime("%Y-%m-%d %H:%M")
    second = shifts["unit_id"] + " " + shifts["start"].dt.strftime("%Y-%m-%d %H:%M:%S")
    shifts["shift_id"] = minute.where(~minute.duplicated(keep=False), second)
    ids = pd.Series(np.asarray(number), index=when.index).map(shifts["shift_id"])
    cols = ["shift_id", "unit_id", "start", "end", "fixes", "first"]
    return ids.astype("string"), shifts[cols].reset_index(drop=True)
