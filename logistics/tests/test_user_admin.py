"""The office manages the people of its institution and nothing more (issue 17, cause 1: an office user made
itself superuser and set the superuser's password through Django's stock user admin)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group

from logistics.models import Notification, User
from logistics.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user, office_user):
    superuser = make_user(None, username="root", is_superuser=True, is_staff=True)
    other_office = make_user("office", username="office2", is_staff=True)
    inspector = make_user("inspector", username="insp", email="insp@example.cn")
    return {"root": superuser, "office2": other_office, "inspector": inspector, "office": office_user}


def change(client, user, **data):
    base = {"username": user.username, "last_name": "张", "first_name": "伟", "email": user.email or ""}
    return client.post(f"/admin/logistics/user/{user.pk}/change/", {**base, **data})


def test_the_office_cannot_raise_anybodys_privileges(client_for, people):
    client = client_for(people["office"])
    # its own account: an office account is not the office's to change
    response = change(client, people["office"], is_superuser="on", is_staff="on", role="office")
    assert response.status_code == 403
    # an inspector's: the privileges posted are not fields of the office's form
    response = change(
        client,
        people["inspector"],
        is_superuser="on",
        is_staff="on",
        role="inspector",
        is_active="on",
        user_permissions=["1", "2"],
        groups=[str(Group.objects.get(name="office").pk)],
    )
    assert response.status_code == 302
    inspector = User.objects.get(pk=people["inspector"].pk)
    assert (inspector.is_superuser, inspector.is_staff, inspector.user_permissions.count()) == (False, False, 0)
    assert list(inspector.groups.values_list("name", flat=True)) == ["inspector"]
    assert inspector.get_full_name() == "张伟"
    # nor grant the office role
    response = change(client, people["inspector"], role="office", is_active="on")
    groups = User.objects.get(pk=people["inspector"].pk).groups.values_list("name", flat=True)
    assert response.status_code == 200 and list(groups) == ["inspector"]


def test_the_office_cannot_see_a_superuser_nor_change_another_office_account(client_for, people):
    client = client_for(people["office"])
    listing = client.get("/admin/logistics/user/").content.decode()
    assert "root" not in listing and "insp" in listing
    assert client.get(f"/admin/logistics/user/{people['root'].pk}/change/").status_code == 302  # "does not exist"
    assert change(client, people["root"], is_active="").status_code == 302  # to the index: not found
    assert User.objects.get(pk=people["root"].pk).is_active
    # another office account: read-only, and a POST is refused
    page = client.get(f"/admin/logistics/user/{people['office2'].pk}/change/")
    assert page.status_code == 200 and 'name="username"' not in page.content.decode()
    assert change(client, people["office2"], is_active="").status_code == 403
    assert User.objects.get(pk=people["office2"].pk).is_active


def test_nobody_but_a_superuser_sets_a_password(client_for, people):
    client = client_for(people["office"])
    for target in ("inspector", "root", "office2"):
        url = f"/admin/logistics/user/{people[target].pk}/password/"
        assert client.get(url).status_code in (403, 302)
        response = client.post(url, {"password1": "Taken-over-2026", "password2": "Taken-over-2026"})
        assert response.status_code in (403, 302)
        assert not User.objects.get(pk=people[target].pk).check_password("Taken-over-2026")
    # nor delete anybody
    assert client.post(f"/admin/logistics/user/{people['inspector'].pk}/delete/", {"post": "yes"}).status_code == 403
    # a superuser does
    root = client_for(people["root"])
    url = f"/admin/logistics/user/{people['inspector'].pk}/password/"
    assert root.post(url, {"password1": "Set-by-root-2026", "password2": "Set-by-root-2026"}).status_code == 302
    assert User.objects.get(pk=people["inspector"].pk).check_password("Set-by-root-2026")


def test_the_office_adds_a_person_who_sets_their_own_password_from_the_link(client_for, people, client):
    office = client_for(people["office"])
    vendor = VendorFactory()
    # vendor staff need their vendor
    data = {"username": "li.min", "last_name": "李", "first_name": "敏", "email": "li.min@example.cn", "role": "vendor"}
    response = office.post("/admin/logistics/user/add/", {**data, "is_active": "on"})
    assert response.status_code == 200 and not User.objects.filter(username="li.min").exists()
    response = office.post("/admin/logistics/user/add/", {**data, "is_active": "on", "vendor": vendor.pk})
    assert response.status_code == 302
    person = User.objects.get(username="li.min")
    assert (person.has_usable_password(), person.is_staff, person.vendor_id) == (False, False, vendor.pk)
    assert list(person.groups.values_list("name", flat=True)) == ["vendor"]
    # the link arrives by email (through the outbox) and works once
    note = Notification.objects.get(email="li.min@example.cn")
    link = re.search(r"https?://\S+/accounts/reset/\S+/", note.body).group(0)
    path = "/" + link.split("/", 3)[3]
    client.logout()
    form = client.get(path, follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else path,
        {"new_password1": "Min-own-pass-2026", "new_password2": "Min-own-pass-2026"},
    )
    assert response.status_code == 302
    assert User.objects.get(username="li.min").check_password("Min-own-pass-2026")
    assert client.get(path, follow=True).context["validlink"] is False  # once only
