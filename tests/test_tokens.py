"""Tokens of the machine API (issue 22, item 1): device and user tokens made, verified, revoked;
what is stored (a SHA-256 of the secret, never the token); the 5-second cache and the once-a-minute
last use; the audit; the ``devices`` and ``tokens`` commands; the Admin page's section."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from cli.main import main
from geo import ingest, store
from geo.i18n import t
from geo.services import access, tokens
from geo.store.tables import api_tokens
from tests import tiny
from tests.test_words import _data, problems, texts

TOKEN = re.compile(r"^qy_([0-9a-f]{10})_([A-Za-z0-9_\-]{43})$")


class Clock:
    """A settable clock of seconds (tokens.clock and access.clock)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """One clock for the cache's expiry and the stored times; the cache emptied around."""
    c = Clock(1_700_000_000.0)
    monkeypatch.setattr(tokens, "clock", c)
    monkeypatch.setattr(access, "clock", c)
    tokens.clear_cache()
    yield c
    tokens.clear_cache()


@pytest.fixture
def eng(engine: sa.Engine, tmp_path: Path, clock: Clock) -> sa.Engine:
    """The tiny jurisdiction's areas and units (U1, U2), an admin and a grid manager of G1."""
    frames = tiny.frames()
    for name in ("areas", "units"):
        path = tmp_path / f"{name}.csv"
        frames[name].to_csv(path, index=False)
        assert ingest.import_file(engine, name, path).rejected == 0
    access.add_user(engine, "ops", "ops-password", "admin", by="test")
    access.add_user(engine, "g1", "g1-password", "grid_manager", ["G1"], by="test")
    return engine


def _row(engine: sa.Engine, token_id: str) -> dict[str, object]:
    with engine.connect() as conn:
        row = conn.execute(sa.select(api_tokens).where(api_tokens.c.token_id == token_id)).first()
    assert row is not None
    return dict(row._mapping)


