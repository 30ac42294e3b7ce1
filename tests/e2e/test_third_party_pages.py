"""Pages the app serves from installed packages run under the Content-Security-Policy too: Swagger UI (the API
docs, drf-spectacular's sidecar) and the Django admin. The page guard (conftest) fails on any violation."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_under_the_policy(page):
    from playwright.sync_api import expect

    page.goto("/api/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Firebreak API")
    expect(page.locator(".opblock-tag").first).to_be_visible()


def test_the_admin_sign_in_renders_under_the_policy(page):
    from playwright.sync_api import expect

    page.goto("/admin/login/")

    expect(page.get_by_role("button", name="Log in")).to_be_visible()
