"""One archive holds everything needed to bring an installation back: the database, the data directory's files
(uploads, stored documents, classifier models) and its keys (without `id_key` the ID numbers cannot be read).
Uploads kept in a directory (MEDIA_ROOT, inside the data directory or a shared mount) go in as `data/media`; uploads
kept in an S3-compatible bucket stay out (the bucket's own versioning and replication keep them), and the manifest
says so.

SQLite is copied with its online backup API, consistent while the server writes; PostgreSQL with `pg_dump` in its
custom format. A manifest lists every table's row count, so a restore can prove it brought back what was there.
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from civicgrid.core.refusal import Refusal

FORMAT = 1
PREFIX = "civicgrid-backup-"
SUFFIX = ".tar.gz"
NAME = re.compile(rf"^{PREFIX}\d{{8}}-\d{{6}}{re.escape(SUFFIX)}$")
# Rebuilt on their own (static files, the tokenizer's cache) or the database itself (copied by its own means).
SKIPPED = {"static", "cache", "civicgrid.sqlite3", "civicgrid.sqlite3-wal", "civicgrid.sqlite3-shm"}


class BackupRefused(Refusal):
    pass


def _vendor() -> str:
    return connection.vendor


def table_counts() -> dict[str, int]:
    """Rows in every table of the database (Django's and ours), by table name."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _pg_env() -> tuple[list[str], dict]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = ["-h", str(db.get("HOST") or "127.0.0.1"), "-p", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    return args, env


def _run(argv: list[str], env: dict, what: str) -> None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, env=env)
    except FileNotFoundError as error:
        raise BackupRefused(f"找不到 {argv[0]}，无法{what}。请安装 PostgreSQL 客户端程序。") from error
    if done.returncode != 0:
        raise BackupRefused(f"{what}失败：{done.stderr.strip()[:500]}")


def _dump_database(into: Path) -> str:
    if _vendor() == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(into / "db.sqlite3")
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return "db.sqlite3"
    if _vendor() == "postgresql":
        args, env = _pg_env()
        name = connection.settings_dict["NAME"]
        _run(["pg_dump", "-Fc", "--no-owner", "-f", str(into / "db.dump"), *args, name], env, "导出数据库")
        return "db.dump"
    raise BackupRefused(f"不支持备份此类数据库：{_vendor()}")


def _data_files(data_dir: Path, exclude: Path | None) -> list[Path]:
    files = []
    for path in sorted(data_dir.iterdir()):
        # "media" is archived from MEDIA_ROOT wherever it is (below), or not at all when uploads are in a bucket.
        if path.name in SKIPPED or path.name == "media" or (exclude and path.resolve() == exclude.resolve()):
            continue
        files.append(path)
    return files


def uploads_in_bucket() -> bool:
    """Uploads live in an S3-compatible bucket, not in a directory this machine can archive."""
    return settings.MEDIA_STORAGE != "filesystem"


UPLOADS_LEFT_OUT = (
    "附件等上传文件保存在对象存储（S3）中，未包含在本备份内；请使用存储桶的版本控制和跨区域复制保护它们。"
)


@dataclass
class Made:
    path: Path
    tables: int
    rows: int
    removed: list[Path]
    notes: list[str]


def backup(out_dir: Path, *, keep: int | None = None, now: datetime | None = None) -> Made:
    """Write one archive into `out_dir` and return it; with `keep`, remove the oldest archives beyond `keep`."""
    if keep is not None and keep < 1:
        raise BackupRefused("保留份数必须至少为 1。")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    now = timezone.localtime(now or timezone.now())
    final = out_dir / f"{PREFIX}{now:%Y%m%d-%H%M%S}{SUFFIX}"
    if final.exists():
        raise BackupRefused(f"{final} 已存在，请稍后再试。")
    data_dir = Path(settings.DATA_DIR)
    with tempfile.TemporaryDirectory(dir=out_dir) as work:
        work = Path(work)
        database = _dump_database(work)
        counts = table_counts()
        manifest = {
            "format": FORMAT,
            "created": now.isoformat(),
            "vendor": _vendor(),
            "database": database,
            "tables": counts,
            # "included": data/media holds the uploads; "s3": they stayed in the bucket.
            "media": "s3" if uploads_in_bucket() else "included",
        }
        (work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        partial = work / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work / "manifest.json", "manifest.json")
            archive.add(work / database, database)
            for path in _data_files(data_dir, out_dir):
                archive.add(path, f"data/{path.name}")
            media = Path(settings.MEDIA_ROOT)
            if not uploads_in_bucket() and media.is_dir():
                archive.add(media, "data/media")
        # Renamed into place only when complete: a crash never leaves a half archive under the final name.
        os.replace(partial, final)
    final.chmod(0o600)
    removed = prune(out_dir, keep) if keep else []
    return Made(
        final, len(counts), sum(counts.values()), removed, [UPLOADS_LEFT_OUT] if uploads_in_bucket() else []
    )


