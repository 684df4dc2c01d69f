"""Disputes and leads: import (Chinese headers, CSV and XLSX, located at a venue), scope, the
resolution and escalation figures, the unsettled-dispute risk factor, the demo's figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from geo import ingest, store
from geo.domain import disputes as disputes_rules
from geo.domain import hexes, risk, schema
from geo.services import cells
from geo.services import disputes as disputes_svc
from geo.services import risk as risk_svc
from tests import tiny

TZ = "Asia/Shanghai"
START, END = "2022-07-01", "2022-07-05"
AT = pd.Timestamp("2022-07-06", tz=TZ)

ZH_DISPUTES = {
    "dispute_id": "纠纷编号",
    "reported_at": "登记时间",
    "category": "纠纷类型",
    "lat": "纬度",
    "lng": "经度",
    "site_id": "部位编号",
    "venue_id": "场所编号",
    "parties": "当事人数",
    "mediator": "调解组织",
    "status": "调处状态",
    "settled_at": "化解时间",
    "incident_id": "关联警情",
}
ZH_LEADS = {
    "lead_id": "线索编号",
    "received_at": "接收时间",
    "channel": "线索来源",
    "topic": "线索类别",
    "lat": "纬度",
    "lng": "经度",
    "area_id": "所属网格",
    "status": "核查状态",
    "closed_at": "办结时间",
}
ZH_VALUES = {
    "neighbours": "邻里纠纷",
    "consumer": "消费纠纷",
    "wages": "劳资纠纷",
    "family": "婚姻家庭",
    "property_management": "物业纠纷",
    "settled": "已化解",
    "mediating": "调解中",
    "escalated": "激化",
    "referred": "移交仲裁",
    "pending": "待调解",
    "phone_line": "举报热线",
    "app": "小程序",
    "volunteer": "志愿者",
    "walk_in": "群众来访",
    "courier": "快递员",
    "elder_fraud": "养老诈骗",
    "drugs": "涉毒",
    "gambling": "涉赌",
    "other": "其他",
    "hazard": "安全隐患",
    "verifying": "正在核查",
    "closed": "已办结",
    "unfounded": "经查不实",
}


def _zh(frame: pd.DataFrame, headers: dict[str, str]) -> pd.DataFrame:
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y年%m月%d日 %H:%M").fillna("")
        elif out[c].dtype == object:
            out[c] = out[c].map(lambda v: ZH_VALUES.get(v, v))
    return out.rename(columns=headers)


@pytest.fixture
def loaded(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    tiny.load_disputes(engine, tmp_path)
    return engine


# --------------------------------------------------------------------------------------------
# import


def test_import_chinese_csv_and_xlsx(engine: sa.Engine, tmp_path: Path) -> None:
    tiny.load(engine, tmp_path)
    frames = tiny.dispute_frames()
    csv = tmp_path / "矛盾纠纷台账.csv"
    _zh(frames["disputes"], ZH_DISPUTES).to_csv(csv, index=False, encoding="gbk")
    s = ingest.import_file(engine, "disputes", csv)
    assert (s.read, s.accepted, s.rejected) == (7, 7, 0), s.rejects
    assert s.mapping["status"] == "调处状态" and s.mapping["venue_id"] == "场所编号"
    xlsx = tmp_path / "线索登记.xlsx"
    with pd.ExcelWriter(xlsx) as w:
        _zh(frames["leads"], ZH_LEADS).to_excel(w, sheet_name="线索", index=False)
    s = ingest.import_file(engine, "leads", xlsx, sheet="线索")
    assert (s.read, s.accepted, s.rejected) == (5, 5, 0), s.rejects
    got = store.read(engine, "disputes", "all").set_index("dispute_id")
    want = frames["disputes"].set_index("dispute_id")
    assert (got["status"] == want["status"]).all()
    assert (got["category"] == want["category"]).all()
    assert got.loc["D4", "incident_id"] == "I2"
    assert got.loc["D1", "reported_at"] == tiny.ts("2022-07-01 10:00")
    # D2 and D7 named only the venue V1, D5 only the key site K2: located there on import
    venues = store.read(engine, "venues", "all").set_index("venue_id")
    sites = store.read(engine, "sites", "all").set_index("site_id")
    for d, (lat, lng) in {
        "D2": venues.loc["V1", ["lat", "lng"]],
        "D7": venues.loc["V1", ["lat", "lng"]],
        "D5": sites.loc["K2", ["lat", "lng"]],
    }.items():
        assert (got.loc[d, "lat"], got.loc[d, "lng"]) == (lat, lng), d
    assert got["cell"].notna().all()
    leads = store.read(engine, "leads", "all").set_index("lead_id")
    unplaced = leads.loc[["L3", "L4"]]
    assert unplaced["lat"].isna().all() and unplaced["cell"].isna().all()
    assert leads.loc["L3", "area_id"] == "G1" and leads.loc["L1", "channel"] == "phone_line"
    cell = int(leads.loc["L1", "cell"])  # exact, not a float
    assert cell == int(hexes.latlng_to_cells(np.array([28.701]), np.array([115.975]), 10)[0])
    # the same files again: nothing new
    again = ingest.import_file(engine, "disputes", csv)
    assert (again.accepted, again.duplicates) == (0, 7)
    assert ingest.import_file(engine, "leads", xlsx, sheet="线索").duplicates == 5


def test_import_rejects_unplaced_and_unknown_places(engine: sa.Engine, tmp_path: Path) -> None:
    tiny.load(engine, tmp_path)
    d = tiny.dispute_frames()["disputes"].head(3).copy()
    d.loc[1, "venue_id"] = "V9"  # no such venue
    d.loc[2, ["lat", "lng"]] = np.nan  # neither a point nor a place
    path = tmp_path / "d.csv"
    d.to_csv(path, index=False)
    s = ingest.import_file(engine, "disputes", path)
    assert (s.accepted, s.rejected) == (1, 2)
    reasons = dict(zip(s.rejects["row"], s.rejects["code"], strict=True))
    assert reasons == {3: "reference", 4: "no_place"}
    # a lead with half a point is refused; without any it is kept
    leads = tiny.dispute_frames()["leads"].head(3).copy()
    leads.loc[0, "lng"] = np.nan
    leads.to_csv(path, index=False)
    s = ingest.import_file(engine, "leads", path)
    assert (s.accepted, s.rejected) == (2, 1) and list(s.rejects["row"]) == [2]


# --------------------------------------------------------------------------------------------
# scope


def test_grid_a_does_not_see_grid_b(loaded: sa.Engine) -> None:
    g1 = store.read(loaded, "disputes", ["G1"])
    g2 = store.read(loaded, "disputes", ["G2"])
    assert sorted(g1["dispute_id"]) == ["D1", "D2", "D3", "D7"]
    assert sorted(g2["dispute_id"]) == ["D4", "D5", "D6"]
    assert (g1["lng"] < 115.980).all() and (g2["lng"] >= 115.980).all()
    # unlocated leads: by their area, else only with "all"
    assert sorted(store.read(loaded, "leads", ["G1"])["lead_id"]) == ["L1", "L3"]
    assert sorted(store.read(loaded, "leads", ["G2"])["lead_id"]) == ["L2", "L5"]
    assert "L4" not in set(store.read(loaded, "leads", ["ST"])["lead_id"])
    assert sorted(store.read(loaded, "leads", "all")["lead_id"]) == ["L1", "L2", "L3", "L4", "L5"]
    # the store-backed analyses follow the scope too
    f1 = disputes_svc.figures(loaded, ["G1"], START, END)
    f2 = disputes_svc.figures(loaded, "all", START, END, area="G2")
    assert (f1["disputes_discovered"], f2["disputes_discovered"]) == (3, 3)
    assert set(disputes_svc.grid_table(loaded, ["G1"], START, END)["grid"]) == {"G1"}
    with pytest.raises(ValueError, match="unknown area"):
        disputes_svc.figures(loaded, ["G1"], START, END, area="G2")


# --------------------------------------------------------------------------------------------
# figures


def test_resolution_and_escalation_figures(loaded: sa.Engine) -> None:
    figs = disputes_svc.figures(loaded, "all", START, END)
    # reported in the period: D1, D2, D4, D5, D6, D7 (D3 in June); at the end of 07-05 D1 and D2
    # are settled, D4 escalated, D5 referred, D6 pending and D7 still mediating (settled 07-10)
    assert figs == {
        "disputes_discovered": 6,
        "disputes_settled": 2,
        "resolution_rate": 2 / 6,
        "disputes_escalated": 1,
        "disputes_referred": 1,
        "disputes_open": 2,
        "leads_received": 5,
        "leads_closed": 1,
        "leads_unfounded": 1,
        "leads_concluded": 2,
        "leads_verifying": 3,
    }
    later = disputes_svc.figures(loaded, "all", START, "2022-07-10")
    assert (later["disputes_settled"], later["leads_closed"]) == (3, 2)
    grids = disputes_svc.grid_table(loaded, "all", START, END).set_index("grid")
    assert grids.loc["G1", ["discovered", "settled", "escalated"]].tolist() == [3, 2, 0]
    assert grids.loc["G2", ["discovered", "settled", "escalated", "referred"]].tolist() == [
        3,
        0,
        1,
        1,
    ]
    assert grids.loc["G1", "rate"] == pytest.approx(2 / 3)
    assert grids.loc["G2", "escalation_rate"] == pytest.approx(1 / 3)
    assert grids.loc["G2", "name"] == "二网格"
    both = disputes_svc.grid_table(loaded, "all", START, END, by_category=True).set_index(
        ["grid", "category"]
    )
    assert both.loc[("G2", "family"), "escalation_rate"] == 1.0
    assert both.loc[("G1", "consumer"), ["discovered", "settled"]].tolist() == [2, 1]
    by_cat = disputes_rules.rates_by(
        store.read(loaded, "disputes", "all"), pd.Timestamp(START, tz=TZ), AT, "category"
    ).set_index("category")
    assert by_cat.loc["neighbours", ["discovered", "settled", "open"]].tolist() == [2, 1, 1]
    zh, en = disputes_rules.sentences(figs, "zh-CN"), disputes_rules.sentences(figs, "en")
    assert zh == ["排查化解矛盾纠纷6起，化解率33.33%", "收到线索5条，已办结2条，3条正在核查"]
    assert en[0] == "6 disputes screened and mediated, resolution rate 33.33%"
    assert en[1] == "5 leads received, 2 concluded, 3 still being verified"
    empty = disputes_svc.figures(loaded, "all", "2021-01-01", "2021-01-31")
    assert empty["resolution_rate"] is None and empty["disputes_discovered"] == 0
    assert disputes_rules.sentences(empty)[0] == "排查化解矛盾纠纷0起，化解率—"


def test_overdue_list_and_repeated_places(loaded: sa.Engine) -> None:
    d = store.read(loaded, "disputes", "all")
    late = disputes_rules.overdue(d, AT, days=30)
    assert list(late["dispute_id"]) == ["D3"] and late["days_open"].iloc[0] == 34
    assert list(disputes_rules.overdue(d, AT, days=2)["dispute_id"]) == ["D3", "D6", "D7"]
    assert disputes_rules.overdue(d, AT, days=40).empty
    board = disputes_rules.dispute_board(d, pd.Timestamp(START, tz=TZ), AT, days=30)
    assert (board["overdue"], board["pending"], board["mediating"]) == (1, 1, 2)
    places = disputes_svc.repeated_places(loaded, "all", START, END)
    assert places[["place", "place_id", "name", "disputes"]].values.tolist() == [
        ["venue", "V1", "星光KTV", 2]
    ]
    assert disputes_svc.repeated_places(loaded, "all", START, END, min_count=1)[
        "place_id"
    ].tolist() == ["V1", "K2"]


def test_hotspots_and_cell_details(loaded: sa.Engine) -> None:
    hot = disputes_svc.hotspot_cells(loaded, "all", start=START, end=END)
    assert int(hot["count"].sum()) == 6 and {"gi_z", "gi_p", "gi_bin"} <= set(hot.columns)
    leads = disputes_svc.hotspot_cells(loaded, "all", kind="leads", start=START, end=END)
    assert int(leads["count"].sum()) == 3  # the located ones
    with pytest.raises(ValueError, match="kind"):
        disputes_svc.hotspot_cells(loaded, "all", kind="incidents")
    at_v1 = cells.cell_at(28.698, 115.976, 9)  # venue V1: D2 and D7
    det = cells.cell_details(loaded, "all", at_v1, 9, START, END)
    assert sorted(det["disputes"]["dispute_id"]) == ["D2", "D7"]
    assert dict(zip(det["disputes"]["dispute_id"], det["disputes"]["status"], strict=True)) == {
        "D2": "settled",
        "D7": "mediating",
    }
    l1 = cells.cell_details(loaded, "all", cells.cell_at(28.701, 115.975, 9), 9, START, END)
    assert list(l1["leads"]["lead_id"]) == ["L1"]
    assert cells.cell_details(loaded, ["G2"], at_v1, 9, START, END)["disputes"].empty


def test_the_pages_board_service(loaded: sa.Engine) -> None:
    """What the Disputes page shows comes ready from the service: statuses at the end of the
    period, the leads per topic (concluded = closed or unfounded), the lists and their order."""
    b = disputes_svc.disputes_board(loaded, "all", START, END)
    assert not b.empty
    assert b.board == disputes_rules.dispute_board(
        store.read(loaded, "disputes", "all", end=END), pd.Timestamp(START, tz=TZ), AT
    )
    assert (b.leads["received"], b.leads["concluded"], b.leads["verifying"]) == (5, 2, 3)
    assert b.figures["disputes_discovered"] == 6 and b.figures["leads_concluded"] == 2
    assert dict(zip(b.disputes["dispute_id"], b.disputes["status"], strict=True)) == {
        "D1": "settled",
        "D2": "settled",
        "D4": "escalated",
        "D5": "referred",
        "D6": "pending",
        "D7": "mediating",
    }  # D3 was reported in June; D7 was settled only after the period
    assert sorted(b.located_leads["lead_id"]) == ["L1", "L2", "L5"] and b.unlocated == 2
    assert list(b.lead_list["lead_id"]) == ["L5", "L4", "L3", "L2", "L1"]
    l5 = b.lead_list.set_index("lead_id").loc["L5"]  # closed only after the period
    assert l5["status"] == "verifying" and pd.isna(l5["closed_at"])
    topics = b.topics.set_index("topic")
    assert topics.loc["elder_fraud", ["received", "concluded", "verifying"]].tolist() == [1, 1, 0]
    assert topics.loc["gambling", "concluded"] == 1 and topics.loc["hazard", "verifying"] == 1
    assert list(b.by_category["category"]) == [
        c for c in schema.DISPUTE_CATEGORIES if c in set(b.disputes["category"])
    ]
    assert list(b.overdue["dispute_id"]) == ["D3"]  # reported in June, still unsettled
    assert list(
        disputes_svc.disputes_board(loaded, "all", START, END, days=2).overdue["dispute_id"]
    ) == ["D3", "D6", "D7"]
    assert disputes_svc.disputes_board(loaded, "all", "2021-01-01", "2021-01-31").empty
    with pytest.raises(ValueError, match="unknown area"):
        disputes_svc.disputes_board(loaded, ["G1"], START, END, area="G2")
    with pytest.raises(PermissionError):  # a viewer reads no dispute rows
        disputes_svc.disputes_board(
            loaded, store.Principal("v", "viewer", frozenset({"ST"})), START, END
        )
    both = disputes_svc.grid_table(loaded, "all", START, END, by_category=True, escalated_only=True)
    assert list(zip(both["grid"], both["category"], strict=True)) == [("G2", "family")]
    hot = disputes_svc.hot_map(loaded, "all", start=START, end=END)
    assert hot.count == 6 and hot.hot == int((hot.cells["gi_bin"] > 0).sum())
    assert (hot.shown["gi_bin"] != 0).all()


# --------------------------------------------------------------------------------------------
# the risk factor


def _case() -> tuple[np.ndarray, pd.DataFrame]:
    """Three cells about 1 km apart; a dispute beside each: unsettled for 40 days (A), settled
    after 40 days (B), unsettled for 5 days (C)."""
    lat = np.array([28.700, 28.700, 28.700])
    lng = np.array([115.970, 115.980, 115.990])
    cs = hexes.latlng_to_cells(lat, lng, 9)
    clat, clng = hexes.cell_centres(cs)
    at = pd.Timestamp("2022-08-01", tz=TZ)
    d = pd.DataFrame(
        {  # 50 m north of each cell centre
            "category": ["wages", "wages", "neighbours"],
            "lat": clat + 0.00045,
            "lng": clng,
            "status": ["mediating", "settled", "pending"],
            "reported_at": [
                at - pd.Timedelta(days=40),
                at - pd.Timedelta(days=40),
                at - pd.Timedelta(days=5),
            ],
            "settled_at": [pd.NaT, at - pd.Timedelta(days=1), pd.NaT],
        }
    )
    return cs, d


def test_unsettled_dispute_raises_risk_on_a_constructed_case() -> None:
    cs, d = _case()
    at = pd.Timestamp("2022-08-01", tz=TZ)
    table = risk.DEFAULT_WEIGHTS
    assert "dispute:unsettled" in set(table["factor"])
    ex = risk.exposure(cs, None, None, None, table, at=at, disputes=d)
    assert ex["dispute:unsettled"].tolist() == [1, 0, 0]
    # a configurable threshold: after 3 days C counts too; after 60 days nothing does
    assert risk.exposure(cs, None, None, None, table, at=at, disputes=d, unsettled_days=3)[
        "dispute:unsettled"
    ].tolist() == [1, 0, 1]
    assert (
        risk.exposure(cs, None, None, None, table, at=at, disputes=d, unsettled_days=60)[
            "dispute:unsettled"
        ].sum()
        == 0
    )
    # B was still being mediated 10 days earlier: then it counted
    before = at - pd.Timedelta(days=10)
    assert risk.exposure(cs, None, None, None, table, at=before, disputes=d, unsettled_days=25)[
        "dispute:unsettled"
    ].tolist() == [1, 1, 0]
    # category factors: only unsettled wage disputes
    wages = risk.weights_from_records([{"factor": "dispute:wages", "radius_m": 150, "weight": 2.0}])
    assert risk.exposure(cs, None, None, None, wages, at=at, disputes=d, unsettled_days=3)[
        "dispute:wages"
    ].tolist() == [1, 0, 0]
    # the effect on risk: A, otherwise like B and C, is the riskiest cell (its relative risk is
    # the factor's, 1.5, and it expects that much more of the incidents); without the factor (or
    # without the dispute) all three are alike
    hist = np.array([1.0, 1.0, 1.0])
    surface = risk.risk_surface(cs, ex, table, hist, history_weight=0.0).set_index("cell")
    assert surface.loc[cs[0], "rtm"] == 1.5 and surface.loc[cs[1], "rtm"] == 1.0
    assert surface.loc[cs[0], "risk"] == pytest.approx(1.5 * surface.loc[cs[1], "risk"])
    assert surface.loc[cs[1], "risk"] == surface.loc[cs[2], "risk"]
    flat = risk.risk_surface(cs, risk.exposure(cs, None, None, None, table, at=at), table, hist)
    assert flat["rtm"].eq(1.0).all() and flat["risk"].nunique() == 1
    drop = table.loc[table["factor"] != "dispute:unsettled"]
    assert risk.risk_surface(cs, ex, drop)["rtm"].eq(1.0).all()
    with pytest.raises(ValueError, match="unknown dispute category"):
        risk.weights_from_records([{"factor": "dispute:noise", "radius_m": 100, "weight": 1.2}])


def test_risk_cells_count_the_overdue_dispute(loaded: sa.Engine) -> None:
    # D3 (G1, wages, reported 06-01, still mediating) is 34 days old at the end of 07-05
    kw = {"start": START, "end": END, "history_weight": 0.0}
    with_factor = risk_svc.risk_cells(loaded, "all", unsettled_days=30, **kw).set_index("cell")
    without = risk_svc.risk_cells(loaded, "all", unsettled_days=60, **kw).set_index("cell")
    d3 = cells.cell_at(28.7067, 115.9734, 9)  # D3 lies a few metres from this cell's centre
    assert with_factor.loc[d3, "risk"] > without.loc[d3, "risk"]
    up = with_factor.index[with_factor["risk"] > without["risk"].reindex(with_factor.index)]
    assert list(up) == [d3]  # the only cell whose centre is within 200 m of it
    # the setting stored in the store is the default threshold
    with loaded.begin() as conn:
        store.set_meta(conn, "dispute_unsettled_days", 60)
    stored = risk_svc.risk_cells(loaded, "all", **kw).set_index("cell")
    assert stored.loc[d3, "risk"] == without.loc[d3, "risk"]


# --------------------------------------------------------------------------------------------
# the demo city


@pytest.mark.slow
def test_demo_campaign_dispute_figures(demo_db_url: str) -> None:
    from data.demo_city import CAMPAIGN, MEDIATION_FIGURES, MEDIATION_ROOM

    engine = store.connect(demo_db_url)
    try:
        figs = disputes_svc.figures(engine, "all", *CAMPAIGN)
        for key, value in MEDIATION_FIGURES.items():
            assert figs[key] == value, key
        assert disputes_rules.sentences(figs) == [
            "排查化解矛盾纠纷1007起，化解率97.91%",
            "收到线索17条，已办结10条，7条正在核查",
        ]
        d = store.read(engine, "disputes", "all")
        # escalated disputes point at an incident that came after them, nearby
        esc = d.loc[d["status"] == "escalated"]
        inc = store.read(engine, "incidents", "all").set_index("incident_id")
        linked = inc.loc[esc["incident_id"]]
        assert len(esc) >= MEDIATION_FIGURES["disputes_escalated"]
        assert (linked["ts"].to_numpy() > esc["reported_at"].to_numpy()).all()
        assert set(linked["category"]) <= {"dispute", "fight"}
        # the market's one-stop room settles its disputes, mostly the same day
        room = d.loc[d["mediator"] == MEDIATION_ROOM]
        assert len(room) > 100 and room["category"].eq("market_trade").all()
        same_day = (room["settled_at"] - room["reported_at"]) < pd.Timedelta(days=1)
        assert same_day.mean() > 0.7
        places = disputes_svc.repeated_places(engine, "all", *CAMPAIGN)
        assert places.iloc[0]["name"] == "罗家农贸市场"
        # more disputes registered per day in the campaign than before it
        before = disputes_svc.figures(engine, "all", "2022-04-01", "2022-06-24")[
            "disputes_discovered"
        ]
        assert before / 85 < MEDIATION_FIGURES["disputes_discovered"] / 100
        leads = store.read(engine, "leads", "all")
        assert leads["lat"].isna().any() and leads["lat"].notna().mean() > 0.5
    finally:
        store.forget(demo_db_url)
        engine.dispose()


def test_demo_mediation_leaves_the_city_unchanged() -> None:
    from data.demo_city import build_demo_city, build_demo_mediation

    city = build_demo_city(7)
    copies = {k: v.copy() for k, v in city.items()}
    first = build_demo_mediation(city, 7)
    assert set(city) == set(copies)
    for k in city:
        if k != "areas":
            pd.testing.assert_frame_equal(city[k], copies[k])
    again = build_demo_mediation(build_demo_city(7), 7)
    for k in ("disputes", "leads"):
        pd.testing.assert_frame_equal(first[k], again[k])
        assert list(first[k].columns) == schema.kind(k).names
    assert not first["disputes"].equals(build_demo_mediation(build_demo_city(8), 8)["disputes"])
