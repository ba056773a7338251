"""Uploads: validation, re-encoding and private storage, shared by every app.

- Extension and content are both checked: a PDF must start with ``%PDF-``; an image must open with
  Pillow as the format its extension claims.
- Images are re-encoded (which drops EXIF, GPS included, and anything appended to the file, such as the
  HTML of a polyglot), turned upright first, and scaled down to a maximum side.
- Files are stored under random names in a storage with no URL: they are served only through views that
  check access (``logistics.files``).
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MB = 1024 * 1024


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_pixels: int = 40_000_000
    max_side: int = 2560


PHOTO_LIMITS = UploadLimits(max_bytes=10 * MB)
DOCUMENT_LIMITS = UploadLimits(max_bytes=15 * MB, max_side=3000)

IMAGE_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
PHOTO_EXTENSIONS = ("jpg", "jpeg", "png", "webp")
DOCUMENT_EXTENSIONS = ("pdf", "jpg", "jpeg", "png")


class PrivateStorage(FileSystemStorage):
    """Storage for every upload: under MEDIA_ROOT/private (read when used, so tests and deployments may move
    it), and no URL at all: files are served only through permission-checked views."""

    @cached_property
    def base_location(self) -> str:
        return str(Path(settings.MEDIA_ROOT) / "private")

    def url(self, name: str | None) -> str:
        raise ValueError("private files have no public URL; use logistics.files.download_url")


def private_storage() -> FileSystemStorage:
    return PrivateStorage()


@deconstructible
class RandomName:
    """``upload_to`` that keeps only a random name and the (validated) extension."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def __call__(self, instance: Any, filename: str) -> str:
        extension = PurePath(filename).suffix.lower().lstrip(".")
        extension = "jpg" if extension == "jpeg" else extension
        return f"{self.folder}/{uuid.uuid4().hex}.{extension or 'bin'}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RandomName) and other.folder == self.folder


def _extension(name: str) -> str:
    return PurePath(name or "").suffix.lower().lstrip(".")


def _check_size(upload: Any, limits: UploadLimits) -> None:
    if upload.size > limits.max_bytes:
        raise ValidationError(
            _("“%(name)s” is %(size).1f MB; files may be at most %(limit)d MB.")
            % {"name": upload.name, "size": upload.size / MB, "limit": limits.max_bytes // MB},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": upload.name}, code="empty")


def _read(upload: Any) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def reencode_image(data: bytes, name: str, limits: UploadLimits) -> ContentFile:
    """Open, check and re-encode an image; EXIF and trailing bytes are gone from the result."""
    extension = _extension(name)
    expected = IMAGE_FORMATS.get(extension)
    previous_limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the size is checked below, with a message
    try:
        try:
            with Image.open(io.BytesIO(data)) as probe:
                actual = probe.format
                width, height = probe.size
                probe.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ValidationError(
                _("“%(name)s” is not a valid image (JPEG, PNG or WebP).") % {"name": name}, code="not_image"
            ) from exc
        except Image.DecompressionBombError as exc:
            raise ValidationError(
                _("“%(name)s” has too many pixels; images may have at most %(limit)d megapixels.")
                % {"name": name, "limit": limits.max_pixels // 1_000_000},
                code="too_many_pixels",
            ) from exc
        if width * height > limits.max_pixels:
            raise ValidationError(
                _("“%(name)s” has too many pixels; images may have at most %(limit)d megapixels.")
                % {"name": name, "limit": limits.max_pixels // 1_000_000},
                code="too_many_pixels",
            )
        if actual != expected:
            raise ValidationError(
                _("“%(name)s” is not what its extension says (.%(ext)s); please upload a real JPEG, PNG or WebP.")
                % {"name": name, "ext": extension},
                code="mismatch",
            )
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image.thumbnail((limits.max_side, limits.max_side))
            out = io.BytesIO()
            if actual == "PNG":
                image.save(out, format="PNG", optimize=True)
                new_extension = "png"
            else:
                if image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                image.save(out, format="JPEG", quality=85, optimize=True)
                new_extension = "jpg"
    finally:
        Image.MAX_IMAGE_PIXELS = previous_limit
    stem = PurePath(name).stem[:80] or "photo"
    return ContentFile(out.getvalue(), name=f"{stem}.{new_extension}")


def _check_kind(upload: Any, extensions: tuple[str, ...], refusal: str, limits: UploadLimits) -> str:
    """The upload's extension, once it is one of ``extensions`` (else ``refusal``, naming the file) and the upload
    is within the size ``limits``."""
    extension = _extension(upload.name)
    if extension not in extensions:
        raise ValidationError(refusal % {"name": upload.name}, code="extension")
    _check_size(upload, limits)
    return extension


def clean_photo(upload: Any, limits: UploadLimits = PHOTO_LIMITS) -> ContentFile:
    """A photo as uploaded -> a re-encoded JPEG or PNG without metadata (or a ValidationError)."""
    _check_kind(upload, PHOTO_EXTENSIONS, _("“%(name)s”: only JPEG, PNG and WebP photos are accepted."), limits)
    return reencode_image(_read(upload), upload.name, limits)


def clean_document(upload: Any, limits: UploadLimits = DOCUMENT_LIMITS) -> ContentFile:
    """A scanned document: a PDF (checked) or an image (re-encoded)."""
    extension = _check_kind(
        upload, DOCUMENT_EXTENSIONS, _("“%(name)s”: only PDF, JPEG and PNG files are accepted."), limits
    )
    data = _read(upload)
    if extension == "pdf":
        if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
            raise ValidationError(_("“%(name)s” is not a valid PDF file.") % {"name": upload.name}, code="not_pdf")
        stem = PurePath(upload.name).stem[:80] or "document"
        return ContentFile(data, name=f"{stem}.pdf")
    return reencode_image(data, upload.name, limits)
