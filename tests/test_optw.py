"""The OPTW reader and checker, and the planner's solver on orienteering with time windows.

The reference is independent of the code under test: a hand-made instance written the way the
TOPTW test set writes its files, travel times computed here with :mod:`decimal` (the distance
rounded down to 0.01), and its optimum found by enumerating every visiting order.
"""

from __future__ import annotations

import itertools
from decimal import ROUND_FLOOR, Decimal, getcontext
from pathlib import Path

import numpy as np
import pytest

from geo.domain import optw, routing

BENCH = Path(__file__).resolve().parent / "bench" / "data" / "optw"

# i x y d S f a [a numbers] O C, as the Cordeau/TOPTW files write them (leading spaces, a
# varying number of unused fields, coordinates with three decimals or none).
HAND = """\
5 1 7 4
  500 200
 0   0.000   0.000  0  0 0 0   0  60
 1   3.000   4.000  2 10 1 1 1   0  10
 2   6.000   8.000  2  8 1 2 1 2  20  25
 3  -5.000   0.000  3 12 1 1 4   0  40
 4  -5.000  -5.500  1  6 1 4 1 2 4 8  30  45
 5   1.001   1.001  0  3 1 1 2   0  60
 6  10       0      5 15 1 1 8  45  50
 7   0.000  -7.500  2  9 1 1 1   5  15
"""

ROWS = [ln.split() for ln in HAND.splitlines()[2:]]
XY = [(Decimal(r[1]), Decimal(r[2])) for r in ROWS]
SERVICE = [Decimal(r[3]) for r in ROWS]
PROFIT = [int(r[4]) for r in ROWS]
WINDOW = [(Decimal(r[-2]), Decimal(r[-1])) for r in ROWS]


def _travel(i: int, j: int) -> Decimal:
    """Euclidean distance rounded down to 0.01, in exact decimal arithmetic."""
    getcontext().prec = 40
    dx, dy = XY[i][0] - XY[j][0], XY[i][1] - XY[j][1]
    return (dx * dx + dy * dy).sqrt().quantize(Decimal("0.01"), rounding=ROUND_FLOOR)


def _feasible(order: tuple[int, ...]) -> bool:
    t, prev = WINDOW[0][0], 0
    for v in order:
        t = max(t + _travel(prev, v), WINDOW[v][0])
        if t > WINDOW[v][1]:
            return False
        t += SERVICE[v]
        prev = v
    return t + _travel(prev, 0) <= WINDOW[0][1]


def _brute_force() -> tuple[int, list[tuple[int, ...]]]:
    """The optimal profit and every order that reaches it (all orders of all subsets)."""
    best, orders = 0, [()]
    for k in range(1, len(ROWS)):
        for order in itertools.permutations(range(1, len(ROWS)), k):
            if _feasible(order):
                p = sum(PROFIT[v] for v in order)
                if p > best:
                    best, orders = p, [order]
                elif p == best:
                    orders.append(order)
    return best, orders


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> optw.Instance:
    path = tmp_path_factory.mktemp("optw") / "hand.txt"
    path.write_text(HAND, encoding="ascii")
    return optw.read_instance(path)


@pytest.fixture(scope="module")
def optimum() -> tuple[int, list[tuple[int, ...]]]:
    return _brute_force()


def test_reader_reads_every_field_and_rounds_travel_down(hand: optw.Instance) -> None:
    assert hand.name == "hand" and hand.n == 7 and hand.budget == 6000
    assert hand.profit.tolist() == PROFIT
    assert hand.service.tolist() == [int(d * 100) for d in SERVICE]
    assert hand.open.tolist() == [int(w[0] * 100) for w in WINDOW]
    assert hand.close.tolist() == [int(w[1] * 100) for w in WINDOW]
    expected = np.array([[int(_travel(i, j) * 100) for j in range(8)] for i in range(8)])
    np.testing.assert_array_equal(hand.travel, expected)
    # by hand: 3-4-5 triangles are exact, sqrt(2) * 1.001 = 1.4156... is 1.41, not 1.42
    assert hand.travel[0, 1] == 500 and hand.travel[1, 2] == 500 and hand.travel[0, 2] == 1000
    assert hand.travel[0, 5] == 141 and hand.travel[5, 0] == 141
    assert hand.travel[3, 4] == 550 and hand.travel[0, 6] == 1000


def test_reader_refuses_what_it_cannot_read_exactly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text(HAND.replace("1.001   1.001", "1.0001  1.001"), encoding="ascii")
    with pytest.raises(ValueError, match="coordinates with more than 3 decimals"):
        optw.read_instance(bad)
    short = tmp_path / "short.txt"
    short.write_text("\n".join(HAND.splitlines()[:6]), encoding="ascii")
    with pytest.raises(ValueError, match="4 vertex lines, the header says 8"):
        optw.read_instance(short)


