"""Strings of the machine API's tokens: the Admin page's section on device and user tokens."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "tok.title": {"zh-CN": "设备与接口令牌", "en": "Device and API tokens"},
    "tok.help": {
        "zh-CN": "设备令牌供车载终端或手持设备上报一个巡逻单元的定位；用户令牌供其他系统按该用户的"
        "角色和辖区读取数据。令牌只在创建时显示一次，系统只保存其摘要。",
        "en": "A device token lets a car terminal or handheld device post one patrol unit's "
        "positions; a user token lets another system read what that user may read (role and "
        "areas). A token is shown once, when it is created; only its digest is stored.",
    },
    "tok.create": {"zh-CN": "创建令牌", "en": "Create a token"},
    "tok.kind": {"zh-CN": "令牌类型", "en": "Kind of token"},
    "tok.unit": {"zh-CN": "巡逻单元", "en": "Patrol unit"},
    "tok.user": {"zh-CN": "用户", "en": "User"},
    "tok.label": {"zh-CN": "备注（可选）", "en": "Label (optional)"},
    "tok.label_help": {
        "zh-CN": "例如设备编号或对接系统名称，最多 100 字。",
        "en": "For example the device's number or the system it is for; up to 100 characters.",
    },
    "tok.go": {"zh-CN": "创建", "en": "Create"},
    "tok.no_units": {
        "zh-CN": "还没有巡逻单元：请先导入巡逻单元。",
        "en": "There are no patrol units yet: import the units first.",
    },
    "tok.no_users": {"zh-CN": "没有可用的用户。", "en": "There is no enabled user."},
    "tok.made": {
        "zh-CN": "已创建令牌 {token_id}。请立即复制保存：关闭或刷新后无法再次查看。",
        "en": "Token {token_id} created. Copy it now: it is shown only this once and cannot "
        "be seen again.",
    },
    "tok.revoke": {"zh-CN": "吊销令牌", "en": "Revoke a token"},
    "tok.pick": {"zh-CN": "要吊销的令牌", "en": "Token to revoke"},
    "tok.revoke_go": {"zh-CN": "吊销", "en": "Revoke"},
    "tok.revoked": {
        "zh-CN": "已吊销令牌 {token_id}，立即失效。",
        "en": "Token {token_id} revoked: it no longer works.",
    },
    "tok.none_active": {"zh-CN": "没有有效的令牌。", "en": "No active token."},
    "tok.none": {"zh-CN": "还没有令牌。", "en": "No token yet."},
    "tok.col.id": {"zh-CN": "令牌编号", "en": "Token"},
    "tok.col.kind": {"zh-CN": "类型", "en": "Kind"},
    "tok.col.unit": {"zh-CN": "巡逻单元", "en": "Unit"},
    "tok.col.user": {"zh-CN": "用户", "en": "User"},
    "tok.col.label": {"zh-CN": "备注", "en": "Label"},
    "tok.col.status": {"zh-CN": "状态", "en": "Status"},
    "tok.col.created": {"zh-CN": "创建时间", "en": "Created"},
    "tok.col.created_by": {"zh-CN": "创建人", "en": "Created by"},
    "tok.col.revoked": {"zh-CN": "吊销时间", "en": "Revoked"},
    "tok.col.last_used": {"zh-CN": "最近使用", "en": "Last used"},
    "v.token_kind.device": {"zh-CN": "设备令牌", "en": "Device"},
    "v.token_kind.user": {"zh-CN": "用户令牌", "en": "User"},
    "v.token_status.active": {"zh-CN": "有效", "en": "Active"},
    "v.token_status.revoked": {"zh-CN": "已吊销", "en": "Revoked"},
}
