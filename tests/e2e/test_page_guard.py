"""The guard every e2e test runs under (tests/e2e/conftest.py): a script the Content-Security-Policy refuses, an
uncaught exception or a console error fails the test when its browser context closes; a 4xx it provokes does not."""

import pytest

from tests.e2e.conftest import PageProblems

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

INLINE_SCRIPT = """() => {
  const script = document.createElement("script");
  script.textContent = "window.ran = 1";
  document.body.append(script);
}"""


def test_an_inline_script_is_refused_and_reported(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/accounts/login/")

    page.evaluate(INLINE_SCRIPT)

    assert page.evaluate("() => window.ran") is None
    with pytest.raises(PageProblems, match=r"securitypolicyviolation \{\"directive\":\"script-src-elem\""):
        context.close()


def test_console_errors_and_uncaught_exceptions_are_reported(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/accounts/login/")

    page.evaluate("() => console.error('something broke')")
    page.evaluate("() => setTimeout(() => { throw new Error('thrown later'); })")
    page.wait_for_timeout(200)

    with pytest.raises(PageProblems) as raised:
        context.close()
    assert "console error: something broke" in str(raised.value)
    assert "uncaught: thrown later" in str(raised.value)


def test_a_refused_page_the_test_asks_for_is_no_problem(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()

    response = page.goto("/no-such-page/")

    assert response.status == 404
    context.close()
