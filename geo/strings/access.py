"""Strings of logins, roles, the admin page and the audit log."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "auth.login": {"zh-CN": "登录", "en": "Log in"},
    "auth.user": {"zh-CN": "用户名", "en": "User name"},
    "auth.password": {"zh-CN": "密码", "en": "Password"},
    "auth.submit": {"zh-CN": "登录", "en": "Log in"},
    "auth.logout": {"zh-CN": "退出登录", "en": "Log out"},
    "auth.signed_in": {"zh-CN": "当前用户：{user}（{role}）", "en": "Signed in: {user} ({role})"},
    "auth.session_ended": {
        "zh-CN": "登录已超时或已失效，请重新登录。",
        "en": "Your session has ended; please log in again.",
    },
    "auth.no_users": {
        "zh-CN": "系统还没有用户。请在服务器上运行 python -m geo users add 用户名 --role admin "
        "创建第一个管理员，或设置 QY_ADMIN_USER / QY_ADMIN_PASSWORD 后重启。",
        "en": "There are no users yet. On the server, run python -m geo users add NAME --role "
        "admin to create the first admin, or set QY_ADMIN_USER / QY_ADMIN_PASSWORD and "
        "restart.",
    },
    "auth.error.bad": {"zh-CN": "用户名或密码错误。", "en": "Unknown user or wrong password."},
    "auth.error.locked": {
        "zh-CN": "登录失败次数过多，账号已暂时锁定，请稍后再试。",
        "en": "Too many failed logins: this account is locked for a while. Try again later.",
    },
    "auth.demo_hint": {
        "zh-CN": "演示模式（合成数据）：请用下列演示账号之一登录。",
        "en": "Demo mode (synthetic data): log in as one of these demo users.",
    },
    "auth.demo_user": {
        "zh-CN": "{role}：用户名 `{user}`，密码 `{password}`",
        "en": "{role}: user name `{user}`, password `{password}`",
    },
    "auth.forbidden": {
        "zh-CN": "您的角色无权查看此页面。",
        "en": "Your role may not open this page.",
    },
    "auth.role.admin": {"zh-CN": "管理员", "en": "Administrator"},
    "auth.role.commander": {"zh-CN": "指挥员", "en": "Commander"},
    "auth.role.grid_manager": {"zh-CN": "网格员", "en": "Grid manager"},
    "auth.role.viewer": {"zh-CN": "查看者", "en": "Viewer"},
    "auth.viewer_no_tracks": {
        "zh-CN": "您的角色只能查看汇总数据，不显示轨迹和巡逻单元；巡逻班次少于3个的六边形不显示，"
        "最近巡逻只显示日期，以免还原巡逻路线。",
        "en": "Your role sees aggregated figures only: no tracks or patrol units; hexagons "
        "patrolled by fewer than 3 shifts are not shown and last visits show the date only, so "
        "that no route can be rebuilt.",
    },
    "page.admin": {"zh-CN": "系统管理", "en": "Admin"},
    "admin.users": {"zh-CN": "用户", "en": "Users"},
    "admin.add": {"zh-CN": "新增用户", "en": "Add a user"},
    "admin.change": {"zh-CN": "修改用户", "en": "Change a user"},
    "admin.role": {"zh-CN": "角色", "en": "Role"},
    "admin.areas": {"zh-CN": "辖区 / 网格", "en": "Areas"},
    "admin.areas_help": {
        "zh-CN": "指挥员选派出所，网格员选网格，查看者任选；管理员不选。",
        "en": "Stations for a commander, grids for a grid manager, any for a "
        "viewer; none for an admin.",
    },
    "admin.new_password": {"zh-CN": "新密码（至少 8 位）", "en": "New password (8+ characters)"},
    "admin.create": {"zh-CN": "创建", "en": "Create"},
    "admin.created": {"zh-CN": "已创建用户 {user}。", "en": "User {user} created."},
    "admin.pick_user": {"zh-CN": "用户", "en": "User"},
    "admin.save_role": {"zh-CN": "保存角色和辖区", "en": "Save role and areas"},
    "admin.set_password": {"zh-CN": "重设密码", "en": "Set password"},
    "admin.disable": {"zh-CN": "停用", "en": "Disable"},
    "admin.enable": {"zh-CN": "启用", "en": "Enable"},
    "admin.done": {"zh-CN": "已保存：{user}。", "en": "Saved: {user}."},
    "admin.not_self": {"zh-CN": "不能停用自己的账号。", "en": "You cannot disable yourself."},
    "admin.audit": {"zh-CN": "审计日志", "en": "Audit log"},
    "admin.audit_help": {
        "zh-CN": "登录（含失败）、导入、导出与下载、巡逻方案、用户和设置变更。",
        "en": "Logins (and failures), imports, exports and downloads, plans, "
        "user and settings changes.",
    },
    "admin.f_user": {"zh-CN": "用户", "en": "User"},
    "admin.f_actions": {"zh-CN": "操作", "en": "Actions"},
    "admin.f_text": {"zh-CN": "对象包含", "en": "Object contains"},
    "admin.f_from": {"zh-CN": "起始日期", "en": "From"},
    "admin.f_to": {"zh-CN": "截止日期", "en": "To"},
    "admin.n_events": {
        "zh-CN": "共 {n} 条记录（最多显示 2000 条）。",
        "en": "{n} events (at most 2,000 shown).",
    },
    "col.when": {"zh-CN": "时间", "en": "When"},
    "col.user": {"zh-CN": "用户", "en": "User"},
    "col.action": {"zh-CN": "操作", "en": "Action"},
    "col.what": {"zh-CN": "对象", "en": "What"},
    "col.rows": {"zh-CN": "行数", "en": "Rows"},
    "col.detail": {"zh-CN": "详情", "en": "Detail"},
    "col.role": {"zh-CN": "角色", "en": "Role"},
    "col.areas": {"zh-CN": "辖区", "en": "Areas"},
    "col.disabled": {"zh-CN": "已停用", "en": "Disabled"},
    "col.locked": {"zh-CN": "已锁定", "en": "Locked"},
    "col.demo_user": {"zh-CN": "演示账号", "en": "Demo user"},
    "col.created": {"zh-CN": "创建时间", "en": "Created"},
    "audit.login": {"zh-CN": "登录", "en": "Login"},
    "audit.login_failed": {"zh-CN": "登录失败", "en": "Login failed"},
    "audit.lockout": {"zh-CN": "账号锁定", "en": "Lockout"},
    "audit.logout": {"zh-CN": "退出", "en": "Logout"},
    "audit.session_timeout": {"zh-CN": "登录超时", "en": "Session timed out"},
    "audit.import": {"zh-CN": "导入", "en": "Import"},
    "audit.export": {"zh-CN": "导出", "en": "Export"},
    "audit.download": {"zh-CN": "下载", "en": "Download"},
    "audit.plan": {"zh-CN": "巡逻方案", "en": "Plan"},
    "audit.user_add": {"zh-CN": "新增用户", "en": "User added"},
    "audit.user_role": {"zh-CN": "修改角色", "en": "Role changed"},
    "audit.user_disable": {"zh-CN": "停用用户", "en": "User disabled"},
    "audit.user_enable": {"zh-CN": "启用用户", "en": "User enabled"},
    "audit.user_password": {"zh-CN": "重设密码", "en": "Password set"},
    "audit.settings": {"zh-CN": "修改设置", "en": "Settings changed"},
    # audit details: "label: value"
    **{
        f"audit.key.{k}": {"zh-CN": zh, "en": en}
        for k, (zh, en) in {
            "role": ("角色", "Role"),
            "areas": ("辖区", "Areas"),
            "demo": ("演示账号", "Demo user"),
            "kind": ("类型", "Kind"),
            "format": ("格式", "Format"),
            "rows": ("行数", "Rows"),
            "start": ("开始", "From"),
            "end": ("结束", "To"),
            "area": ("辖区/网格", "Area"),
            "night": ("夜间", "Night"),
            "units": ("巡逻单元数", "Units"),
            "idle_min": ("空闲（分钟）", "Idle (min)"),
            "read": ("读取", "Read"),
            "duplicates": ("重复", "Duplicates"),
            "conflicts": ("冲突", "Conflicts"),
            "rejected": ("拒收", "Rejected"),
            "outside": ("区域外", "Outside"),
            "reset": ("恢复默认", "Reset to defaults"),
            "imported": ("导入文件", "Imported file"),
            "via": ("途径", "Via"),
            "plan_id": ("方案编号", "Plan"),
            "profile": ("导入模板", "Import profile"),
            "tiles": ("底图", "Basemap"),
        }.items()
    },
    "audit.kind.plan": {"zh-CN": "巡逻方案", "en": "Patrol plan"},
    "audit.kind.briefing": {"zh-CN": "工作简报", "en": "Briefing"},
    "audit.kind.rejects": {"zh-CN": "拒收记录", "en": "Rejected rows"},
    "audit.kind.outside": {"zh-CN": "区域外记录", "en": "Records outside every area"},
}
