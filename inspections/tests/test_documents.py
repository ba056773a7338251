"""QR sheets: rendered by a task into a PDF with the CJK font embedded and a code per place."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from logistics import documents
from logistics.models import Document
from logistics.tests.factories import KeyPointFactory, SiteFactory

pytestmark = pytest.mark.django_db


def test_the_complaint_qr_sheet(office_user, django_capture_on_commit_callbacks, client_for, tmp_path, settings):
    settings.PUBLIC_BASE_URL = "https://logistics.example.cn"
    site = SiteFactory(code="main-1f", name="办公主楼一层", name_en="Main building")
    KeyPointFactory(site=site, code="toilet", name="一层卫生间")
    with django_capture_on_commit_callbacks(execute=True):
        document = documents.document_request(
            kind="complaint_qr_sheet", title="二维码", params={"sites": [site.pk], "key_points": True}, by=office_user
        )
    document.refresh_from_db()
    assert document.status == Document.Status.READY, document.error
    data = document.file.read()
    assert data.startswith(b"%PDF")
    response = client_for(office_user).get(f"/files/document/{document.pk}/")
    assert response.status_code == 200
    if shutil.which("pdftotext"):
        path = tmp_path / "qr.pdf"
        path.write_bytes(data)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
        assert "办公主楼一层" in text and "一层卫生间" in text and "扫码反映服务问题" in text
        # each code's address is printed under it (the office sees which host the codes open)
        flat = "".join(text.split())
        assert "https://logistics.example.cn/complaints/new/?site=main-1f" in flat
        assert "https://logistics.example.cn/complaints/new/?site=main-1f&kp=toilet" in flat
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
        assert "CJK" in fonts and " yes " in fonts  # the CJK font is embedded


def test_a_document_of_someone_else_is_not_found(
    office_user, make_user, client_for, django_capture_on_commit_callbacks
):
    site = SiteFactory()
    with django_capture_on_commit_callbacks(execute=True):
        document = documents.document_request(
            kind="complaint_qr_sheet", title="x", params={"sites": [site.pk]}, by=office_user
        )
    stranger = make_user("inspector", username="stranger")
    assert client_for(stranger).get(f"/documents/{document.pk}/").status_code == 404
    assert client_for(stranger).get(f"/files/document/{document.pk}/").status_code == 404


def test_the_qr_page_says_which_address_the_codes_open(office_user, client_for, settings):
    settings.PUBLIC_BASE_URL = "https://logistics.example.cn"
    html = client_for(office_user).get("/complaints/qr/").content.decode()
    assert '<code class="url">https://logistics.example.cn/complaints/new/</code>' in html
