"""The visual designer's routes (included once from workbench/urls.py)."""

from __future__ import annotations

from django.urls import path

from workbench.console import designer as views

urlpatterns = [
    path("machines/new/design", views.design_new, name="designer-new"),
    path("machines/<str:name>/design", views.design_machine, name="designer-machine"),
    path("machines/<str:name>/design/revisions", views.revisions, name="designer-revisions"),
    path("designer/layout", views.layout_view, name="designer-layout"),
    path("designer/save", views.save, name="designer-save"),
    path("designer/publish", views.publish, name="designer-publish"),
    path("designer/import", views.import_template, name="designer-import"),
    path("designer/test-state", views.run_test_state, name="designer-test-state"),
    path("designer/start", views.start, name="designer-start"),
]
