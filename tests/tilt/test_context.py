import pytest

from scripts.tilt import context


@pytest.mark.parametrize("name", ["minikube", "kind-kind", "kind-todo", "docker-desktop", "k3d-dev", "todo-local"])
def test_dev_contexts_are_allowed(name):
    context.check(name)


@pytest.mark.parametrize("name", ["prod-eu", "gke_project_europe-west1_prod", "kind", "minikube-prod", ""])
def test_other_contexts_are_refused_with_the_opt_in(name):
    with pytest.raises(context.ContextRefused) as err:
        context.check(name)
    msg = str(err.value)
    if name:
        assert f"'{name}'" in msg and f"--allow-context={name}" in msg
    else:
        assert "No Kubernetes context" in msg


def test_opt_in_allows_exactly_the_named_context():
    context.check("prod-eu", ["prod-eu"])
    with pytest.raises(context.ContextRefused):
        context.check("prod-us", ["prod-eu"])
