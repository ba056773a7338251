"""The public pages never answer 5xx, whatever an anonymous visitor sends (hypothesis + the test client).

The pages: the employees' complaint form (``/complaints/new/``), the tracking lookup and page with its
rating and reopen forms (``/complaints/track/``), and the survey answer form (``/s/<token>/``). Text is any
Unicode (control characters, NUL, RTL marks, emoji, huge strings); lone surrogates cannot be encoded by a
client, so they are sent the only way they can be: as the UTF-8-like bytes of a raw form body. Files have
any bytes, names and content types.

The form's abuse protection is passed the way a person passes it (tests in test_complaints.py): an empty
honeypot and a signed stamp from 30 s ago; the rate-limit counters are cleared before each example, and
each example runs in its own transaction (``hypothesis.extra.django.TestCase``).
"""

from __future__ import annotations

import secrets
import time
from urllib.parse import quote

from django.core import signing
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from conftest import make_png
from inspections.forms import SIGNING_SALT

EXAMPLES = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

NASTY = [
    "\x00",
    "a\x00b",
    "\u202e\u202dالعربية",  # RTL override and Arabic
    "😀👩‍👩‍👧‍👦" * 30,
    "\r\n\t\x1b[31m\x7f",
    "'; DROP TABLE inspections_complaint; --",
    "<script>alert(1)</script>",
    "x" * 100_000,
    "²³",  # digits for str.isdigit(), not for int()
    "9" * 5000,  # more digits than int() converts
    "../../etc/passwd",
    "a/b",
    "%00%ff",
]
text = st.one_of(st.sampled_from(NASTY), st.text(max_size=300), st.text(st.characters(codec="utf-8"), max_size=50))


def stamp(seconds_ago: int = 30) -> str:
    """A fresh form stamp (each brings one complaint in: a replay would be quarantined)."""
    return signing.dumps([int(time.time()) - seconds_ago, secrets.token_hex(6)], salt=SIGNING_SALT)


uploads = st.tuples(
    st.one_of(st.sampled_from(["p.jpg", "p.png", "p.webp", "p.JPG", ".png", "p.jpg.exe", "p"]), st.text(max_size=80)),
    st.one_of(st.binary(max_size=2000), st.just(make_png()), st.just(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)),
    st.one_of(st.sampled_from(["image/png", "image/jpeg", "application/pdf", ""]), st.text(max_size=40)),
)


def upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    """The test client writes the name and type into headers: keep what a browser could send there."""
    name = "".join(c for c in name if c.isprintable() and c not in '"\\/') or "p"
    if name in (".", ".."):
        name = "p"
    content_type = "".join(c for c in content_type if c.isprintable())
    return SimpleUploadedFile(name, content, content_type=content_type)


