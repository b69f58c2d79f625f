"""Browser routes of the schema registry, mounted under ``/schemas/``."""

from django.urls import path

from workbench.schemas import views

urlpatterns = [
    path("", views.registry_list, name="schema-registries"),
    path("<str:registry>/", views.registry_detail, name="schema-registry"),
    path("<str:registry>/<str:schema>/", views.schema_detail, name="schema-detail"),
    path("<str:registry>/<str:schema>/diff", views.schema_diff, name="schema-diff"),
    path("<str:registry>/<str:schema>/validation", views.set_validation, name="schema-validation"),
    path(
        "<str:registry>/<str:schema>/bindings/<str:language>.zip",
        views.download_binding,
        name="schema-binding",
    ),
]
