"""Demo data of the service desk (一站式服务平台): the work orders' clocks of the demo's services, and the last four
weeks of hotline calls, walk-ins, letters to the leaders' mailbox, WeChat messages and web reports.

Repair and service requests are work orders in every state: new, sent to the service company, taken, on site,
completed and awaiting the requester's confirmation (one for longer than ``DESK_CONFIRM_DAYS``), declined back to
the office, closed and cancelled; some late (their clocks escalated), callbacks
made (satisfied, could not be reached) and one "not satisfied" that sent a leaking tap back for a second round,
completed and confirmed. Complaints, suggestions and praise: one complaint upheld after the vendor's answer, one not
upheld, one with the vendor, one answered awaiting the ruling, one new; an answered suggestion on the public
board in anonymised words.

Everything goes through the services (``services.desk``, ``services.complaints``) as it happened, with the clock
set back to each moment (``_at``): the rounds' clocks, escalations, events, callbacks and notices are the ones the
product makes. The times are relative to today, on working days. Idempotent: a second run changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from inspections.choices import CallbackResult, Channel, RequestKind, WorkOrderPriority
from inspections.models import (
    WITH_VENDOR,
    Complaint,
    ComplaintEvent,
    ServiceClock,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderRound,
)
from logistics.models import KeyPoint, ServiceCategory, Site
from logistics.quarters import institution_tz

#: the demo services' clocks, minutes (respond, on site, complete) and whether they count working hours only
CLOCKS = {
    WorkOrderPriority.URGENT: (30, 120, 480, False),
    WorkOrderPriority.NORMAL: (120, 480, 1440, True),
    WorkOrderPriority.LOW: (480, 1440, 4800, True),
}
CLOCK_CATEGORIES = ["cleaning", "equipment", "canteen", "security", "greening", "vehicles"]

DAY = 24 * 60
#: the steps the office takes (in its working hours); the vendors' staff and the requesters act at any time
OFFICE_ACTIONS = {"dispatch", "cancel", "close", "callback", "accept", "rule", "reply", "publish"}
H = Channel.HOTLINE
URGENT, NORMAL, LOW = WorkOrderPriority.URGENT, WorkOrderPriority.NORMAL, WorkOrderPriority.LOW
SATISFIED, NOT_SATISFIED, UNREACHABLE = (
    CallbackResult.SATISFIED,
    CallbackResult.NOT_SATISFIED,
    CallbackResult.UNREACHABLE,
)


def due(clock: str, minutes: int) -> tuple[str, int]:
    """A step's time: ``minutes`` after the current round's clock (``response``, ``arrival``, ``completion``)."""
    return (f"{clock}_due", minutes)


@dataclass(frozen=True)
class Job:
    """One request as it came in and what happened to it. ``received``: minutes before now (an int) or
    (working days back, hour, minute); each step is (action, minutes after the previous step or ``due(...)``,
    arguments...)."""

    kind: str
    contract: str  # the demo contract's key: the service, and whose job it is
    channel: str
    text: str
    received: int | tuple[int, int, int]
    site: str = ""
    point: str = ""
    location: str = ""
    who: tuple[str, str] = ("", "")  # name (family name first), mobile number; none: anonymous
    priority: str = NORMAL
    photo: bool = False
    steps: tuple[tuple[Any, ...], ...] = field(default_factory=tuple)


def repair(contract: str, channel: str, text: str, received: Any, *steps: tuple[Any, ...], **more: Any) -> Job:
    return Job(RequestKind.REPAIR, contract, channel, text, received, steps=steps, **more)


def message(kind: str, contract: str, channel: str, text: str, received: Any, *steps: Any, **more: Any) -> Job:
    return Job(kind, contract, channel, text, received, steps=steps, **more)


DONE_TAP = "更换水龙头阀芯密封垫，试水无滴漏。"
JOBS = [
    # --- new, waiting for the office ---------------------------------------------------------------------
    repair(
        "equipment",
        H,
        "八楼东侧走廊顶灯有三盏不亮，晚上加班走廊很暗。",
        35,
        site="main-office",
        point="corridor",
        location="八楼东侧走廊",
        who=("刘科长", "13911020000"),
    ),
    repair(
        "cleaning",
        Channel.WEB,
        "一楼大厅正门口的地垫卷边了，进出容易绊倒。",
        130,
        site="main-1f",
        point="lobby",
        location="一楼大厅正门",
        priority=LOW,
        photo=True,
    ),
    # --- with the service company ------------------------------------------------------------------------
    repair(
        "equipment",
        H,
        "三楼会议室空调不制冷，下午两点还有会。",
        30,
        ("dispatch", 15),
        site="main-office",
        location="三楼301会议室",
        who=("王老师", "13812340000"),
    ),
    repair(  # not taken: its response and arrival clocks passed (escalated), the vendor's queue shows it red
        "cleaning",
        Channel.WALK_IN,
        "七楼男卫生间小便池堵塞，有异味。",
        (2, 10, 5),
        ("dispatch", 20),
        site="main-office",
        point="toilet-std",
        location="七楼男卫生间",
        who=("周师傅", ""),
    ),
    repair(
        "cleaning",
        Channel.WECHAT,
        "一楼大厅东侧地面有一大片水渍，有人差点滑倒。",
        70,
        ("dispatch", 5),
        ("take", 8),
        site="main-1f",
        point="lobby",
        location="一楼大厅东侧电梯口",
        who=("沈女士", "13651780000"),
        priority=URGENT,
        photo=True,
    ),
    repair(
        "equipment",
        H,
        "九楼茶水间开水器不出热水。",
        100,
        ("dispatch", 10),
        ("take", 25),
        site="main-office",
        point="pantry",
        location="九楼茶水间",
        who=("陈女士", "13701230000"),
    ),
    repair(  # taken in time, then neither on site nor done: its arrival and completion clocks escalated
        "equipment",
        Channel.WEB,
        "十二楼电梯厅声控灯不亮，晚上下班一片黑。",
        (6, 16, 5),
        ("dispatch", 25),
        ("take", 40),
        site="main-office",
        point="corridor",
        location="十二楼电梯厅",
    ),
    repair(
        "equipment",
        H,
        "十一楼1105办公室暖气片接口漏水，地上已经积水了。",
        90,
        ("dispatch", 5),
        ("take", 5),
        ("arrive", 25),
        site="main-office",
        location="十一楼1105办公室",
        who=("赵处长", "13601450000"),
        priority=URGENT,
    ),
    # --- completed, awaiting the requester -----------------------------------------------------------------
    repair(
        "equipment",
        Channel.WEB,
        "四楼卫生间感应水龙头不出水。",
        (1, 9, 20),
        ("dispatch", 30),
        ("take", 20),
        ("arrive", 60),
        ("complete", 45, "更换感应器电池并清洗电磁阀滤网，出水正常。", "9V电池1节"),
        site="main-office",
        point="toilet-std",
        location="四楼男卫生间",
        who=("孙女士", "13501670000"),
    ),
    repair(  # completed days ago and never confirmed: the morning reminder lists it for the office
        "cleaning",
        H,
        "六楼茶水间水槽下水很慢，有异味。",
        (6, 9, 40),
        ("dispatch", 25),
        ("take", 30),
        ("arrive", 20),
        ("complete", 50, "疏通水槽下水管，清理存水弯内油污并消毒除味。", ""),
        site="main-office",
        point="pantry",
        location="六楼茶水间",
        who=("吴先生", "13910080000"),
    ),
    # --- declined back to the office, cancelled --------------------------------------------------------------
    repair(  # the company cannot get in: back to the office to arrange access, then to be dispatched again
        "equipment",
        H,
        "八楼走廊吊顶有水渍，一直往下滴水。",
        300,
        ("dispatch", 20),
        (
            "decline",
            40,
            "经现场查看，渗水来自楼上801机要室内的空调冷凝水管，需办公室协调开门后才能进场，请协调后重新派单。",
        ),
        site="main-office",
        point="corridor",
        location="八楼西侧走廊",
        who=("郑女士", "13801350000"),
        photo=True,
    ),
    repair(
        "equipment",
        H,
        "十楼会议室投影幕布放不下来。",
        (3, 14, 30),
        ("cancel", 50, "来电人回电告知，会务人员已手动放下幕布，不再需要维修，本单撤销。"),
        site="main-office",
        location="十楼1002会议室",
        who=("黄老师", "13701880000"),
    ),
    # --- closed ----------------------------------------------------------------------------------------------
    repair(
        "equipment",
        H,
        "五楼复印间门口地面瓷砖翘起，踩上去咯噔响。",
        (8, 10, 20),
        ("dispatch", 15),
        ("take", 30),
        ("arrive", 120),
        ("complete", 90, "铲除空鼓地砖两块，重新铺贴并勾缝，养护期内已设警示标志。", "300×300地砖2块、瓷砖胶1袋"),
        ("confirm", 300, 5),
        site="main-office",
        point="corridor",
        location="五楼复印间门口",
        who=("何科长", "13522870000"),
    ),
    repair(  # completed after its completion clock had passed (escalated); closed by the office, called back
        "equipment",
        H,
        "中央空调机房冷却水泵有异响，值班人员担心停机。",
        (10, 14, 10),
        ("dispatch", 15),
        ("take", 30),
        ("arrive", 80),
        (
            "complete",
            due("completion", 185),
            "更换水泵轴承和机械密封，试运行两小时无异响。",
            "轴承6308两只、机械密封一套",
        ),
        ("close", 3 * DAY, "报修人三日内未确认，办公室已现场查看，水泵运行正常。"),
        ("callback", DAY, SATISFIED, "回访钱工，水泵运行平稳，表示满意。"),
        site="plant-room",
        point="chiller",
        location="B1中央空调机房2号冷却泵",
        who=("钱工", "13601230000"),
    ),
    repair(  # a callback "not satisfied": round 2 to the same company, completed and confirmed
        "equipment",
        H,
        "五楼女卫生间水龙头漏水，关不紧，一直滴。",
        (9, 9, 10),
        ("dispatch", 20),
        ("take", 15),
        ("arrive", 50),
        ("complete", 40, DONE_TAP, "阀芯密封垫2个"),
        ("close", 3 * DAY + 60, "报修人三日内未确认，办公室电话联系后关闭。"),
        ("callback", DAY, NOT_SATISFIED, "回访李女士：水龙头过了两天又开始滴水，关紧后仍有渗漏。"),
        ("take", 30),
        ("arrive", 90),
        ("complete", 40, "更换整只单把混水龙头和进水软管，试水三十分钟无渗漏。", "单把混水龙头1只、进水软管2根"),
        ("confirm", 120, 5),
        site="main-office",
        point="toilet-std",
        location="五楼女卫生间",
        who=("李女士", "13811220000"),
    ),
    repair(  # closed by the office; the requester could not be reached on the callback
        "cleaning",
        Channel.WEB,
        "一楼公共卫生间洗手液用完了，烘手器也不工作。",
        (7, 11, 0),
        ("dispatch", 30),
        ("take", 20),
        ("complete", 40, "补充洗手液，烘手器重新插电复位后正常。", "洗手液2瓶"),
        ("close", 3 * DAY + 120, "报修人三日内未确认，办公室已现场查看。"),
        ("callback", DAY, UNREACHABLE, "两次拨打电话均无人接听。"),
        site="main-1f",
        point="toilet-1f",
        location="一楼公共卫生间",
        who=("冯女士", "13911550000"),
    ),
    repair(  # closed by the office yesterday: its callback is still to make
        "equipment",
        Channel.WECHAT,
        "七楼703办公室两个插座没电。",
        (5, 15, 30),
        ("dispatch", 20),
        ("take", 30),
        ("arrive", 60),
        ("complete", 40, "更换烧毁的插座面板两只，检查回路绝缘正常。", "五孔插座面板2只"),
        ("close", 3 * DAY + 30, "报修人三日内未确认，办公室电话联系后关闭。"),
        site="main-office",
        location="七楼703办公室",
        who=("蒋老师", "13671250000"),
    ),
    repair(
        "canteen",
        Channel.WECHAT,
        "就餐区3号窗口保温台不加热，菜端到手里都凉了。",
        (12, 11, 45),
        ("dispatch", 10),
        ("take", 15),
        ("arrive", 10),
        ("complete", 120, "更换保温台加热管，温度恢复到65℃。", "加热管1根"),
        ("confirm", 200, 5),
        site="canteen",
        point="dining-hall",
        location="就餐区3号窗口",
        who=("何老师", "13651230000"),
    ),
    repair(
        "greening",
        H,
        "主楼前草坪有个喷灌喷头坏了，一直往人行道上喷水。",
        (11, 8, 50),
        ("dispatch", 10),
        ("take", 10),
        ("arrive", 30),
        ("complete", 60, "更换损坏的喷头并调整喷洒角度，人行道已清扫。", "旋转喷头1个"),
        ("confirm", 240, 4),
        site="grounds",
        point="lawn",
        location="主楼前草坪东侧",
        who=("许科长", "13522340000"),
        priority=URGENT,
    ),
    repair(
        "security",
        H,
        "东门人行闸机刷卡没反应，早上排了很长的队。",
        (13, 8, 5),
        ("dispatch", 5),
        ("take", 5),
        ("arrive", 10),
        ("complete", 55, "重启闸机控制器并更换读卡模块，通行恢复正常。", "读卡模块1块"),
        ("confirm", 120, 5),
        site="gate",
        point="east-gate",
        location="东门人行通道",
        who=("曹老师", "13801460000"),
        priority=URGENT,
    ),
    repair(
        "vehicles",
        Channel.MAILBOX,
        "明天早上7点半需要用车一辆，送材料到市政府，共3人。",
        (4, 16, 0),
        ("dispatch", 10),
        ("take", 15),
        ("complete", 60, "已安排车辆京A·D1234，驾驶员郭师傅，次日7:20到主楼门口等候。", ""),
        ("confirm", 24 * 60, 5),
        location="主楼门口",
        who=("杨秘书", "13910450000"),
    ),
    repair(
        "cleaning",
        Channel.WEB,
        "十楼走廊地毯上有一大片咖啡渍。",
        (14, 9, 30),
        ("dispatch", 30),
        ("take", 60),
        ("complete", 180, "使用地毯清洗机局部清洗并吹干，污渍已去除。", ""),
        ("confirm", 300, 4),
        site="main-office",
        point="corridor",
        location="十楼走廊",
        who=("彭女士", "13501230000"),
        priority=LOW,
    ),
    repair(
        "equipment",
        H,
        "地下一层发电机房门禁刷卡失灵，值班人员进不去。",
        (15, 10, 0),
        ("dispatch", 10),
        ("take", 10),
        ("arrive", 30),
        ("complete", 70, "更换门禁读卡器电源模块，重新录入值班人员门禁卡。", "电源模块1个"),
        ("confirm", 120, 5),
        site="plant-room",
        point="generator",
        location="B1发电机房",
        who=("韩工", "13601880000"),
        priority=URGENT,
    ),
    repair(
        "cleaning",
        Channel.WALK_IN,
        "一楼大厅玻璃门上手印很多，来宾进门看着不好。",
        (16, 9, 0),
        ("dispatch", 20),
        ("take", 30),
        ("complete", 90, "擦拭大厅玻璃门及侧窗，已列入每日两次的保洁项目。", ""),
        ("confirm", 240, 5),
        site="main-1f",
        point="lobby",
        location="一楼大厅正门",
        who=("邓老师", "13711230000"),
        priority=LOW,
    ),
    # --- complaints, suggestions, praise ---------------------------------------------------------------------
    message(  # upheld after the vendor's answer, closed, called back: satisfied
        RequestKind.COMPLAINT,
        "canteen",
        Channel.WALK_IN,
        "今天中午的米饭夹生，这周已经是第二次了。",
        (12, 12, 40),
        ("accept", 60),
        ("answer", 300, "经查为蒸饭柜温控器故障，蒸饭时间不足。已更换温控器，并规定每批米饭出锅前由厨师长抽检。"),
        ("rule", DAY, True, "经现场核查和留样检查，米饭未蒸熟属实，出餐前未按规定检查，投诉成立。"),
        ("close", 60, "经核实您反映的问题属实，已责成餐饮公司整改，并按合同约定处理。感谢您的监督。"),
        ("callback", 2 * DAY, SATISFIED, "回访马老师，近期米饭质量正常，表示满意。"),
        site="canteen",
        point="dining-hall",
        who=("马老师", "13801990000"),
    ),
    message(  # not upheld after the vendor's answer, closed, called back: could not be reached
        RequestKind.COMPLAINT,
        "cleaning",
        H,
        "七楼卫生间早上八点多了还没打扫，很脏。",
        (10, 8, 25),
        ("accept", 30),
        ("answer", 180, "保洁排班为7:30至8:30逐层清扫，七楼卫生间当日8:15开始清扫，附签到记录。来电时正在作业。"),
        (
            "rule",
            DAY,
            False,
            "经查保洁签到记录和楼层监控，七楼卫生间当日8:15开始清扫，来电时正在作业，未超出服务标准规定的时间，"
            "投诉不成立。",
        ),
        ("close", 60, "经核实，保洁人员当时正在按排班清扫。已请保洁公司作业时摆放提示牌。感谢您的反映。"),
        ("callback", 2 * DAY, UNREACHABLE, "两次拨打电话均无人接听。"),
        site="main-office",
        point="toilet-std",
        location="七楼女卫生间",
        who=("罗女士", "13911670000"),
    ),
    message(  # a letter to the leaders' mailbox, with the security company
        RequestKind.COMPLAINT,
        "security",
        Channel.MAILBOX,
        "东门保安对来办事的群众态度生硬，说话不耐烦，希望加强管理。",
        (2, 15, 0),
        ("accept", 120),
        site="gate",
        point="east-gate",
    ),
    message(  # answered by the canteen, awaiting the office's ruling
        RequestKind.COMPLAINT,
        "canteen",
        Channel.WECHAT,
        "食堂窗口排队时间太长，中午十二点前后要排二十分钟。",
        (4, 12, 20),
        ("accept", 60),
        ("answer", DAY, "已在11:50至12:20高峰时段增开两个打饭窗口，并增加一名收餐人员。"),
        site="canteen",
        point="dining-hall",
        who=("韩先生", "13651890000"),
    ),
    message(
        RequestKind.COMPLAINT,
        "security",
        Channel.BOARD,
        "院内快递柜旁边电动车乱停乱放，把消防通道都堵住了。",
        180,
        site="main-1f",
        point="fire-exit-1f",
        photo=True,
    ),
    message(  # answered by the office and put on the public board in words that name nobody
        RequestKind.SUGGESTION,
        "canteen",
        Channel.BOARD,
        "我是三楼规划处的小刘，建议食堂晚餐增加打包外带服务，我们处加班的同事经常赶不上饭点。电话13911230000。",
        (6, 19, 10),
        (
            "reply",
            DAY,
            "感谢您的建议。自下周一起，机关餐厅晚餐时段（17:30至18:30）提供打包外带，餐盒免费，可在2号窗口领取。",
        ),
        (
            "publish",
            90,
            "建议食堂晚餐增加打包外带服务，方便加班的同事用餐。",
            "感谢建议。机关餐厅晚餐时段（17:30至18:30）已提供打包外带服务，餐盒免费，可在2号窗口领取。",
        ),
        site="canteen",
        who=("刘先生", "13911230000"),
    ),
    message(
        RequestKind.SUGGESTION,
        "security",
        Channel.RECEPTION,
        "建议在院区增设电动自行车充电桩，现在很多同事骑电动车上班，充电不方便。",
        (3, 10, 30),
        site="garage",
        who=("蒋老师", "13671250000"),
    ),
    message(
        RequestKind.SUGGESTION,
        "cleaning",
        Channel.MAILBOX,
        "建议下雨天在主楼一层大厅门口放置伞套机，大厅地面太滑。",
        (9, 16, 0),
        ("reply", 2 * DAY, "感谢您的建议。已在一层大厅正门和东门各放置一台伞套机，雨天另加铺防滑垫。"),
        site="main-1f",
        point="lobby",
    ),
    message(
        RequestKind.PRAISE,
        "equipment",
        H,
        "感谢设备维修公司的师傅周六加班修好了会议室空调，没耽误周一的会。",
        (5, 9, 15),
        ("reply", 120, "感谢您的肯定，已转告服务企业，并记入本月服务评价。"),
        site="main-office",
        who=("王老师", "13812340000"),
    ),
    message(
        RequestKind.PRAISE,
        "cleaning",
        Channel.WECHAT,
        "保洁阿姨在一楼大厅捡到一个钱包交到了服务台，失主已经领回，特此感谢。",
        (8, 14, 45),
        ("reply", 180, "感谢您的反映，已通报表扬该保洁员，并转告服务企业。"),
        site="main-1f",
        point="lobby",
        who=("沈女士", "13651780000"),
    ),
]


def _jpeg() -> bytes:
    """A small photo for the demo's reports and completion evidence (drawn, no file needed)."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (480, 360), (196, 202, 206))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((60, 60, 420, 300), outline=(90, 96, 102), width=6)
    draw.line((60, 300, 420, 60), fill=(120, 126, 132), width=4)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


