from scripts.tilt.objects import config_selectors

RENDERED = """
apiVersion: v1
kind: ServiceAccount
metadata: {name: todo-app}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: todo-app-backend}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: todo-app-backend-data}
---
apiVersion: v1
kind: Service
metadata: {name: todo-app-backend}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: todo-app-backend}
---
"""


def test_supporting_objects_are_grouped_and_workloads_with_their_services_are_not():
    assert config_selectors(RENDERED) == ["todo-app:serviceaccount", "todo-app-backend:configmap",
                                          "todo-app-backend-data:persistentvolumeclaim"]