def prune(out_dir: Path, keep: int) -> list[Path]:
    archives = sorted(p for p in Path(out_dir).iterdir() if NAME.match(p.name))
    old = archives[:-keep] if len(archives) > keep else []
    for path in old:
        path.unlink()
    return old


def _read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(archive.extractfile("manifest.json"))
    except (KeyError, ValueError, TypeError) as error:
        raise BackupRefused("这不是 civicgrid 的备份文件（缺少清单 manifest.json）。") from error
    if manifest.get("format") != FORMAT:
        raise BackupRefused("备份文件的格式版本与本程序不符，无法恢复。")
    return manifest


def existing_data() -> list[str]:
    """What restoring would replace: a migrated database, uploads or keys that protect data."""
    found = []
    with connection.cursor() as cursor:
        if "django_migrations" in connection.introspection.table_names(cursor):
            found.append("数据库中已有数据表")
    data_dir = Path(settings.DATA_DIR)
    for name in ("id_key", "intake-models"):
        if (data_dir / name).exists():
            found.append(f"数据目录中已有 {name}")
    media = Path(settings.MEDIA_ROOT)
    if not uploads_in_bucket() and media.is_dir() and any(media.iterdir()):
        found.append(f"附件目录 {media} 中已有文件")
    return found


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in archive.getmembers():
        parts = Path(member.name).parts
        if member.name.startswith("/") or ".." in parts or member.issym() or member.islnk():
            raise BackupRefused(f"备份文件中含有不安全的路径：{member.name}")
        members.append(member)
    return members


def _restore_database(work: Path, manifest: dict, replace: bool) -> None:
    database = work / manifest["database"]
    if manifest["vendor"] == "sqlite":
        source = sqlite3.connect(database)
        try:
            connection.ensure_connection()
            # The backup API replaces the whole open database (whatever it held) with the archived one.
            source.backup(connection.connection)
        finally:
            source.close()
        return
    args, env = _pg_env()
    name = connection.settings_dict["NAME"]
    connection.close()
    flags = ["--clean", "--if-exists"] if replace else []
    _run(
        ["pg_restore", "--no-owner", "--exit-on-error", *flags, *args, "-d", name, str(database)],
        env,
        "恢复数据库",
    )


def restore(path: Path, *, replace: bool = False) -> dict:
    """Bring back an archive into this installation's database and data directory. Refused when either holds data,
    unless `replace`. Returns {"tables": n, "rows": n, "mismatches": [...], "notes": [...]}: the mismatches from
    comparing the manifest's counts, the notes on uploads that were not brought back here."""
    path = Path(path)
    if not path.is_file():
        raise BackupRefused(f"找不到备份文件：{path}")
    try:
        archive = tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError) as error:
        raise BackupRefused(f"无法读取备份文件（已损坏或不是 .tar.gz）：{path}") from error
    with archive:
        manifest = _read_manifest(archive)
        if manifest["vendor"] != _vendor():
            kinds = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
            raise BackupRefused(
                f"备份来自 {kinds.get(manifest['vendor'], manifest['vendor'])} 数据库，"
                f"当前使用 {kinds.get(_vendor(), _vendor())}，不能直接恢复。"
            )
        found = existing_data()
        if found and not replace:
            raise BackupRefused(
                f"当前安装已有数据（{'；'.join(found)}），恢复会覆盖它们。确认覆盖请加 --yes。"
            )
        members = _safe_members(archive)
        notes = []
        if manifest.get("media") == "s3":
            notes.append("该备份不含附件（备份时附件保存在对象存储中），附件须从存储桶恢复。")
        with tempfile.TemporaryDirectory() as work:
            work = Path(work)
            archive.extractall(work, members=members)
            _restore_database(work, manifest, replace)
            data_dir = Path(settings.DATA_DIR)
            saved = work / "data"
            if saved.exists():
                for item in saved.iterdir():
                    if item.name == "media" and uploads_in_bucket():
                        notes.append(
                            "备份中的附件未恢复：当前配置把附件保存在对象存储（S3）中，请自行上传到存储桶。"
                        )
                        continue
                    if item.name == "media":
                        # The uploads' directory may be a shared mount: filled in place, never removed.
                        shutil.copytree(item, Path(settings.MEDIA_ROOT), dirs_exist_ok=True)
                        continue
                    target = data_dir / item.name
                    if target.is_dir():
                        shutil.rmtree(target)
                    if item.is_dir():
                        shutil.copytree(item, target)
                    else:
                        shutil.copy2(item, target)
    counts = table_counts()
    expected = manifest["tables"]
    mismatches = [
        f"{table}：备份 {n} 行，恢复后 {counts.get(table)} 行"
        for table, n in expected.items()
        if counts.get(table) != n
    ]
    return {"tables": len(expected), "rows": sum(expected.values()), "mismatches": mismatches, "notes": notes}
