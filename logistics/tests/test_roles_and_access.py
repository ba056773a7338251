"""Role groups with their permissions, and the one place that decides object-level access."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from logistics.access import roles_of, scoped
from logistics.models import Site, Vendor
from logistics.roles import Role, permission_codenames, sync_role_groups
from logistics.tests.factories import SiteFactory, VendorFactory

pytestmark = pytest.mark.django_db


def perms_of(group_name: str, app_label: str = "logistics") -> set[str]:
    group = Group.objects.get(name=group_name)
    return set(group.permissions.filter(content_type__app_label=app_label).values_list("codename", flat=True))


def test_the_four_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {"office", "inspector", "vendor", "leader"}


def test_leaders_only_read():
    perms = perms_of("leader")
    assert perms and all(codename.startswith("view_") for codename in perms)
    assert "view_vendor" in perms and "view_user" not in perms and "view_outboxmessage" not in perms


def test_office_manages_the_core_records():
    perms = perms_of("office")
    for model in ("department", "site", "keypoint", "servicecategory", "vendor", "user"):
        for action in ("view", "add", "change", "delete"):
            assert f"{action}_{model}" in perms
    assert "view_outboxmessage" not in perms


def test_inspectors_and_vendors_read_reference_data_only():
    assert {"view_site", "view_keypoint", "view_servicecategory", "view_vendor"} <= perms_of("inspector")
    assert not {p for p in perms_of("inspector") if not p.startswith("view_")}
    assert "add_vendor" not in perms_of("vendor")
    assert "change_site" not in perms_of("vendor")


def test_permission_table_is_exact_for_a_made_up_catalogue():
    available = [
        ("logistics", "site", "view_site"),
        ("logistics", "site", "add_site"),
        ("logistics", "user", "view_user"),
        ("logistics", "historicalsite", "view_historicalsite"),
    ]
    assert permission_codenames(Role.LEADER, available) == {("logistics", "view_site")}
    assert permission_codenames(Role.OFFICE, available) == {
        ("logistics", "view_site"),
        ("logistics", "add_site"),
        ("logistics", "view_user"),
    }


def test_sync_only_adds_and_is_idempotent():
    group = Group.objects.get(name="leader")
    before = set(group.permissions.values_list("pk", flat=True))
    sync_role_groups()
    sync_role_groups()
    assert set(group.permissions.values_list("pk", flat=True)) == before


def test_roles_of(office_user, inspector_user, vendor_user, leader_user, make_user):
    assert roles_of(office_user) == {"office"}
    assert roles_of(inspector_user) == {"inspector"}
    assert roles_of(vendor_user) == {"vendor"}
    assert roles_of(leader_user) == {"leader"}
    assert roles_of(make_user(None, username="nobody")) == frozenset()
    assert roles_of(make_user(None, username="root", is_superuser=True)) == {"office"}


def test_vendor_staff_see_only_their_own_vendor(vendor_user, vendor_a, vendor_b):
    assert list(scoped(vendor_user, Vendor.objects.all())) == [vendor_a]


def test_office_leaders_and_inspectors_see_every_vendor(office_user, leader_user, inspector_user, vendor_a, vendor_b):
    for user in (office_user, leader_user, inspector_user):
        assert set(scoped(user, Vendor.objects.all())) == {vendor_a, vendor_b}


def test_users_without_a_role_see_nothing(make_user, vendor_a):
    SiteFactory()
    nobody = make_user(None, username="nobody")
    assert scoped(nobody, Vendor.objects.all()).count() == 0
    assert scoped(nobody, Site.objects.all()).count() == 0


def test_reference_data_is_visible_to_every_role(vendor_user, inspector_user):
    site = SiteFactory()
    assert list(scoped(vendor_user, Site.objects.all())) == [site]
    assert list(scoped(inspector_user, Site.objects.all())) == [site]


def test_api_answers_404_outside_the_scope_and_403_for_a_missing_permission(
    api_client, vendor_user, vendor_b, leader_user
):
    site = SiteFactory()
    api_client.force_authenticate(leader_user)
    assert api_client.get(f"/api/sites/{site.pk}/").status_code == 200
    assert api_client.patch(f"/api/sites/{site.pk}/", {"name": "改名"}, format="json").status_code == 403
    api_client.force_authenticate(vendor_user)
    assert api_client.get(f"/api/sites/{site.pk}/").status_code == 200
    assert api_client.delete(f"/api/sites/{site.pk}/").status_code == 403
    Site.objects.get(pk=site.pk)  # still there
    api_client.force_authenticate(None)
    assert api_client.get("/api/sites/").status_code == 403


def test_admin_lists_are_scoped_the_same_way(client_for, make_user, vendor_a, vendor_b):
    # given a staff member of a vendor who was (wrongly) allowed into the admin
    user = make_user("vendor", username="vendor-staff", vendor=vendor_a, is_staff=True)
    from django.contrib.admin.sites import site as admin_site
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/logistics/site/")
    request.user = user
    model_admin = admin_site._registry[Site]
    SiteFactory()
    SiteFactory()
    assert model_admin.get_queryset(request).count() == 2  # reference data: visible
    assert VendorFactory  # vendors get their admin with the tendering issue
