"""The jurisdiction's risk model is kept per store and data version: a second read is served
from the kept model, and an import changes the model at once (both backends)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from geo import ingest
from geo.domain import hexes
from geo.services import risk as risk_svc
from tests import tiny

START, END = "2022-07-01", "2022-07-31"


@pytest.fixture
def loaded(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    tiny.load(engine, tmp_path)
    risk_svc.forget_models()
    return engine


def test_a_second_read_is_the_kept_model(
    loaded: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = risk_svc.jurisdiction_risk(loaded, start=START, end=END)
    calls: list[int] = []
    compute = risk_svc._jurisdiction_risk

    def counted(*args: object, **kwargs: object) -> pd.DataFrame:
        calls.append(1)
        return compute(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(risk_svc, "_jurisdiction_risk", counted)
    again = risk_svc.jurisdiction_risk(loaded, start=START, end=END)
    assert calls == []  # served from the kept model
    pd.testing.assert_frame_equal(again, first)
    assert again.attrs == first.attrs == {"incidents": 3, "weeks": again.attrs["weeks"]}
    again.loc[:, "risk"] = -1.0  # a caller's change does not reach the kept model
    assert (risk_svc.jurisdiction_risk(loaded, start=START, end=END)["risk"] >= 0).all()
    # other arguments are another model
    risk_svc.jurisdiction_risk(loaded, start=START, end="2022-07-02")
    assert calls == [1]


def test_an_import_changes_the_model_at_once(loaded: sa.Engine, tmp_path: Path) -> None:
    before = risk_svc.jurisdiction_risk(loaded, start=START, end=END)
    # two more incidents in July, in the cell of tiny's incident I1 (the study cells are the
    # areas' cells: counted by hand, not by the service)
    new = pd.DataFrame(
        {
            "incident_id": ["N1", "N2"],
            "ts": ["2022-07-10 22:00:00+0800", "2022-07-11 23:30:00+0800"],
            "category": ["theft", "theft"],
            "lat": [28.699, 28.699],
            "lng": [115.977, 115.977],
            "priority": [2, 2],
        }
    )
    path = tmp_path / "more_incidents.csv"
    new.to_csv(path, index=False)
    summary = ingest.import_file(loaded, "incidents", path)
    assert summary.accepted == 2
    after = risk_svc.jurisdiction_risk(loaded, start=START, end=END)
    assert before.attrs["incidents"] == 3 and after.attrs["incidents"] == 5
    cell = int(hexes.latlng_to_cells(np.array([28.699]), np.array([115.977]), 9)[0])
    hist = {
        name: frame.set_index(frame["cell"].astype(np.uint64))["history"]
        for name, frame in (("before", before), ("after", after))
    }
    assert hist["after"].loc[np.uint64(cell)] > hist["before"].loc[np.uint64(cell)]
    # and it is the model computed afresh
    risk_svc.forget_models()
    pd.testing.assert_frame_equal(risk_svc.jurisdiction_risk(loaded, start=START, end=END), after)