class PublicPagesFuzz(TestCase):
    @classmethod
    def setUpTestData(cls):
        from contracts.tests.factories import ContractFactory
        from inspections.services import complaints as complaint_services
        from inspections.services import surveys as survey_services
        from inspections.tests.factories import make_survey
        from logistics.models import ServiceCategory
        from logistics.tests.factories import KeyPointFactory, SiteFactory, UserFactory, VendorFactory

        cls.category = ServiceCategory.objects.get(code="cleaning")
        cls.site = SiteFactory()
        cls.key_point = KeyPointFactory(site=cls.site)
        vendor = VendorFactory()
        office = UserFactory(username="fuzz-office", role="office", is_staff=True)
        vendor_user = UserFactory(username="fuzz-vendor", role="vendor", vendor=vendor)
        contract = ContractFactory(vendor=vendor, category=cls.category)
        complaint = complaint_services.complaint_submit(category=cls.category, description="三楼卫生间没有手纸")
        complaint_services.complaint_accept(complaint=complaint, contract=contract, urgency="urgent", by=office)
        complaint_services.complaint_answer(complaint=complaint, response="已补充", by=vendor_user)
        complaint_services.complaint_rule(complaint=complaint, upheld=True, reason="经调查属实。", by=office)
        complaint_services.complaint_close(complaint=complaint, reply="已督促整改", by=office)
        cls.code = complaint.tracking_code
        survey = make_survey(contract, office, title="满意度")
        cls.invitation = survey_services.survey_invite(survey=survey, contract=contract, count=1)[0].token
        cls.questions = [f"q{q.pk}" for q in survey.questions.all()]

    def setUp(self):
        cache.clear()  # the rate limits count per address: every example starts from zero

    def assertNoServerError(self, response):
        # a 4xx is a fair answer to garbage (a 400 for a 100 kB URL, a 404 for a code that does not exist)
        self.assertLess(response.status_code, 500, response.content[:500])

    # --- the complaint form ---------------------------------------------------------------------------
    @EXAMPLES
    @given(
        description=text,
        location=text,
        name=text,
        phone=text,
        email=text,
        anonymous=st.sampled_from(["", "on", "\x00", "true"]),
        category=st.one_of(st.none(), text),
        site=st.one_of(st.none(), text),
        photos=st.lists(uploads, max_size=3),
        honeypot=st.sampled_from(["", "http://spam.example"]),
    )
    @example(
        description="三楼卫生间没有手纸\x00", location="", name="", phone="", email="", anonymous="",
        category=None, site=None, photos=[], honeypot="",
    )  # fmt: skip
    def test_the_complaint_form(
        self, description, location, name, phone, email, anonymous, category, site, photos, honeypot
    ):
        cache.clear()
        data = {
            "category": self.category.pk if category is None else category,
            "site": self.site.pk if site is None else site,
            "key_point": self.key_point.pk,
            "description": description,
            "location": location,
            "name": name,
            "phone": phone,
            "email": email,
            "anonymous": anonymous,
            "website": honeypot,
            "started": stamp(),
            "photos": [upload(*p) for p in photos],
        }
        self.assertNoServerError(self.client.post("/complaints/new/", data))

    @EXAMPLES
    @given(st.binary(max_size=3000))
    @example(b"description=%ED%A0%80%ED%B0%80abcdef&category=1")  # a lone surrogate, UTF-8-encoded
    @example(b"description=\xff\xfe\x00\x00&category=%00")
    def test_the_complaint_form_with_a_raw_body(self, body):
        cache.clear()
        response = self.client.post("/complaints/new/", body, content_type="application/x-www-form-urlencoded")
        self.assertNoServerError(response)
        response = self.client.post("/complaints/new/", body, content_type="multipart/form-data; boundary=xyz")
        self.assertNoServerError(response)

    @EXAMPLES
    @given(st.lists(st.tuples(text, text), max_size=6))
    @example([("site", "a\x00b"), ("cat", "\x00"), ("kp", "\x00")])  # the QR parameters: NUL was a 500 on PostgreSQL
    def test_the_complaint_page_with_any_query(self, params):
        cache.clear()
        query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params)
        self.assertNoServerError(self.client.get(f"/complaints/new/?{query}"))

    # --- tracking ---------------------------------------------------------------------------------------
    @EXAMPLES
    @given(text)
    @example("a/b")  # the lookup redirects to /complaints/track/<code>/: a code with a slash has no URL
    @example("ABC DEF")
    def test_the_tracking_lookup_and_page(self, code):
        cache.clear()
        self.assertNoServerError(self.client.get("/complaints/track/", {"code": code}))
        cache.clear()
        self.assertNoServerError(self.client.get(f"/complaints/track/{quote(code, safe='')}/"))

    @EXAMPLES
    @given(action=st.one_of(st.sampled_from(["rate", "reopen"]), text), rating=text, reason=text)
    @example(action="rate", rating="3", reason="")
    @example(action="reopen", rating="", reason="第二天又没有了\x00")
    def test_the_rating_and_reopen_forms(self, action, rating, reason):
        cache.clear()
        response = self.client.post(
            f"/complaints/track/{self.code}/", {"action": action, "rating": rating, "reason": reason}
        )
        self.assertNoServerError(response)

    # --- the survey -------------------------------------------------------------------------------------
    @EXAMPLES
    @given(answers=st.lists(text, min_size=5, max_size=5), comment=text)
    @example(answers=["5", "4", "3", "2", "1"], comment="很好\x00")  # NUL: PostgreSQL refuses it in text
    @example(answers=["²", "5", "5", "5", "5"], comment="")  # "²".isdigit() is True, int("²") fails
    @example(answers=["9" * 5000, "5", "5", "5", "5"], comment="")  # beyond int()'s digit limit
    def test_the_survey_answer_form(self, answers, comment):
        data = dict(zip(self.questions, answers, strict=False))
        response = self.client.post(f"/s/{self.invitation}/", {**data, "comment": comment})
        self.assertEqual(response.status_code, 200)

    @EXAMPLES
    @given(text)
    @example("a\x00b")  # PostgreSQL refuses NUL in a query: the lookup of the token was a 500 there
    def test_any_survey_token(self, token):
        self.assertNoServerError(self.client.get(f"/s/{quote(token, safe='')}/"))


# --- regression tests: what the properties found ------------------------------------------------------
class PublicPagesRegressions(PublicPagesFuzz):
    """Found by the properties above (each was a 500)."""

    test_the_complaint_form = test_the_complaint_form_with_a_raw_body = None
    test_the_complaint_page_with_any_query = test_the_tracking_lookup_and_page = None
    test_the_rating_and_reopen_forms = test_the_survey_answer_form = test_any_survey_token = None

    def test_a_tracking_code_with_a_slash_is_not_found(self):
        # the lookup redirected to /complaints/track/<code>/, which has no URL for "A/B": NoReverseMatch
        self.assertEqual(self.client.get("/complaints/track/", {"code": "a/b"}).status_code, 404)
        self.assertEqual(self.client.get("/complaints/track/", {"code": "***"}).status_code, 404)
        response = self.client.get("/complaints/track/", {"code": f" {self.code.lower()} "})
        self.assertRedirects(response, f"/complaints/track/{self.code}/")

    def test_a_survey_answer_that_is_a_digit_but_not_a_number_is_an_error(self):
        from inspections.models import SurveyResponse

        for odd in ("²", "٣", "9" * 5000, "05"):
            data = {**dict.fromkeys(self.questions, "5"), self.questions[0]: odd}
            response = self.client.post(f"/s/{self.invitation}/", data)
            self.assertEqual(response.status_code, 200)
            self.assertFalse(SurveyResponse.objects.exists())
        self.client.post(f"/s/{self.invitation}/", dict.fromkeys(self.questions, "4"))
        self.assertEqual(SurveyResponse.objects.count(), 1)

    def test_a_survey_token_with_a_nul_byte_is_not_found(self):
        self.assertEqual(self.client.get("/s/a%00b/").status_code, 404)

    def test_a_survey_comment_loses_its_nul_bytes(self):
        # PostgreSQL refuses NUL in text: the comment, which no form field checks, raised a 500 there
        from inspections.models import SurveyResponse

        self.client.post(f"/s/{self.invitation}/", {**dict.fromkeys(self.questions, "5"), "comment": "很\x00好"})
        self.assertEqual(SurveyResponse.objects.get().comment, "很好")
