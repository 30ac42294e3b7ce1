"""core.demo: seed_demo finds each app's demo module through the app registry and runs the steps by DEMO_ORDER."""

from core import demo


def test_every_app_with_demo_data_has_a_step_in_order():
    assert [(step.app, step.order) for step in demo.demo_steps()] == [
        ("services", 20),
        ("incidents", 30),
        ("notifications", 40),
        ("oncall", 50),
        ("alerting", 60),
        ("ticketing", 70),
        ("statuspage", 75),
        ("retros", 80),
        ("workflows", 90),
        ("drills", 95),
    ]


def test_the_steps_run_in_order_with_the_organization(monkeypatch):
    ran = []
    steps = [
        demo.DemoStep(app="b", order=1, seed=lambda *, organization: ran.append(("b", organization))),
        demo.DemoStep(app="a", order=2, seed=lambda *, organization: ran.append(("a", organization))),
    ]
    monkeypatch.setattr(demo, "demo_steps", lambda: steps)

    assert demo.demo_seed(organization="demo-org") == ["b", "a"]
    assert ran == [("b", "demo-org"), ("a", "demo-org")]
