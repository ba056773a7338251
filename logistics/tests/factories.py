"""Factories of the core app's models."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from logistics.credit_code import check_digit
from logistics.models import Department, KeyPoint, ServiceCategory, Site, User, Vendor, VendorStatus


def credit_code_for(n: int) -> str:
    """A valid, distinct unified social credit code for test vendor number ``n``."""
    first17 = f"91110105MA{n:07d}"
    return first17 + check_digit(first17)


def numbered(code: str, name: str, name_en: str) -> tuple[factory.Sequence, factory.Sequence, factory.Sequence]:
    """The numbered ``code``, ``name`` and ``name_en`` of a reference record: ``dept-3``, ``部门3``, ``Department 3``."""
    return (
        factory.Sequence(lambda n: f"{code}-{n}"),
        factory.Sequence(lambda n: f"{name}{n}"),
        factory.Sequence(lambda n: f"{name_en} {n}"),
    )


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["code"]

    code, name, name_en = numbered("dept", "部门", "Department")
    kind = Department.Kind.LOGISTICS


class ServiceCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCategory
        django_get_or_create = ["code"]

    code = "cleaning"
    name = "卫生保洁"
    name_en = "Cleaning"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ["code"]

    code, name, name_en = numbered("site", "楼宇", "Building")
    building = "主楼"


class KeyPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyPoint

    site = factory.SubFactory(SiteFactory)
    code, name, name_en = numbered("kp", "重点部位", "Key point")


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    legal_name = factory.Sequence(lambda n: f"测试服务有限公司{n}")
    credit_code = factory.Sequence(credit_code_for)
    legal_representative = "张三"
    registered_capital = Decimal("3000000.00")
    status = VendorStatus.ADMITTED
    similar_projects = 5
    management_experience_years = 5


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "测试"
    last_name = "用户"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    password = factory.django.Password("test-password-123")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if create and extracted:
            from logistics.roles import sync_role_groups

            if not Group.objects.filter(name=extracted).exists():
                sync_role_groups()
            self.groups.add(Group.objects.get(name=extracted))


class CertificateTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "logistics.CertificateType"
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"type-{n}")
    name = factory.Sequence(lambda n: f"证书{n}")
    name_en = factory.Sequence(lambda n: f"Certificate {n}")


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "logistics.Certificate"

    vendor = factory.SubFactory(VendorFactory)
    type = factory.SubFactory(CertificateTypeFactory)
    number = factory.Sequence(lambda n: f"NO-{n:06d}")
    issued_on = datetime.date(2020, 1, 1)
    expires_on = None


class TenderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "logistics.Tender"

    number = factory.Sequence(lambda n: f"ZB-T-{n:04d}")
    title = factory.Sequence(lambda n: f"保洁服务项目{n}")
    category = factory.SubFactory(ServiceCategoryFactory)
    scope = "办公楼日常保洁"
    period_start = datetime.date(2027, 1, 1)
    period_end = datetime.date(2028, 12, 31)
    budget_ceiling = Decimal("1000000.00")
    bid_deadline = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    opening_at = factory.LazyAttribute(lambda t: t.bid_deadline + datetime.timedelta(hours=1))
    price_weight = Decimal(30)


class TenderCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "logistics.TenderCriterion"

    tender = factory.SubFactory(TenderFactory)
    name = factory.Sequence(lambda n: f"技术标准{n}")
    weight = Decimal(35)


class BidFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "logistics.Bid"

    tender = factory.SubFactory(TenderFactory)
    vendor = factory.SubFactory(VendorFactory)
    price = Decimal("900000.00")
    proposal = "技术方案"
    past_projects = 3


# --- a tender's steps -----------------------------------------------------------------------------------
def published_tender(by: User, **kwargs: object):
    """A tender with one technical criterion of 70 points, published by ``by``."""
    from logistics.services import tenders

    tender = TenderFactory(**kwargs)
    TenderCriterionFactory(tender=tender, weight=Decimal(70))
    tenders.tender_publish(tender=tender, by=by)
    tender.refresh_from_db()
    return tender


def move_past_opening(tender, deadline: datetime.datetime | None = None) -> None:
    """Tests travel in time by moving the tender's dates into the past: the bid deadline two hours ago (or at
    ``deadline``), the opening an hour after it."""
    from logistics.models import Tender

    deadline = deadline or timezone.now() - datetime.timedelta(hours=2)
    Tender.objects.filter(pk=tender.pk).update(bid_deadline=deadline, opening_at=deadline + datetime.timedelta(hours=1))
    tender.refresh_from_db()


def bid_on(tender, vendor: Vendor, price: Decimal | int | str, licence: bool = True):
    """``vendor``'s bid at ``price`` with three past projects, the vendor admitted for the tender's category and
    (unless ``licence=False``) holding a business licence."""
    from logistics.models import CertificateType
    from logistics.services import tenders

    vendor.admitted_categories.add(tender.category)
    if licence:
        CertificateFactory(vendor=vendor, type=CertificateType.objects.get(code="business_licence"))
    return tenders.bid_submit(tender=tender, vendor=vendor, price=Decimal(price), proposal="方案", past_projects=3)