def test_checker_finds_each_kind_of_violation(hand: optw.Instance) -> None:
    # 1 at 5.00 (serves to 7), 2 at 12: waits to 20, serves to 22, back at 32
    assert optw.check_routes(hand, [[1, 2]]) == ([], 18.0)
    # 6 opens at 45: reached at 10, waits, serves 45-50, back at exactly the budget, 60
    assert optw.check_routes(hand, [[6]]) == ([], 15.0)
    # 3 at 5 (serves to 8), 6 at 23: waits to 45, serves to 50, back at 60: on time
    assert optw.check_routes(hand, [[3, 6]]) == ([], 27.0)
    # 2 at 10: waits to 20, serves to 22; 1 at 27, after its window closed at 10
    problems, _ = optw.check_routes(hand, [[2, 1]])
    assert problems == ["route 0: service at 1 starts at 27.00, after its window closes at 10.00"]
    # 4 opens at 30: via 3 (serves to 8) reached at 13.5, waits, serves to 31; 6 at 31 + 15.97
    # (15.9765... rounded down) = 46.97, serves to 51.97, back at 61.97
    problems, profit = optw.check_routes(hand, [[3, 4, 6]])
    assert problems == ["route 0: back at 61.97, after the budget 60.00"] and profit == 33.0
    problems, profit = optw.check_routes(hand, [[1, 1], [0, 9]])
    assert problems == [
        "route 0: customer 1 is visited twice",
        "route 1: 0 is not a customer of hand",
        "route 1: 9 is not a customer of hand",
    ]
    assert profit == 10.0


def test_brute_force_optimum_and_the_plan_inputs(
    hand: optw.Instance, optimum: tuple[int, list[tuple[int, ...]]]
) -> None:
    best, orders = optimum
    assert best == 40 and sorted(orders) == [(1, 3, 5, 6), (1, 5, 3, 6), (5, 1, 3, 6)]
    for order in orders:  # the checker agrees with the decimal reference on every optimum
        assert optw.check_routes(hand, [list(order)]) == ([], float(best))
    values, travel, vehicles, dwell, windows = optw.plan_inputs(hand, vehicles=2)
    assert values.tolist() == PROFIT[1:] and dwell.tolist() == hand.service[1:].tolist()
    assert travel[optw.KIND].shape == (9, 9) and travel[optw.KIND][1, 1 + 5] == 141
    assert [(v.start_s, v.end_s) for v in vehicles] == [(0, 6000), (0, 6000)]
    assert windows[5].tolist() == [4500, 5000]


def test_the_planners_solver_reaches_the_brute_force_optimum(
    hand: optw.Instance, optimum: tuple[int, list[tuple[int, ...]]]
) -> None:
    values, travel, vehicles, dwell, windows = optw.plan_inputs(hand)
    routes = routing.solve_routes(
        values, travel, vehicles, dwell_s=dwell, windows=windows, time_limit_s=1
    )
    assert routing.check_routes(routes, travel, vehicles, dwell_s=dwell, windows=windows) == []
    assert optw.check_routes(hand, optw.to_routes(routes)) == ([], float(optimum[0]))


def test_polish_inserts_what_still_fits_and_only_that(hand: optw.Instance) -> None:
    values, travel, vehicles, dwell, windows = optw.plan_inputs(hand)
    # from the route 1 -> 2 alone (profit 18), the polish adds what fits
    orders = routing.polish_routes(
        [[0, 1]], values, travel, vehicles, dwell_s=dwell, windows=windows
    )
    route = [c + 1 for c in orders[0]]
    problems, profit = optw.check_routes(hand, [route])
    assert problems == [] and profit > 18 and route.index(1) < route.index(2)
    # afterwards no customer left out fits anywhere (tried at every position by the checker)
    for v in set(range(1, 8)) - set(route):
        for k in range(len(route) + 1):
            assert optw.check_routes(hand, [[*route[:k], v, *route[k:]]])[0] != []
    # an optimal route is left as it is
    for order in _brute_force()[1]:
        cells = [v - 1 for v in order]
        assert routing.polish_routes(
            [cells], values, travel, vehicles, dwell_s=dwell, windows=windows
        ) == [cells]


@pytest.mark.slow
def test_a_published_instance_with_a_short_limit() -> None:
    inst = optw.read_instance(BENCH / "pr01.txt")
    assert inst.n == 48 and inst.budget == 100_000
    values, travel, vehicles, dwell, windows = optw.plan_inputs(inst)
    routes = routing.solve_routes(
        values, travel, vehicles, dwell_s=dwell, windows=windows, time_limit_s=3
    )
    problems, profit = optw.check_routes(inst, optw.to_routes(routes))
    assert problems == []
    assert 0.9 * 308 <= profit <= 308  # the published optimum bounds every feasible route


def test_polish_spreads_stops_to_an_idle_unit_without_losing_value() -> None:
    # two units at one post (nodes 0, 1), four cells 60 s from it and 60 s apart, 10-minute
    # stops, shifts of an hour: either unit could do all four; one got them all
    m = np.full((6, 6), 60, np.int64)
    m[:2, :2] = 0
    np.fill_diagonal(m, 0)
    travel = {"foot": m}
    vehicles = [routing.Vehicle("foot", 0, 3600), routing.Vehicle("foot", 0, 3600)]
    values = np.array([4.0, 3.0, 2.0, 1.0])
    orders = routing.polish_routes([[0, 1, 2, 3], []], values, travel, vehicles, dwell_s=600)
    assert sorted(len(o) for o in orders) == [2, 2]
    assert sorted(c for o in orders for c in o) == [0, 1, 2, 3]
    routes = routing.solve_routes(values, travel, vehicles, dwell_s=600, time_limit_s=0.5)
    assert routing.check_routes(routes, travel, vehicles, dwell_s=600) == []
    assert [len(r.stops) for r in routes] == [2, 2]
    # a unit whose shift is too short to reach any cell gets nothing moved to it
    short = [routing.Vehicle("foot", 0, 3600), routing.Vehicle("foot", 0, 100)]
    assert routing.polish_routes([[0, 1, 2, 3], []], values, travel, short, dwell_s=600) == [
        [0, 1, 2, 3],
        [],
    ]
