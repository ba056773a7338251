"""The clause set a draft contract starts with (the office adjusts it before activation)."""

from decimal import Decimal

DEFAULT_CLAUSES = [
    {
        "kind": "per_failed_item",
        "amount_minor": Decimal("100.00"),
        "amount_major": Decimal("300.00"),
        "amount_serious": Decimal("1000.00"),
        "description": "检查不合格项按严重程度扣减服务费",
    },
    {"kind": "per_upheld_complaint", "amount": Decimal("500.00"), "description": "经核实的有效投诉每件扣减服务费"},
    {"kind": "per_overdue_rectification_day", "amount": Decimal("200.00"), "description": "整改逾期每日扣减服务费"},
    {
        "kind": "score_below",
        "threshold": Decimal("80.00"),
        "percent": Decimal("5.00"),
        "description": "季度考评得分低于 80 分，扣减当季服务费的 5%",
    },
    {
        "kind": "score_at_least",
        "threshold": Decimal("95.00"),
        "percent": Decimal("2.00"),
        "description": "季度考评得分达到 95 分，奖励当季服务费的 2%",
    },
    {"kind": "warning_below", "threshold": Decimal("70.00"), "description": "季度考评得分低于 70 分，给予书面警告"},
    {
        "kind": "terminate_after_warnings",
        "count": 2,
        "window": 4,
        "description": "连续四个季度内受到两次警告，建议解除合同",
    },
    {"kind": "deduction_cap", "percent": Decimal("10.00"), "description": "每季度扣减总额不超过当季服务费的 10%"},
    {
        "kind": "renewal_preference",
        "count": 3,
        "window": 4,
        "description": "连续四个季度中至少三个季度评为优秀，同等条件下优先续签",
    },
]
