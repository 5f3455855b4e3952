from scripts.workflow.cluster_choice import choose


def never():
    raise AssertionError("must not be asked")


def test_a_reachable_dev_context_wins():
    c = choose("kind-dev", lambda ctx: True, True, never, True)
    assert (c.context, c.action) == ("kind-dev", "use")


def test_a_non_dev_current_context_is_never_used():
    c = choose("prod-eu", lambda ctx: True, False, never, True)
    assert (c.context, c.action) == ("todo-local", "local-up")


def test_unreachable_dev_context_falls_through_to_running_minikube():
    c = choose("kind-dev", lambda ctx: False, True, lambda: True, True)
    assert (c.context, c.action) == ("minikube", "use")


def test_installed_minikube_is_started():
    c = choose("", lambda ctx: False, True, lambda: False, True)
    assert c.action == "minikube-start"


def test_local_cluster_only_for_linux_root():
    assert choose("", lambda ctx: False, False, never, True).action == "local-up"
    c = choose("", lambda ctx: False, False, never, False)
    assert c.action == "none" and "Install minikube" in c.reason
