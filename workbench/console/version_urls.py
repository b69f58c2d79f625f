"""The machine page's version and alias actions (workbench.console.versions)."""

from __future__ import annotations

from django.urls import path

from workbench.console import versions as views

urlpatterns = [
    path("machines/<str:name>/versions/publish", views.publish, name="version-publish"),
    path("machines/<str:name>/versions/<int:number>/delete", views.delete_version, name="version-delete"),
    path("machines/<str:name>/aliases/save", views.save_alias, name="alias-save"),
    path("machines/<str:name>/aliases/<str:alias>/delete", views.delete_alias, name="alias-delete"),
]