@contextlib.contextmanager
def _at(moment: dt.datetime) -> Iterator[None]:
    """Run the services as if it were ``moment``. The events' ``at`` defaults to the real time (the field's default
    was bound at import): the events made meanwhile are set back to ``moment`` afterwards."""
    real_now = timezone.now
    started = real_now()
    timezone.now = lambda: moment
    try:
        yield
    finally:
        timezone.now = real_now
        WorkOrderEvent.objects.filter(at__gte=started).update(at=moment)
        ComplaintEvent.objects.filter(at__gte=started).update(at=moment)


class _Desk:
    def __init__(self, context: dict[str, Any]) -> None:
        from inspections.demo import _vendor_user

        self.now = timezone.now()
        self.today = timezone.localdate(self.now, institution_tz())
        self.office = context["users"]["office"]
        self.contracts = context["contracts"]
        self.staff = {key: _vendor_user(contract.vendor, key) for key, contract in self.contracts.items()}
        self.sites = {site.code: site for site in Site.objects.all()}
        self.points = {(p.site_id, p.code): p for p in KeyPoint.objects.all()}
        self.photo = _jpeg()

    # --- time -----------------------------------------------------------------------------------------------
    def _workday(self, back: int) -> dt.date:
        day = self.today
        while back > 0:
            day -= dt.timedelta(days=1)
            if day.weekday() < 5:
                back -= 1
        return day

    def received(self, job: Job) -> dt.datetime:
        if isinstance(job.received, int):
            return self.now - dt.timedelta(minutes=job.received)
        back, hour, minute = job.received
        return dt.datetime.combine(self._workday(back), dt.time(hour, minute), tzinfo=institution_tz())

    def when(self, last: dt.datetime, delay: Any, order: WorkOrder | None, action: str) -> dt.datetime:
        if isinstance(delay, tuple):  # after a clock of the current round
            clock, minutes = delay
            moment = getattr(self._round(order), clock) + dt.timedelta(minutes=minutes)
        else:
            moment = last + dt.timedelta(minutes=delay)
        if action in OFFICE_ACTIONS:
            moment = self.office_hours(moment)
        # never in the future (a holiday may push a clock past today): then as late as may be
        return max(last, min(moment, self.now - dt.timedelta(minutes=1)))

    def office_hours(self, moment: dt.datetime) -> dt.datetime:
        """The office acts on working days (Monday to Friday) from 09:00 to 17:30: a later moment is the next
        working morning's, unless that is still to come (a request of today is handled today)."""
        local = timezone.localtime(moment, institution_tz())
        day = local.date()
        if local.time() >= dt.time(17, 30):
            day += dt.timedelta(days=1)
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        if day == local.date() and local.time() >= dt.time(9, 0):
            return moment
        morning = dt.datetime.combine(day, dt.time(9, 0), tzinfo=institution_tz())
        return morning if morning < self.now else moment

    def upload(self) -> ContentFile:
        return ContentFile(self.photo, name="photo.jpg")

    # --- the clocks' escalation, as the beat does it every 10 minutes ---------------------------------------
    @staticmethod
    def _round(order: WorkOrder) -> WorkOrderRound:
        return WorkOrderRound.objects.get(order=order, number=order.rounds)

    def escalate(self, order: WorkOrder, until: dt.datetime) -> None:
        from inspections.services.desk import work_orders_escalate

        order.refresh_from_db(fields=["status", "rounds"])
        if order.status not in WITH_VENDOR:
            return
        job = self._round(order)
        for clock, done in (("response", "accepted_at"), ("arrival", "arrived_at"), ("completion", "completed_at")):
            tick = getattr(job, f"{clock}_due") + dt.timedelta(minutes=7)
            if tick < until and getattr(job, f"{clock}_escalated_at") is None and getattr(job, done) is None:
                with _at(tick):
                    work_orders_escalate(now=tick)
                job.refresh_from_db()

    # --- one request ----------------------------------------------------------------------------------------
    def run(self, job: Job) -> None:
        from inspections.services import desk

        contract = self.contracts[job.contract]
        site = self.sites.get(job.site)
        point = self.points.get((site.pk, job.point)) if site and job.point else None
        name, phone = job.who
        moment = self.received(job)
        office_channel = job.channel not in (Channel.WEB, Channel.BOARD)
        with _at(moment):
            record = desk.desk_intake(
                kind=job.kind,
                channel=job.channel,
                category=contract.category,
                description=job.text,
                site=site,
                key_point=point,
                location=job.location,
                anonymous=not (name or phone),
                name=name,
                phone=phone,
                photos=[self.upload()] if job.photo else None,
                priority=job.priority,
                received_at=moment if job.kind == RequestKind.REPAIR else None,
                by=self.office if office_channel else None,
            )
        order = record if isinstance(record, WorkOrder) else None
        for action, delay, *args in job.steps:
            moment = self.when(moment, delay, order, action)
            if order is not None:
                self.escalate(order, moment)
                with _at(moment):
                    self.order_step(order, contract, action, args)
            else:
                with _at(moment):
                    self.message_step(record, contract, action, args)
        if order is not None:
            self.escalate(order, self.now)

    def order_step(self, order: WorkOrder, contract: Any, action: str, args: list[Any]) -> None:
        from inspections.services import desk

        order.refresh_from_db()
        staff = self.staff[self.contracts_key(order.contract_id)] if order.contract_id else None
        if action == "dispatch":
            desk.work_order_dispatch(order=order, contract=contract, by=self.office)
        elif action == "take":
            desk.work_order_take(order=order, by=staff)
        elif action == "arrive":
            desk.work_order_arrive(order=order, by=staff)
        elif action == "complete":
            desk.work_order_complete(order=order, note=args[0], parts=args[1], photos=[self.upload()], by=staff)
        elif action == "decline":
            desk.work_order_decline(order=order, reason=args[0], by=staff)
        elif action == "cancel":
            desk.work_order_cancel(order=order, reason=args[0], by=self.office)
        elif action == "confirm":
            desk.work_order_confirm(order=order, fixed=True, rating=args[0])
        elif action == "close":
            desk.work_order_close(order=order, note=args[0], by=self.office)
        elif action == "callback":
            self.callback(order, args)
        else:  # pragma: no cover - a typo in the table above
            raise ValueError(action)

    def message_step(self, complaint: Complaint, contract: Any, action: str, args: list[Any]) -> None:
        from inspections.services import complaints, desk

        complaint.refresh_from_db()
        if action == "accept":
            complaints.complaint_accept(complaint=complaint, contract=contract, by=self.office)
        elif action == "answer":
            staff = self.staff[self.contracts_key(complaint.contract_id)]
            complaints.complaint_answer(complaint=complaint, response=args[0], by=staff)
        elif action == "rule":
            complaints.complaint_rule(complaint=complaint, upheld=args[0], reason=args[1], by=self.office)
        elif action == "close":
            complaints.complaint_close(complaint=complaint, reply=args[0], by=self.office)
        elif action == "reply":
            complaints.complaint_reply(complaint=complaint, reply=args[0], by=self.office)
        elif action == "publish":
            desk.complaint_publish(complaint=complaint, text=args[0], reply=args[1], by=self.office)
        elif action == "callback":
            self.callback(complaint, args)
        else:  # pragma: no cover
            raise ValueError(action)

    def callback(self, job: Any, args: list[Any]) -> None:
        from inspections.services import desk

        callback = job.callbacks.filter(done_at__isnull=True).order_by("number").first()
        if callback is not None:
            desk.callback_record(callback=callback, result=args[0], note=args[1], by=self.office)

    def sampled_callbacks(self, texts: list[str]) -> None:
        """The work orders the callback sample picked (``DESK_CALLBACK_SAMPLE_PERCENT``, by a keyed hash: which ones
        depends on the installation's key) were called back the working day after they were closed, but for those
        due from yesterday on: they are on the list of callbacks to make."""
        from inspections.models import Callback
        from inspections.services import desk

        for callback in Callback.objects.filter(
            done_at__isnull=True,
            work_order__description__in=texts,
            due_on__lt=self.today - dt.timedelta(days=1),
        ).order_by("pk"):
            with _at(self.when(callback.created_at, DAY, None, "callback")):
                desk.callback_record(
                    callback=callback, result=SATISFIED, note="回访报修人，对维修结果满意。", by=self.office
                )

    def contracts_key(self, contract_id: int) -> str:
        return next(key for key, c in self.contracts.items() if c.pk == contract_id)