def test_device_token_made_stored_hashed_and_verified(eng: sa.Engine) -> None:
    token_id, token = tokens.create_device_token(eng, "U1", label="车载终端 01", by="ops")
    m = TOKEN.match(token)
    assert m is not None and m.group(1) == token_id
    secret = m.group(2)
    row = _row(eng, token_id)
    assert row["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert row["kind"] == "device" and row["unit_id"] == "U1" and row["user_name"] is None
    assert row["label"] == "车载终端 01" and row["created_by"] == "ops"
    assert row["created_ms"] == 1_700_000_000_000 and row["revoked_ms"] is None
    assert not [v for v in row.values() if isinstance(v, str) and secret in v]
    info = tokens.verify_token(eng, token, kind="device")
    assert info == tokens.TokenInfo(token_id, "device", "U1", None)
    assert tokens.verify_token(eng, token) == info
    with pytest.raises(PermissionError, match="user token"):
        tokens.verify_token(eng, token, kind="user")
    with pytest.raises(PermissionError):
        tokens.principal_of_token(eng, info)  # a device reads nothing


def test_user_token_reads_with_the_users_scope(eng: sa.Engine) -> None:
    token_id, token = tokens.create_user_token(eng, "g1", by="ops")
    info = tokens.verify_token(eng, token, kind="user")
    assert info == tokens.TokenInfo(token_id, "user", None, "g1")
    who = tokens.principal_of_token(eng, info)
    assert (who.user, who.role, who.areas) == ("g1", "grid_manager", frozenset({"G1"}))
    with pytest.raises(PermissionError, match="device token"):
        tokens.verify_token(eng, token, kind="device")


@pytest.mark.parametrize(
    "make",
    [
        lambda e: tokens.create_device_token(e, "U9", by="ops"),
        lambda e: tokens.create_device_token(e, "  ", by="ops"),
        lambda e: tokens.create_user_token(e, "nobody", by="ops"),
        lambda e: tokens.create_device_token(e, "U1", label="x" * 101, by="ops"),
    ],
    ids=["unknown unit", "no unit", "unknown user", "long label"],
)
def test_bad_input_is_refused_naming_the_field(
    eng: sa.Engine, make: Callable[[sa.Engine], object]
) -> None:
    with pytest.raises(ValueError, match=r"^(unit_id|user|label): "):
        make(eng)
    assert tokens.list_tokens(eng).empty


def test_a_disabled_user_gets_no_token(eng: sa.Engine) -> None:
    access.set_disabled(eng, "g1", by="ops")
    with pytest.raises(ValueError, match="disabled"):
        tokens.create_user_token(eng, "g1", by="ops")


def test_no_unknown_or_tampered_token_passes(eng: sa.Engine) -> None:
    token_id, token = tokens.create_device_token(eng, "U1", by="ops")
    secret = token.split("_", 2)[2]
    other = "A" if secret[-1] != "A" else "B"
    bad = [
        None,
        "",
        "qy",
        token + "x" * 200,
        token.replace("qy_", "xx_", 1),
        token[:-1] + other,  # one character of the secret changed
        f"qy_{'0' * 10}_{secret}",  # an id that does not exist
        f"qy_{token_id}_{'A' * 43}",
        token.upper(),
    ]
    tokens.verify_token(eng, token)  # cached: a tampered secret is still compared
    for candidate in bad:
        with pytest.raises(PermissionError):
            tokens.verify_token(eng, candidate)  # type: ignore[arg-type]
    assert tokens.verify_token(eng, f"  {token}\n").token_id == token_id


def test_revoke_takes_effect_at_once_and_is_audited(eng: sa.Engine, clock: Clock) -> None:
    token_id, token = tokens.create_device_token(eng, "U2", label="手台", by="ops")
    tokens.verify_token(eng, token)  # now in the cache
    clock.now += 1
    tokens.revoke_token(eng, token_id, by="ops")
    with pytest.raises(PermissionError, match="revoked"):
        tokens.verify_token(eng, token)
    assert _row(eng, token_id)["revoked_ms"] == 1_700_000_001_000
    with pytest.raises(ValueError, match="revoked already"):
        tokens.revoke_token(eng, token_id, by="ops")
    with pytest.raises(ValueError, match="no token"):
        tokens.revoke_token(eng, "0123456789", by="ops")
    _uid, user_token = tokens.create_user_token(eng, "g1", by="ops")
    with pytest.raises(ValueError, match="user token"):
        tokens.revoke_token(eng, _uid, by="ops", kind="device")
    log = access.audit_log(eng, actions=["token_create", "token_revoke"])
    assert sorted(zip(log["action"], log["what"], strict=True)) == sorted(
        [("token_create", token_id), ("token_revoke", token_id), ("token_create", _uid)]
    )
    assert set(log["user_name"]) == {"ops"}
    details = [json.loads(d) for d in log["detail"]]
    assert {"kind": "device", "unit": "U2", "label": "手台"} in details
    assert {"kind": "user", "user_name": "g1", "label": ""} in details
    text = log.to_csv()
    for secret in (token.split("_", 2)[2], user_token.split("_", 2)[2]):
        assert secret not in text


def test_a_disabled_users_token_is_refused_within_the_cache_time(
    eng: sa.Engine, clock: Clock
) -> None:
    _tid, token = tokens.create_user_token(eng, "g1", by="ops")
    info = tokens.verify_token(eng, token)
    access.set_disabled(eng, "g1", by="ops")
    with pytest.raises(PermissionError):
        tokens.principal_of_token(eng, info)  # read now
    clock.now += tokens.CACHE_S - 1
    assert tokens.verify_token(eng, token) == info  # still the row read 4 s ago
    clock.now += 2
    with pytest.raises(PermissionError, match="disabled"):
        tokens.verify_token(eng, token)
    access.set_disabled(eng, "g1", False, by="ops")
    assert tokens.verify_token(eng, token) == info


def test_last_use_is_written_at_most_once_a_minute(eng: sa.Engine, clock: Clock) -> None:
    token_id, token = tokens.create_device_token(eng, "U1", by="ops")
    assert _row(eng, token_id)["last_used_ms"] is None
    first = clock.now
    tokens.verify_token(eng, token)
    for _ in range(5):
        clock.now += 10
        tokens.verify_token(eng, token)
    assert _row(eng, token_id)["last_used_ms"] == int(first * 1000)
    clock.now = first + 61
    tokens.verify_token(eng, token)
    assert _row(eng, token_id)["last_used_ms"] == int((first + 61) * 1000)
    # another process (an empty cache) reads the stored last use and does not write it again
    tokens.clear_cache()
    clock.now += 30
    tokens.verify_token(eng, token)
    assert _row(eng, token_id)["last_used_ms"] == int((first + 61) * 1000)


def test_list_shows_no_secret(eng: sa.Engine, clock: Clock) -> None:
    dev_id, dev = tokens.create_device_token(eng, "U1", label="a", by="ops")
    clock.now += 60
    usr_id, usr = tokens.create_user_token(eng, "g1", by=None)
    tokens.revoke_token(eng, dev_id, by="ops")
    table = tokens.list_tokens(eng)
    assert list(table.columns) == [
        "token_id",
        "kind",
        "unit_id",
        "user_name",
        "label",
        "created",
        "created_by",
        "revoked",
        "last_used",
    ]
    assert list(table["token_id"]) == [usr_id, dev_id]  # newest first
    assert list(table["kind"]) == ["user", "device"]
    assert table["revoked"].isna().tolist() == [True, False]
    assert table["created"].iloc[1] == pd.Timestamp(1_700_000_000_000, unit="ms", tz="UTC")
    assert str(table["created"].dt.tz) == "Asia/Shanghai"
    text = table.to_csv()
    for token in (dev, usr):
        assert token.split("_", 2)[2] not in text
    hashes = {str(_row(eng, i)["secret_hash"]) for i in (dev_id, usr_id)}
    assert not [h for h in hashes if h in text]


def test_unit_choices_name_the_units(eng: sa.Engine) -> None:
    assert tokens.unit_choices(eng) == {"U1": "巡逻一组 (U1)", "U2": "志愿者队 (U2)"}


# --------------------------------------------------------------------------------------------
# The command line


def _cli(*argv: str) -> tuple[int, dict[str, Any], str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    lines = out.getvalue().splitlines()
    assert len(lines) <= 1
    return code, (json.loads(lines[0]) if lines else {}), err.getvalue()


def test_cli_devices_and_tokens(eng: sa.Engine) -> None:
    url = eng.url.render_as_string(hide_password=False)
    code, made, _ = _cli("devices", "create", "U1", "--label", "car 1", "--db", url)
    assert code == 0
    assert made["unit_id"] == "U1" and "once" in str(made["note"])
    token = str(made["token"])
    assert tokens.verify_token(eng, token, kind="device").unit_id == "U1"
    assert (m := TOKEN.match(token)) is not None and m.group(1) == made["token_id"]
    code, listed, _ = _cli("devices", "list", "--db", url)
    assert code == 0
    rows = listed["tokens"]
    assert isinstance(rows, list) and len(rows) == 1
    assert rows[0]["token_id"] == made["token_id"] and rows[0]["active"] is True
    assert rows[0]["unit_id"] == "U1" and rows[0]["label"] == "car 1"
    assert token.split("_", 2)[2] not in json.dumps(listed)
    # user tokens, made as an admin named by --as
    code, user_made, _ = _cli("tokens", "create", "g1", "--as", "ops", "--db", url)
    assert code == 0 and user_made["user"] == "g1"
    code, listed, _ = _cli("tokens", "list", "--db", url)
    assert [r["user_name"] for r in listed["tokens"]] == ["g1"]
    # revoking a user token through devices is refused; through tokens it works
    code, _, err = _cli("devices", "revoke", str(user_made["token_id"]), "--db", url)
    assert code == 2 and err.startswith("error: token_id:") and len(err.splitlines()) == 1
    code, revoked, _ = _cli("tokens", "revoke", str(user_made["token_id"]), "--db", url)
    assert code == 0 and revoked["revoked"] is True
    with pytest.raises(PermissionError):
        tokens.verify_token(eng, str(user_made["token"]))
    code, _, _ = _cli("devices", "revoke", str(made["token_id"]), "--db", url)
    assert code == 0
    code, listed, _ = _cli("devices", "list", "--db", url)
    assert [r["active"] for r in listed["tokens"]] == [False]
    log = access.audit_log(eng, actions=["token_create", "token_revoke"])
    assert sorted(log["user_name"]) == ["cli", "cli", "cli", "ops"]
    # refused on one line: an unknown unit, a non-admin --as
    code, _, err = _cli("devices", "create", "U9", "--db", url)
    assert code == 2 and "unit_id" in err and len(err.splitlines()) == 1
    code, _, err = _cli("tokens", "create", "g1", "--as", "g1", "--db", url)
    assert code == 2 and "admin" in err
    assert len(tokens.list_tokens(eng)) == 2


# --------------------------------------------------------------------------------------------
# The Admin page


@pytest.mark.slow
def test_admin_page_creates_shows_once_and_revokes(
    new_app: Callable[..., AppTest], demo_db_url: str
) -> None:
    at = new_app("admin")
    at.switch_page("views/admin.py").run()
    assert not at.exception, at.exception
    assert t("tok.title", "zh-CN") in [s.value for s in at.subheader]
    assert not at.code
    units = at.selectbox(key="tok_unit")
    unit = units.options[0]
    at.text_input(key="tok_label").input("车载终端 A")
    at.button(key="tok_go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    eng = store.connect(demo_db_url)
    table = tokens.list_tokens(eng)
    assert len(table) == 1 and table["label"].iloc[0] == "车载终端 A"
    token_id = table["token_id"].iloc[0]
    assert unit.endswith(f"({table['unit_id'].iloc[0]})") or unit == table["unit_id"].iloc[0]
    shown = [c.value for c in at.code]
    assert len(shown) == 1
    assert tokens.verify_token(eng, shown[0], kind="device").token_id == token_id
    assert any(token_id in w.value for w in at.warning)
    listed = next(df.value for df in at.dataframe if token_id in df.value.to_csv())
    assert t("v.token_kind.device", "zh-CN") in listed.to_csv()
    assert t("v.token_status.active", "zh-CN") in listed.to_csv()
    # shown once: the next run no longer shows it; the table speaks the users' words
    at.run()
    assert not at.code
    assert not problems(texts(at), "zh-CN", _data(eng), internal_ok=True)
    # a user token, then revoke the device's
    at.radio(key="tok_kind").set_value("user").run()
    at.selectbox(key="tok_user").set_value("grid03")
    at.button(key="tok_go").click().run()
    assert not at.exception and not at.error
    assert len(at.code) == 1
    made = tokens.verify_token(eng, at.code[0].value, kind="user")
    assert made.user_name == "grid03"
    at.selectbox(key="tok_pick").set_value(token_id)
    at.button(key="tok_revoke").click().run()
    assert not at.exception and not at.error
    assert any(token_id in s.value for s in at.success)
    with pytest.raises(PermissionError):
        tokens.verify_token(eng, shown[0])
    listed = next(df.value for df in at.dataframe if token_id in df.value.to_csv())
    assert t("v.token_status.revoked", "zh-CN") in listed.to_csv()
    at.session_state["lang"] = "en"
    at.run()
    assert not at.code and not at.exception
    assert t("tok.title", "en") in [s.value for s in at.subheader]
    assert not problems(texts(at), "en", _data(eng), internal_ok=True)
    log = access.audit_log(eng, actions=["token_create", "token_revoke"])
    assert sorted(log["action"]) == ["token_create", "token_create", "token_revoke"]
    assert set(log["user_name"]) == {"admin"}
