"""The visual designer's routes (included once from workbench/urls.py)."""

from __future__ import annotations

from django.urls import path

from workbench.stepfunctions import designer_views

urlpatterns = [
    path("machines/new/design", designer_views.design_new, name="designer-new"),
    path("machines/<str:name>/design", designer_views.design_machine, name="designer-machine"),
    path("machines/<str:name>/design/revisions", designer_views.revisions, name="designer-revisions"),
    path("designer/layout", designer_views.layout_view, name="designer-layout"),
    path("designer/save", designer_views.save, name="designer-save"),
    path("designer/import", designer_views.import_template, name="designer-import"),
    path("designer/test-state", designer_views.test_state, name="designer-test-state"),
    path("designer/start", designer_views.start, name="designer-start"),
]