def seed_clocks(categories: list[ServiceCategory]) -> int:
    made = 0
    for category in categories:
        for priority, (response, arrival, completion, working_hours) in CLOCKS.items():
            _row, created = ServiceClock.objects.get_or_create(
                category=category,
                priority=priority,
                defaults={
                    "response_minutes": response,
                    "arrival_minutes": arrival,
                    "completion_minutes": completion,
                    "working_hours_only": working_hours,
                },
            )
            made += created
    return made


def seed(context: dict[str, Any]) -> dict[str, int]:
    """The desk's clocks and its last four weeks (skipped once they are there); returns what was made."""
    contracts = context["contracts"]
    seed_clocks(list(ServiceCategory.objects.filter(code__in=CLOCK_CATEGORIES)))
    texts = [job.text for job in JOBS]
    if (
        WorkOrder.objects.filter(description__in=texts).exists()
        or Complaint.objects.filter(description__in=texts).exists()
    ):
        return {}
    desk = _Desk(context)
    jobs = [job for job in JOBS if job.contract in contracts]  # a smaller world runs what it can
    for job in sorted(jobs, key=desk.received):
        desk.run(job)
    desk.sampled_callbacks(texts)
    from inspections.services.desk import work_orders_remind_confirm

    work_orders_remind_confirm(now=desk.now)
    made = {
        "work_orders": WorkOrder.objects.filter(description__in=texts).count(),
        "messages": Complaint.objects.filter(description__in=texts).count(),
    }
    if "stdout" in context:
        context["stdout"].write(f"    service desk: {made['work_orders']} work orders, {made['messages']} messages")
    return made
