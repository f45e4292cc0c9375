"""Meeting attachments are checked like ticket uploads (type by content, size limit). The ticket check lives in
tickets, a layer above party, so the same rules are kept here for the files organisational life needs."""

from pathlib import PurePath

from django.conf import settings
from django.core.files.base import File

from civicgrid.party.errors import PartyRefusal

# extension → (content type, magic bytes the file must start with)
ALLOWED = {
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
}


def max_upload_bytes() -> int:
    return getattr(settings, "CIVICGRID_MAX_UPLOAD_MB", 10) * 1024 * 1024


def check_upload(name: str, data: File) -> str:
    """The content type of an acceptable upload; a PartyRefusal (Chinese) otherwise."""
    extension = PurePath(name).suffix.lower()
    if extension not in ALLOWED:
        allowed = "、".join(sorted({e.lstrip(".") for e in ALLOWED}))
        raise PartyRefusal(f"不支持的文件类型「{extension or '无扩展名'}」，仅支持：{allowed}")
    size = data.size
    if not size:
        raise PartyRefusal("文件是空的")
    if size > max_upload_bytes():
        raise PartyRefusal(
            f"文件过大（{size / 1024 / 1024:.1f} MB），单个文件不能超过 {max_upload_bytes() // 1024 // 1024} MB"
        )
    data.seek(0)
    head = data.read(16)
    data.seek(0)
    content_type, signatures = ALLOWED[extension]
    if not any(head.startswith(sig) for sig in signatures):
        raise PartyRefusal(f"文件内容与扩展名「{extension}」不符，已拒绝")
    return content_type
