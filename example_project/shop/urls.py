from __future__ import annotations

from django.urls import path

from example_project.shop import views

app_name = "shop"

urlpatterns = [
    path("items/", views.items, name="items"),
    path("items/<int:pk>/", views.item, name="item"),
    path("items/<int:pk>/buy/", views.buy, name="buy"),
    path("quota/", views.quota, name="quota"),
]
