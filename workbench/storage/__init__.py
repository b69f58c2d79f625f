"""Object storage: an S3-compatible store of buckets and objects in the workbench's database."""
