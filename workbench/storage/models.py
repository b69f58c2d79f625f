"""Buckets and objects: what S3 clients and Distributed Map item readers/result writers see."""

from __future__ import annotations

from django.db import models

from workbench.accounts.models import Workspace


class Bucket(models.Model):
    """A bucket of one workspace; names are unique within the workspace (its "account")."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="buckets")
    name = models.CharField(max_length=63)
    region = models.CharField(max_length=32, default="us-east-1")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_bucket_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StoredObject(models.Model):
    """One object: its bytes and the headers S3 returns with them.

    ``etag`` is stored quoted (``"<md5 hex>"``, or ``"<md5 of part md5s>-N"`` after a multipart
    upload) exactly as S3 sends it. ``metadata`` holds the user's ``x-amz-meta-*`` pairs;
    ``headers`` the other stored response headers (Cache-Control, Content-Disposition, ...)
    and the checksum the client sent, keyed by header name.
    """

    bucket = models.ForeignKey(Bucket, on_delete=models.CASCADE, related_name="stored_objects")
    key = models.CharField(max_length=1024)
    body = models.BinaryField(default=b"")
    content_type = models.CharField(max_length=256, default="binary/octet-stream")
    etag = models.CharField(max_length=64)
    size = models.BigIntegerField(default=0)
    last_modified = models.DateTimeField()
    metadata = models.JSONField(default=dict, blank=True)
    headers = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bucket", "key"], name="unique_object_key")]

    def __str__(self) -> str:
        return f"{self.bucket.name}/{self.key}"


class MultipartUpload(models.Model):
    """An upload started by CreateMultipartUpload, until it is completed or aborted.

    aws-cli and boto3's transfer manager upload files of 8 MiB and more this way.
    """

    bucket = models.ForeignKey(Bucket, on_delete=models.CASCADE, related_name="uploads")
    upload_id = models.CharField(max_length=64, unique=True)
    key = models.CharField(max_length=1024)
    content_type = models.CharField(max_length=256, default="binary/octet-stream")
    metadata = models.JSONField(default=dict, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    initiated = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.bucket.name}/{self.key} ({self.upload_id})"


class UploadedPart(models.Model):
    """One part of a multipart upload; uploading the same number again replaces it."""

    upload = models.ForeignKey(MultipartUpload, on_delete=models.CASCADE, related_name="parts")
    part_number = models.PositiveIntegerField()
    body = models.BinaryField(default=b"")
    etag = models.CharField(max_length=64)
    size = models.BigIntegerField(default=0)
    last_modified = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["upload", "part_number"], name="unique_upload_part")]
        ordering = ["part_number"]
